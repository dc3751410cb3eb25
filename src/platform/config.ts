import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { serviceNames, type ServiceName } from '../contracts/services';
import { webhookEndpoints, webhookSecretEnv, type WebhookEndpointName } from '../contracts/steps';
import { resolveSettings, type WorkflowSettings } from '../contracts/workflow-settings';
import { envSchema, type Env } from './env-schema';
import { defaultCircuitOptions, type CircuitOptions } from './circuit-options';
import { projectRoot } from './project-root';

export interface ServiceEndpoint {
  url: string;
  apiKey?: string;
}

export type { ServiceName };
export type { CircuitOptions };

export interface Config {
  nodeEnv: Env['NODE_ENV'];
  port: number;
  /** Base URL the external services call back on (NEXT_PUBLIC_APP_URL); see callbackBaseUrl. */
  publicUrl?: string;
  databaseUrl?: string;
  redisUrl?: string;
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    cliPath?: string;
    /** TLS to the frontend (a secured cluster, Temporal Cloud); undefined for plain gRPC. */
    tls?: TemporalTls;
    apiKey?: string;
    /** The Web UI's base URL, for links to a workflow; unset when there is none to link to. */
    uiUrl?: string;
  };
  webhookSecrets: Record<WebhookEndpointName, string[]>;
  /** Secrets made up at start-up because none was configured (development only): variable → value. */
  generated: Record<string, string>;
  /** Bearer token of the admin API. */
  adminToken: string;
  webhooks: {
    maxBodyBytes: number;
    timestampToleranceSeconds: number;
    bodyTimestamp: Env['WEBHOOK_BODY_TIMESTAMP'];
  };
  rateLimit: { enabled: boolean; windowMs: number; perEndpoint: Record<WebhookEndpointName, number> };
  trustProxy: boolean;
  corsOrigins: string[];
  errorRetentionDays: number;
  /** Also write every log line here (LOG_FILE). */
  logFile?: string;
  /** The webhook access log (WEBHOOK_LOG): one JSON line per webhook request; no file when off. */
  webhookLog: WebhookLogSettings;
  /** The DEBUG variable, for `webhooks:*` debug lines. */
  debug?: string;
  workerMetricsPort?: number;
  workerHealthPort?: number;
  workflowBundlePath?: string;
  /** Workflows the worker keeps in memory between their tasks (WORKER_MAX_CACHED_WORKFLOWS). */
  workerMaxCachedWorkflows: number;
  /** Settings every new project's workflow starts with. */
  workflow: WorkflowSettings;
  circuit: CircuitOptions;
  services: Partial<Record<ServiceName, ServiceEndpoint>>;
  simulator: { port: number; delayMs: number };
  logLevel: Env['LOG_LEVEL'];
  /** Sentry (SENTRY_DSN): undefined when off. */
  errorMonitoring?: { dsn: string; environment: string };
}

/** PEM contents, read at start-up. */
export interface TemporalTls {
  clientCert?: string;
  clientKey?: string;
  ca?: string;
  serverName?: string;
}

export interface WebhookLogSettings {
  /** Absolute path of the current file; undefined when the access log is off. */
  file?: string;
  /** Rotate when the current file reaches this size. */
  maxBytes: number;
  /** Rotated files kept beside the current one. */
  files: number;
}

/** In the repository (or the image's /app), whatever the working directory. */
export const defaultWebhookLogFile = path.join(projectRoot, 'logs', 'webhooks.log');
const defaultLogFile = 'logs/reelay.log';

const switchedOn = (value: string) => ['true', '1', 'yes', 'on'].includes(value.toLowerCase());
const switchedOff = (value: string) => ['false', '0', 'no', 'off'].includes(value.toLowerCase());

/** WEBHOOK_LOG: a path, on or off; unset means on for the whole stack (npm start, npm run dev) only. */
function webhookLogFile(setting: string | undefined, role: Role): string | undefined {
  if (setting === undefined) return role === 'stack' ? defaultWebhookLogFile : undefined;
  if (switchedOff(setting)) return undefined;
  return switchedOn(setting) ? defaultWebhookLogFile : path.resolve(setting);
}

/**
 * What the process about to start needs configured rather than embedded or simulated:
 * - `stack` (npm start) embeds Temporal and PostgreSQL and simulates services that are not set;
 * - `worker` and `gateway` run alone against real infrastructure.
 */
