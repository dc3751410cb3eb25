import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { webhookEndpoints, webhookSecretEnv, type WebhookEndpointName } from '../contracts/steps';
import { resolveSettings } from '../contracts/workflow-settings';
import { envSchema, type Env } from './env-schema';
import { defaultCircuitOptions } from './circuit-options';
import { mediaSettings, type AssetStoreKind } from './media-env';
import { providerSettings } from './provider-env';
import {
  ConfigError,
  defaultWebhookLogFile,
  notificationService,
  requiredServices,
  type Config,
  type Role,
  type TemporalTls,
} from './config';

// Reading the environment into a Config: parsing, what each role cannot do without, and the files
// variables name. What the settings are and what follows from them is config.ts.

const defaultLogFile = 'logs/reelay.log';

const switchedOn = (value: string) => ['true', '1', 'yes', 'on'].includes(value.toLowerCase());
const switchedOff = (value: string) => ['false', '0', 'no', 'off'].includes(value.toLowerCase());

/** WEBHOOK_LOG: a path, on or off; unset means on for the whole stack (npm start, npm run dev) only. */
function webhookLogFile(setting: string | undefined, role: Role): string | undefined {
  if (setting === undefined) return role === 'stack' ? defaultWebhookLogFile : undefined;
  if (switchedOff(setting)) return undefined;
  return switchedOn(setting) ? defaultWebhookLogFile : path.resolve(setting);
}

/** Variables a role cannot do without, judged on what is set at all (format is checked separately). */
function missingRequirements(source: NodeJS.ProcessEnv, role: Role): string[] {
  const set = (name: string) => Boolean(source[name]?.trim());
  if (role === 'setup') return set('TEMPORAL_ADDRESS') ? [] : ['TEMPORAL_ADDRESS: required to set up the namespace (the cluster to register the search attributes in)'];
  const production = source.NODE_ENV === 'production';
  const problems: string[] = [];
  if (role !== 'stack') {
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS']) if (!set(name)) problems.push(`${name}: required by the ${role}`);
  }
  // A gateway replica that made its own secrets up would refuse what its siblings accept: only the whole
  // stack on one machine (npm start, npm run dev) may, and only outside production.
  const secretsRequired = role === 'gateway' ? `required by the gateway` : production && role === 'stack' ? 'required in production' : undefined;
  if (secretsRequired) {
    for (const endpoint of webhookEndpoints) {
      const name = webhookSecretEnv[endpoint];
      if (!set(name)) problems.push(`${name}: ${secretsRequired} (the ${endpoint} webhook cannot be verified)`);
    }
    if (!set('ADMIN_API_TOKEN')) problems.push(`ADMIN_API_TOKEN: ${secretsRequired} (it guards the admin API, the console, the event store and error log)`);
  }
  // The worker signs the asset links it hands out and every gateway checks them: one secret for all.
  const withStore = ['local', 's3'].includes(source.ASSET_STORE?.trim() ?? '');
  if (withStore && !set('ASSET_LINK_SECRET') && (role === 'gateway' || role === 'worker' || (production && role === 'stack'))) {
    problems.push(`ASSET_LINK_SECRET: required with ASSET_STORE=${source.ASSET_STORE!.trim()} (it signs the links to the films' media)`);
  }
  if (role === 'worker') {
    for (const { urlVar } of requiredServices) if (!set(urlVar)) problems.push(`${urlVar}: required by the worker`);
  }
  if (production && role !== 'gateway' && !set('NEXT_PUBLIC_APP_URL')) {
    problems.push('NEXT_PUBLIC_APP_URL: required in production (services need a public URL to call back)');
  }
  return problems;
}

/** A URL to this machine itself: its traffic never leaves it (a sidecar, the bench's simulator). */
const loopback = (url: string) => {
  try {
    return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url.trim()).hostname.toLowerCase());
  } catch {
    return false;
  }
};

/**
 * In production a service is called over https only: over plain http its API key travels in clear and
 * anyone on the way can answer for it (a redirect into the network, a failure text of their choosing).
 * A loopback address has no one on the way.
 */
