import cors from '@koa/cors';
import Router from '@koa/router';
import type { Client, Connection } from '@temporalio/client';
import createDebug from 'debug';
import Koa from 'koa';
import { mergeSettings, type SettingsOverrides } from '../contracts/workflow-settings';
import type { Config } from '../platform/config';
import type { Logger } from '../platform/logger';
import { packageVersion } from '../platform/project-root';
import { activeTracing } from '../platform/tracing';
import type { Database } from '../storage/database';
import { createErrorLog } from '../storage/error-log';
import { createEventStore } from '../storage/event-store';
import { createApiKeys } from '../storage/api-keys';
import { createClients } from '../storage/clients';
import { createLiveCounts } from '../storage/live-counts';
import { clientRoutes } from './admin/client-routes';
import { addFilmRoutes } from './admin/film-routes';
import { adminRoutes } from './admin/routes';
import { sessionKeys } from './admin/session';
import { consoleRoutes } from './console/routes';
import { jsonErrors } from './errors';
import { createHealthProbe, type HealthProbe } from './health';
import { registerLiveGauges } from './live-gauges';
import { createGatewayMetrics, type GatewayMetrics } from './metrics';
import { buildOpenApiDocument } from './openapi';
import { clientRequestQuota, identifyCaller } from './projects/client-auth';
import { createProjectCreator } from './projects/create-project';
import { projectRoutes } from './projects/routes';
import { createRateLimiter } from './rate-limit';
import { requestContext } from './request-context';
import { traceRequests } from './request-tracing';
import { strictQueryEncoding } from './validation';
import { createWebhookApplier, webhookRoutes } from './webhooks/receive';

export interface GatewayDeps {
  config: Config;
  database: Database;
  temporal: Client;
  connection: Connection;
  logger: Logger;
  /** Test-only tweaks over the configured workflow settings. */
  workflowSettings?: SettingsOverrides;
  /** Separates this gateway's rate-limit keys (tests run several gateways on one Redis). */
  rateLimitKeyPrefix?: string;
}

export interface Gateway {
  app: Koa;
  metrics: GatewayMetrics;
  /** Stops background work (error pruning, the rate-limit store connection). */
  close(): Promise<void>;
}

/** The router sets the status and the Allow header; jsonErrors gives the answer its JSON body. */
const methodErrors = { throw: false };

const pruneEveryMs = 60 * 60_000;

/** Whether a DEBUG value (the `debug` package's syntax: `webhooks:*,-webhooks:x`) turns `name` on. */
function debugEnabled(setting: string | undefined, name: string): boolean {
  if (!setting) return false;
  const previous = createDebug.disable(); // the package keeps one global setting: borrow it, then restore it
  createDebug.enable(setting);
  const enabled = createDebug.enabled(name);
  createDebug.enable(previous);
  return enabled;
}

/** A middleware applied to the project and admin API (`/api/v1/*`) only, never to the webhooks. */
const onApiPaths =
  (middleware: Koa.Middleware): Koa.Middleware =>
  async (ctx, next) => {
    if (ctx.path.startsWith('/api/v1/')) await middleware(ctx, next);
    else await next();
  };

/**
 * GET /health, /metrics and /openapi.json, on a router like every other path, so another method on them
 * is a 405 with Allow (from allowedMethods), not a 404.
 */
function infoRoutes({ health, metrics, openApiDocument }: { health: HealthProbe; metrics: GatewayMetrics; openApiDocument: unknown }): Router {
  const router = new Router();
  router.get('/health', async (ctx) => {
    const status = await health();
    ctx.status = status.ok ? 200 : 503;
    ctx.body = { status: status.ok ? 'ok' : 'degraded', temporal: status.temporal, database: status.database };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument;
  });
  return router;
}

