import cors from '@koa/cors';
import Router from '@koa/router';
import type { Client, Connection } from '@temporalio/client';
import Koa from 'koa';
import { mergeSettings, type SettingsOverrides } from '../contracts/workflow-settings';
import type { Config } from '../platform/config';
import type { Logger } from '../platform/logger';
import { packageVersion } from '../platform/project-root';
import { activeTracing } from '../platform/tracing';
import { debugEnabled } from '../platform/debug-setting';
import type { Database } from '../storage/database';
import { createConsoleSessionStore } from '../storage/console-sessions';
import { createErrorLog } from '../storage/error-log';
import { createEventStore } from '../storage/event-store';
import { createApiKeys } from '../storage/api-keys';
import { createClients } from '../storage/clients';
import { createFilmRows } from '../storage/film-rows';
import { createSpendLimits } from '../storage/spend-limits';
import { createLiveCounts } from '../storage/live-counts';
import { clientRoutes } from './admin/client-routes';
import { addFilmRoutes } from './admin/film-routes';
import { adminAccess } from './admin/auth';
import { createAuthThrottle } from './admin/auth-throttle';
import { adminRoutes } from './admin/routes';
import { consoleSessions, sessionKeys } from './admin/session';
import { consoleRoutes } from './console/routes';
import { jsonErrors } from './errors';
import { createHealthProbe, type HealthProbe } from './health';
import { registerLiveGauges } from './live-gauges';
import { createGatewayMetrics, type GatewayMetrics } from './metrics';
import { buildOpenApiDocument } from './openapi';
import { clientRequestQuota, identifyCaller } from './projects/client-auth';
import { createProjectCreator } from './projects/create-project';
import { createAdmission } from './projects/create-admission';
import { createProviders } from '../providers/registry';
import { mediaOfferOf } from './projects/media-choice';
import { createProjectDeleter } from './projects/delete-project';
import { projectRoutes } from './projects/routes';
import { createReadinessCheck, namespaceNotReadyHandler, notReadyRetryAfterSeconds, type ReadinessCheck } from './readiness';
import { createRateLimiter } from './rate-limit';
import { requestContext } from './request-context';
import { assetService } from './assets';
import { pruneIntermediateAssets } from './asset-retention';
import { openAssetStore } from '../media/open-store';
import { createAssetRetentionRecords } from '../storage/asset-retention';
import { limitEveryRoute } from './route-limits';
import { traceRequests } from './request-tracing';
import { strictQueryEncoding } from './validation';
import { providerWebhookRoutes } from './webhooks/provider-webhooks';
import { providerCapRoutes } from './admin/provider-cap-routes';
import { createProviderLeases } from '../storage/provider-leases';
import { wakeGrantedFilms } from '../platform/wake-granted';
import { createWebhookApplier, webhookRoutes } from './webhooks/receive';
import { unverifiedFailureLog } from './webhooks/unverified-failures';

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

/** A middleware applied to the project and admin API (`/api/v1/*`) only, never to the webhooks. */
const onApiPaths =
  (middleware: Koa.Middleware): Koa.Middleware =>
  async (ctx, next) => {
    if (ctx.path.startsWith('/api/v1/')) await middleware(ctx, next);
    else await next();
  };

/**
 * GET /health, /live, /ready, /metrics and /openapi.json, on a router like every other path, so another method on them
 * is a 405 with Allow (from allowedMethods), not a 404.
 */