function plainHttpServices(source: NodeJS.ProcessEnv): string[] {
  if (source.NODE_ENV !== 'production') return [];
  return [...requiredServices, notificationService]
    .filter(({ urlVar }) => /^\s*http:/i.test(source[urlVar] ?? '') && !loopback(source[urlVar]!))
    .map(({ urlVar }) => `${urlVar}: must be an https:// URL in production (over plain http the API key travels in clear and an answer can be forged on the way)`);
}

/** What a command defaults to where the variables leave it open (npm start keeps its media in a folder). */
export interface CommandDefaults {
  assetStore?: AssetStoreKind;
}

/** Reads and checks the environment; throws one ConfigError listing every problem found. */
export function loadConfig(source: NodeJS.ProcessEnv, role: Role, defaults: CommandDefaults = {}): Config {
  const parsed = envSchema.safeParse(source);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`)),
    ...missingRequirements(source, role),
    ...plainHttpServices(source),
  ];
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const env = parsed.data;
  const logFile = env.LOG_FILE && switchedOn(env.LOG_FILE) ? defaultLogFile : env.LOG_FILE;
  const webhookLog = { file: webhookLogFile(env.WEBHOOK_LOG, role), maxBytes: env.WEBHOOK_LOG_MAX_BYTES, files: env.WEBHOOK_LOG_FILES };
  if (logFile && webhookLog.file === path.resolve(logFile)) {
    throw new ConfigError([`LOG_FILE: ${logFile} is the webhook access log (WEBHOOK_LOG), which holds one line per webhook only; choose another file`]);
  }

  // Only the whole stack runs without configured secrets: it makes strong ones up (announced at start-up).
  // The gateway refused to start without them above; the worker reads none of them, so it has none.
  const generated: Record<string, string> = {};
  const orGenerated = (name: string, configured: string | undefined) => {
    if (configured || role !== 'stack') return configured;
    generated[name] = randomBytes(32).toString('hex');
    return generated[name];
  };
  const webhookSecrets = {} as Record<WebhookEndpointName, string[]>;
  for (const endpoint of webhookEndpoints) {
    const name = webhookSecretEnv[endpoint];
    const secret = env[name] ?? orGenerated(name, undefined);
    webhookSecrets[endpoint] = Array.isArray(secret) ? secret : secret ? [secret] : [];
  }

  const services: Config['services'] = {};
  for (const { name, urlVar, keyVar } of [...requiredServices, notificationService]) {
    const url = env[urlVar] as string | undefined;
    if (url) services[name] = { url, apiKey: env[keyVar] as string | undefined };
  }

  return {
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    publicUrl: env.NEXT_PUBLIC_APP_URL,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      cliPath: env.TEMPORAL_CLI,
      tls: temporalTls(env),
      apiKey: env.TEMPORAL_API_KEY,
      uiUrl: env.TEMPORAL_UI_URL,
    },
    webhookSecrets,
    generated,
    adminToken: orGenerated('ADMIN_API_TOKEN', env.ADMIN_API_TOKEN),
    webhooks: {
      maxBodyBytes: env.WEBHOOK_MAX_BODY_BYTES,
      timestampToleranceSeconds: env.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS,
      bodyTimestamp: env.WEBHOOK_BODY_TIMESTAMP,
    },
    rateLimit: {
      enabled: env.RATE_LIMIT_ENABLED,
      windowMs: env.RATE_LIMIT_WINDOW_MS,
      perEndpoint: {
        'video-complete': env.RATE_LIMIT_VIDEO_COMPLETE,
        'last-frame-complete': env.RATE_LIMIT_LAST_FRAME_COMPLETE,
        'stitch-complete': env.RATE_LIMIT_STITCH_COMPLETE,
      },
      perRoute: {
        projects: env.RATE_LIMIT_PROJECTS,
        admin: env.RATE_LIMIT_ADMIN,
        console: env.RATE_LIMIT_CONSOLE,
        sign_in: env.RATE_LIMIT_SIGN_IN,
        health: env.RATE_LIMIT_HEALTH,
        metrics: env.RATE_LIMIT_METRICS,
        other: env.RATE_LIMIT_OTHER,
      },
      authFailures: env.RATE_LIMIT_AUTH_FAILURES,
    },
    clientQuotas: { requestsPerMinute: env.CLIENT_REQUESTS_PER_MINUTE, maxRunningFilms: env.CLIENT_MAX_RUNNING_FILMS },
    projectCreates: { atOnce: env.PROJECT_CREATES_AT_ONCE, queue: env.PROJECT_CREATE_QUEUE },
    review: { timeoutHours: env.REVIEW_TIMEOUT_HOURS, spendLimit: env.SPEND_LIMIT ?? null },
    trustProxy: env.TRUST_PROXY,
    corsOrigins: env.CORS_ORIGINS ?? [],
    errorRetentionDays: env.ERROR_RETENTION_DAYS,
    logFile,
    webhookLog,
    debug: env.DEBUG,
    workerMetricsPort: env.WORKER_METRICS_PORT,
    workerHealthPort: env.WORKER_HEALTH_PORT,
    workflowBundlePath: env.WORKFLOW_BUNDLE_PATH,
    workerMaxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
    workerWorkflowThreads: env.WORKER_WORKFLOW_THREADS,
    workerMaxWorkflowTasks: env.WORKER_MAX_WORKFLOW_TASKS,
    workflow: resolveSettings({
      stepTimeoutMs: {
        video: env.STEP_TIMEOUT_VIDEO_SECONDS * 1000,
        lastFrame: env.STEP_TIMEOUT_LAST_FRAME_SECONDS * 1000,
        stitch: env.STEP_TIMEOUT_STITCH_SECONDS * 1000,
      },
      stepMaxAttempts: env.STEP_MAX_ATTEMPTS,
      stepRetryBackoffMs: env.STEP_RETRY_BACKOFF_SECONDS * 1000,
      serviceOutageToleranceMs: env.SERVICE_OUTAGE_TOLERANCE_MINUTES * 60_000,
      failedProjectRetentionMs: env.FAILED_PROJECT_RETENTION_HOURS * 3_600_000,
    }),
    circuit: {
      ...defaultCircuitOptions,
      errorThresholdPercentage: env.CIRCUIT_ERROR_THRESHOLD_PERCENT,
      volumeThreshold: env.CIRCUIT_VOLUME_THRESHOLD,
      resetTimeoutMs: env.CIRCUIT_RESET_MS,
    },
    services,
    providers: providerSettings(env),
    media: mediaSettings(env, defaults.assetStore, () => orGenerated('ASSET_LINK_SECRET', undefined)),
    simulator: { port: env.SIMULATOR_PORT, delayMs: env.SIMULATOR_DELAY_MS, standInLinkTtlMs: env.STAND_IN_LINK_TTL_SECONDS * 1000 },
    logLevel: env.LOG_LEVEL,
    errorMonitoring: env.SENTRY_DSN ? { dsn: env.SENTRY_DSN, environment: env.SENTRY_ENVIRONMENT ?? env.NODE_ENV } : undefined,
  };
}

/**
 * TEMPORAL_TLS_*: each a PEM file or the PEM itself. Any of them, an API key (Temporal Cloud takes it
 * over TLS only) or TEMPORAL_TLS=true turns TLS on.
 */
function temporalTls(env: Env): TemporalTls | undefined {
  const problems: string[] = [];
  const pem = (name: 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA') => {
    const value = env[name];
    if (!value) return undefined;
    if (value.startsWith('-----BEGIN')) return value;
    try {
      return readFileSync(value, 'utf8');
    } catch (err) {
      problems.push(`${name}: cannot read ${value} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return undefined;
    }
  };
  const tls = { clientCert: pem('TEMPORAL_TLS_CERT'), clientKey: pem('TEMPORAL_TLS_KEY'), ca: pem('TEMPORAL_TLS_CA'), serverName: env.TEMPORAL_TLS_SERVER_NAME };
  if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) problems.push('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: set both (mTLS) or neither');
  if (problems.length) throw new ConfigError(problems);
  const on = env.TEMPORAL_TLS || env.TEMPORAL_API_KEY || Object.values(tls).some(Boolean);
  return on ? Object.fromEntries(Object.entries(tls).filter(([, v]) => v)) : undefined;
}