export type Role = 'stack' | 'worker' | 'gateway';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const requiredServices: { name: ServiceName; urlVar: keyof Env; keyVar: keyof Env }[] = [
  { name: 'video', urlVar: 'VIDEO_GENERATION_SERVICE', keyVar: 'VIDEO_GENERATION_API_KEY' },
  { name: 'lastFrame', urlVar: 'LAST_FRAME_SERVICE_URL', keyVar: 'LAST_FRAME_API_KEY' },
  { name: 'stitch', urlVar: 'STITCH_SERVICE_URL', keyVar: 'STITCH_API_KEY' },
];
const notificationService = {
  name: 'notification',
  urlVar: 'NOTIFICATION_SERVICE_URL',
  keyVar: 'NOTIFICATION_API_KEY',
} as const;

/** The variable that holds each service's URL. */
export const serviceUrlVariable = Object.fromEntries([...requiredServices, notificationService].map((s) => [s.name, s.urlVar])) as Record<ServiceName, keyof Env>;

/** Variables a role cannot do without, judged on what is set at all (format is checked separately). */
function missingRequirements(source: NodeJS.ProcessEnv, role: Role): string[] {
  const set = (name: string) => Boolean(source[name]?.trim());
  const production = source.NODE_ENV === 'production';
  const problems: string[] = [];
  if (role !== 'stack') {
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS']) if (!set(name)) problems.push(`${name}: required by the ${role}`);
  }
  if (production && role !== 'worker') {
    for (const endpoint of webhookEndpoints) {
      const name = webhookSecretEnv[endpoint];
      if (!set(name)) problems.push(`${name}: required in production (the ${endpoint} webhook cannot be verified)`);
    }
    if (!set('ADMIN_API_TOKEN')) problems.push('ADMIN_API_TOKEN: required in production (it guards the event store, replay and error log)');
  }
  if (role === 'worker') {
    for (const { urlVar } of requiredServices) if (!set(urlVar)) problems.push(`${urlVar}: required by the worker`);
  }
  if (production && role !== 'gateway' && !set('NEXT_PUBLIC_APP_URL')) {
    problems.push('NEXT_PUBLIC_APP_URL: required in production (services need a public URL to call back)');
  }
  return problems;
}

/** Reads and checks the environment; throws one ConfigError listing every problem found. */
export function loadConfig(source: NodeJS.ProcessEnv, role: Role): Config {
  const parsed = envSchema.safeParse(source);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`)),
    ...missingRequirements(source, role),
  ];
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const env = parsed.data;
  const logFile = env.LOG_FILE && switchedOn(env.LOG_FILE) ? defaultLogFile : env.LOG_FILE;
  const webhookLog = { file: webhookLogFile(env.WEBHOOK_LOG, role), maxBytes: env.WEBHOOK_LOG_MAX_BYTES, files: env.WEBHOOK_LOG_FILES };
  if (logFile && webhookLog.file === path.resolve(logFile)) {
    throw new ConfigError([`LOG_FILE: ${logFile} is the webhook access log (WEBHOOK_LOG), which holds one line per webhook only; choose another file`]);
  }

  // Development runs without configured secrets: make strong ones up (announced at start-up).
  const generated: Record<string, string> = {};
  const orGenerated = (name: string, configured: string | undefined) => {
    if (configured) return configured;
    generated[name] = randomBytes(32).toString('hex');
    return generated[name];
  };
  const webhookSecrets = {} as Record<WebhookEndpointName, string[]>;
  for (const endpoint of webhookEndpoints) {
    const name = webhookSecretEnv[endpoint];
    webhookSecrets[endpoint] = env[name] ?? [orGenerated(name, undefined)];
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
    },
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
    simulator: { port: env.SIMULATOR_PORT, delayMs: env.SIMULATOR_DELAY_MS },
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

/** Where services send webhooks: NEXT_PUBLIC_APP_URL, or this machine's gateway port in development. */
export function callbackBaseUrl(config: Config): string {
  return config.publicUrl ?? `http://localhost:${config.port}`;
}

/** Services the stack must simulate because no URL was configured for them. */
export function unconfiguredServices(config: Config): ServiceName[] {
  return serviceNames.filter((s) => !config.services[s]);
}