/** The HTTP edge: the project API, the three webhook receivers, the admin API and the console, as one Koa app. */
export function createGateway(deps: GatewayDeps): Gateway {
  const { config, database, temporal, connection, logger, workflowSettings } = deps;
  const { prisma } = database;
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: config.trustProxy ? 1 : 0 });
  app.silent = true; // errors are logged once, by jsonErrors

  const metrics = createGatewayMetrics();
  registerLiveGauges(metrics.registry, createLiveCounts(database.pool), mergeSettings(config.workflow, workflowSettings).stepTimeoutMs, logger);
  const health = createHealthProbe(connection, prisma);
  const errors = createErrorLog(prisma);
  const events = createEventStore(database);
  const apply = createWebhookApplier(temporal, prisma, events, logger);
  const createProject = createProjectCreator({
    prisma,
    temporal,
    taskQueue: config.temporal.taskQueue,
    workflowSettings: mergeSettings(config.workflow, workflowSettings),
    applyEarlyEvents: apply.applyPending,
  });
  const limiter = config.rateLimit.enabled
    ? createRateLimiter({ windowMs: config.rateLimit.windowMs, redisUrl: config.redisUrl, keyPrefix: deps.rateLimitKeyPrefix, logger, metrics })
    : undefined;

  // Client quotas have their own limiter: they hold whether or not the per-IP webhook limits are on.
  const clientLimiter = createRateLimiter({ windowMs: 60_000, redisUrl: config.redisUrl, keyPrefix: `${deps.rateLimitKeyPrefix ?? 'reelay:rl'}:quota`, logger, metrics });
  const apiKeys = createApiKeys(prisma);
  const projectAccess = [identifyCaller(config.adminToken, apiKeys, config.clientQuotas), clientRequestQuota(clientLimiter, metrics)];
  const clientAdmin = clientRoutes({ token: config.adminToken, clients: createClients(prisma), apiKeys, defaults: config.clientQuotas });

  const webhookLogLevel = logger.level !== 'silent' && debugEnabled(config.debug, 'webhooks:pipeline') ? 'debug' : undefined;

  const webhooks = webhookRoutes({ config, events, errors, apply, health, metrics, limiter });
  const admin = adminRoutes({ token: config.adminToken, events, errors, apply });
  const filmView = { prisma, temporal, temporalUiUrl: config.temporal.uiUrl, namespace: config.temporal.namespace };
  const projects = addFilmRoutes(projectRoutes({ prisma, createProject, maxBodyBytes: config.webhooks.maxBodyBytes, access: projectAccess, metrics }), { token: config.adminToken, ...filmView });
  const operatorConsole = consoleRoutes({ token: config.adminToken, ...filmView });
  app.keys = sessionKeys(config.adminToken); // signs the console's session cookie
  const openApiDocument = buildOpenApiDocument(packageVersion);
  const gatewayInfo = infoRoutes({ health, metrics, openApiDocument });
  // Browsers may call the project and admin API from the configured origins; never the webhooks.
  const apiCors = config.corsOrigins.length
    ? cors({ origin: (ctx) => (config.corsOrigins.includes(ctx.get('origin')) ? ctx.get('origin') : ''), allowHeaders: ['content-type', 'authorization'] })
    : undefined;

  if (activeTracing()) app.use(traceRequests());
  app.use(requestContext(logger, (path) => (path.startsWith('/api/webhooks/') ? webhookLogLevel : undefined)));
  app.use(jsonErrors(logger));
  if (apiCors) app.use(onApiPaths(apiCors));
  // The API's query parameters must be UTF-8 (never on the webhooks: a callback is not refused for a query it does not use).
  app.use(onApiPaths(strictQueryEncoding()));
  app.use(webhooks.routes()).use(webhooks.allowedMethods(methodErrors));
  app.use(projects.routes()).use(projects.allowedMethods(methodErrors));
  app.use(admin.routes()).use(admin.allowedMethods(methodErrors));
  app.use(clientAdmin.routes()).use(clientAdmin.allowedMethods(methodErrors));
  app.use(operatorConsole.routes()).use(operatorConsole.allowedMethods(methodErrors));
  app.use(gatewayInfo.routes()).use(gatewayInfo.allowedMethods(methodErrors));

  const prune = () =>
    errors
      .prune(config.errorRetentionDays)
      .then((count) => count && logger.info({ count, retentionDays: config.errorRetentionDays }, 'Pruned old error log rows'))
      .catch((err) => logger.warn({ err }, 'Could not prune the error log'));
  void prune();
  const pruning = setInterval(() => void prune(), pruneEveryMs).unref(); // prune() catches its own errors

  return {
    app,
    metrics,
    async close() {
      clearInterval(pruning);
      limiter?.close();
      clientLimiter.close();
    },
  };
}