function infoRoutes({ health, readiness, metrics, openApiDocument }: { health: HealthProbe; readiness: ReadinessCheck; metrics: GatewayMetrics; openApiDocument: unknown }): Router {
  const router = new Router();
  // Liveness: the process answers. Nothing outside it is asked, so a dependency's outage never gets a
  // healthy gateway restarted.
  router.get('/live', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  // Readiness: this replica can make a film now; a load balancer routes to it only then.
  router.get('/ready', async (ctx) => {
    const status = await readiness.check();
    ctx.status = status.ready ? 200 : 503;
    if (!status.ready) ctx.set('Retry-After', String(notReadyRetryAfterSeconds));
    ctx.body = status;
  });
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

/** HSTS on every answer served over https (directly, or behind a trusted proxy that says so). */
const strictTransportSecurity: Koa.Middleware = async function strictTransportSecurity(ctx, next) {
  if (ctx.secure) ctx.set('strict-transport-security', 'max-age=31536000');
  await next();
};

/** The HTTP edge: the project API, the three webhook receivers, the admin API and the console, as one Koa app. */
export function createGateway(deps: GatewayDeps): Gateway {
  const { config, database, temporal, connection, logger, workflowSettings } = deps;
  const { prisma } = database;
  // loadConfig refuses a gateway without one; this keeps a hand-made Config from opening the admin API.
  const { adminToken } = config;
  if (!adminToken) throw new Error('The gateway needs ADMIN_API_TOKEN');
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: config.trustProxy ? 1 : 0 });
  app.silent = true; // errors are logged once, by jsonErrors

  const metrics = createGatewayMetrics();
  // A slot freed here (a provider's webhook) is granted and its new holder woken here (docs/providers.md),
  // on connections of its own: on the shared pool the grant queued behind the films being created.
  const leasesOn = (pool: typeof database.pool) =>
    createProviderLeases(pool, (provider) => config.providers.maxRunning[provider as keyof typeof config.providers.maxRunning] ?? 0, wakeGrantedFilms(() => temporal, logger));
  const leases = leasesOn(database.pool);
  registerLiveGauges(metrics.registry, createLiveCounts(database.pool), mergeSettings(config.workflow, workflowSettings).stepTimeoutMs, logger, leases);
  const health = createHealthProbe(connection, prisma);
  const readiness = createReadinessCheck(health, connection, config.temporal.namespace);
  const errors = createErrorLog(prisma);
  const events = createEventStore(database);
  const apply = createWebhookApplier(temporal, prisma, events, logger);
  const providers = { settings: config.providers, adapters: createProviders(config.providers) };
  const createProject = createProjectCreator({
    films: createFilmRows(database.pool),
    temporal,
    taskQueue: config.temporal.taskQueue,
    workflowSettings: mergeSettings(config.workflow, workflowSettings),
    applyEarlyEvents: apply.applyPending,
    namespaceNotReady: namespaceNotReadyHandler({ readiness, namespace: config.temporal.namespace, addGlobalError: (error) => errors.addGlobalError(error), logger }),
    reviewDefaults: config.review,
  });
  const limiter = config.rateLimit.enabled
    ? createRateLimiter({ windowMs: config.rateLimit.windowMs, redisUrl: config.redisUrl, keyPrefix: deps.rateLimitKeyPrefix, logger, metrics })
    : undefined;

  // Client quotas have their own limiter: they hold whether or not the per-IP webhook limits are on.
  const clientLimiter = createRateLimiter({ windowMs: 60_000, redisUrl: config.redisUrl, keyPrefix: `${deps.rateLimitKeyPrefix ?? 'reelay:rl'}:quota`, logger, metrics });
  const webhookLogLevel = logger.level !== 'silent' && debugEnabled(config.debug, 'webhooks:pipeline') ? 'debug' : undefined;

  const sessionStore = createConsoleSessionStore(prisma);
  const throttle = createAuthThrottle({ limiter, limit: config.rateLimit.authFailures, metrics, logger });
  const access = adminAccess(adminToken, consoleSessions(sessionStore), throttle);
  const apiKeys = createApiKeys(prisma);
  const projectAccess = [identifyCaller(access, apiKeys, config.clientQuotas), clientRequestQuota(clientLimiter, metrics)];
  const clientAdmin = clientRoutes({ access, clients: createClients(prisma), apiKeys, defaults: config.clientQuotas, spendLimits: createSpendLimits(prisma), gatewayDefault: config.review.spendLimit });

  const unverified = unverifiedFailureLog(errors, logger);
  const webhooks = webhookRoutes({ config, events, errors, apply, health, metrics, limiter, unverified });
  const providerWebhooks = providerWebhookRoutes({ config, events, errors, apply, health, metrics, limiter, unverified, adapters: providers.adapters, leases: leasesOn(database.handOver) });
  const providerCaps = providerCapRoutes({ access, leases, configured: config.providers.maxRunning });
  const admin = adminRoutes({ access, events, errors, apply });
  const queueOf = (filmId: string) => leases.queueOf(filmId);
  const filmView = { prisma, temporal, temporalUiUrl: config.temporal.uiUrl, namespace: config.temporal.namespace, queueOf };
  const store = openAssetStore(config.media.store);
  const deleteProject = createProjectDeleter({ prisma, temporal, store, leases });
  const projects = addFilmRoutes(
    projectRoutes({ prisma, createProject, admission: createAdmission(config.projectCreates), deleteProject, maxBodyBytes: config.webhooks.maxBodyBytes, access: projectAccess, metrics, providers,
      mediaOffer: () => mediaOfferOf(config), queueOf, temporal }),
    { access, ...filmView },
  );
  const operatorConsole = consoleRoutes({ access, ...filmView });
  app.keys = sessionKeys(adminToken); // signs the console's session cookie
  const openApiDocument = buildOpenApiDocument(packageVersion);
  const gatewayInfo = infoRoutes({ health, readiness, metrics, openApiDocument });
  // Browsers may call the project and admin API from the configured origins; never the webhooks.
  const apiCors = config.corsOrigins.length
    ? cors({ origin: (ctx) => (config.corsOrigins.includes(ctx.get('origin')) ? ctx.get('origin') : ''), allowHeaders: ['content-type', 'authorization'] })
    : undefined;

  if (activeTracing()) app.use(traceRequests());
  app.use(requestContext(logger, (path) => (path.startsWith('/api/webhooks/') ? webhookLogLevel : undefined)));
  app.use(jsonErrors(logger));
  app.use(strictTransportSecurity);
  if (limiter) app.use(limitEveryRoute(config.rateLimit.perRoute, limiter, metrics));
  if (apiCors) app.use(onApiPaths(apiCors));
  // The API's query parameters must be UTF-8 (never on the webhooks: a callback is not refused for a query it does not use).
  app.use(onApiPaths(strictQueryEncoding()));
  const assets = assetService(config, store);
  app.use(assets.signAnswers);
  app.use(webhooks.routes()).use(webhooks.allowedMethods(methodErrors));
  app.use(providerWebhooks.routes()).use(providerWebhooks.allowedMethods(methodErrors));
  app.use(projects.routes()).use(projects.allowedMethods(methodErrors));
  app.use(admin.routes()).use(admin.allowedMethods(methodErrors));
  app.use(clientAdmin.routes()).use(clientAdmin.allowedMethods(methodErrors));
  app.use(providerCaps.routes()).use(providerCaps.allowedMethods(methodErrors));
  app.use(operatorConsole.routes()).use(operatorConsole.allowedMethods(methodErrors));
  app.use(gatewayInfo.routes()).use(gatewayInfo.allowedMethods(methodErrors));
  app.use(assets.routes.routes()).use(assets.routes.allowedMethods(methodErrors));

  const prune = () =>
    Promise.all([
      errors
        .prune(config.errorRetentionDays)
        .then((count) => count && logger.info({ count, retentionDays: config.errorRetentionDays }, 'Pruned old error log rows'))
        .catch((err) => logger.warn({ err }, 'Could not prune the error log')),
      sessionStore.prune().catch((err) => logger.warn({ err }, 'Could not prune expired console sessions')),
      store &&
        pruneIntermediateAssets(createAssetRetentionRecords(prisma), store, config.media.intermediateRetentionDays)
          .then((films) => films && logger.info({ films, retentionDays: config.media.intermediateRetentionDays }, "Removed finished films' intermediate assets"))
          .catch((err) => logger.warn({ err }, "Could not remove finished films' intermediate assets")),
    ]);
  void prune();
  const pruning = setInterval(() => void prune(), pruneEveryMs).unref(); // prune() catches its own errors

  return {
    app,
    metrics,
    async close() {
      clearInterval(pruning);
      limiter?.close();
      await unverified.close();
      clientLimiter.close();
    },
  };
}
