import path from 'node:path';
import { serviceNames, type ServiceName } from '../contracts/services';
import type { WebhookEndpointName } from '../contracts/steps';
import type { WorkflowSettings } from '../contracts/workflow-settings';
import type { Env } from './env-schema';
import type { CircuitOptions } from './circuit-options';
import { projectRoot } from './project-root';
import type { MediaSettings } from './media-env';
import type { ProviderSettings } from './provider-env';

// The settings a process runs with, and what is derived from them. Reading them from the environment
// (parsing, requirements per role, files named by variables) is load-config.ts.

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
  /** The active secrets per endpoint; empty for a worker, which verifies no webhook. */
  webhookSecrets: Record<WebhookEndpointName, string[]>;
  /** Secrets the whole stack (npm start) made up because none was configured: variable → value. */
  generated: Record<string, string>;
  /** Bearer token of the admin API and the console; always set for a gateway, unset for a worker that was not given it. */
  adminToken?: string;
  webhooks: {
    maxBodyBytes: number;
    timestampToleranceSeconds: number;
    bodyTimestamp: Env['WEBHOOK_BODY_TIMESTAMP'];
  };
  rateLimit: {
    enabled: boolean;
    windowMs: number;
    perEndpoint: Record<WebhookEndpointName, number>;
    /** Requests per window and client address on every other group of routes (rate-limit.ts: routeGroupOf). */
    perRoute: Record<RouteGroup, number>;
    /** Wrong admin tokens per window and address before it is refused with 429. */
    authFailures: number;
  };
  /** Each client's quotas unless its own row says otherwise (`npm run clients -- limits`). */
  clientQuotas: { requestsPerMinute: number; maxRunningFilms: number };
  /** POST /api/v1/projects admitted on this gateway at once, and waiting (http/projects/create-admission.ts). */
  projectCreates: { atOnce: number; queue: number };
  /** Review films' defaults (docs/review.md): REVIEW_TIMEOUT_HOURS, and SPEND_LIMIT (null: no limit). */
  review: { timeoutHours: number; spendLimit: number | null };
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
  /** Threads running workflow code in the worker (WORKER_WORKFLOW_THREADS). */
  workerWorkflowThreads: number;
  /** Workflow tasks the worker takes at once (WORKER_MAX_WORKFLOW_TASKS). */
  workerMaxWorkflowTasks: number;
  /** Settings every new project's workflow starts with. */
  workflow: WorkflowSettings;
  circuit: CircuitOptions;
  services: Partial<Record<ServiceName, ServiceEndpoint>>;
  /** The video providers' adapters' settings (docs/providers.md). */
  providers: ProviderSettings;
  /** The built-in media steps and the asset store (docs/media.md). */
  media: MediaSettings;
  simulator: { port: number; delayMs: number; standInLinkTtlMs: number };
  logLevel: Env['LOG_LEVEL'];
  /** Sentry (SENTRY_DSN): undefined when off. */
  errorMonitoring?: { dsn: string; environment: string };
}

/** The groups of routes that share a rate limit (besides each webhook endpoint's own). */
export type RouteGroup = 'projects' | 'admin' | 'console' | 'sign_in' | 'health' | 'metrics' | 'other';

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

/**
 * What the process about to start needs configured rather than embedded or simulated:
 * - `stack` (npm start) embeds Temporal and PostgreSQL and simulates services that are not set;
 * - `worker` and `gateway` run alone against real infrastructure;
 * - `setup` (npm run temporal:setup) only talks to a Temporal cluster, to set its namespace up.
 */
export type Role = 'stack' | 'worker' | 'gateway' | 'setup';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const requiredServices: { name: ServiceName; urlVar: keyof Env; keyVar: keyof Env }[] = [
  { name: 'video', urlVar: 'VIDEO_GENERATION_SERVICE', keyVar: 'VIDEO_GENERATION_API_KEY' },
  { name: 'lastFrame', urlVar: 'LAST_FRAME_SERVICE_URL', keyVar: 'LAST_FRAME_API_KEY' },
  { name: 'stitch', urlVar: 'STITCH_SERVICE_URL', keyVar: 'STITCH_API_KEY' },
];
export const notificationService = {
  name: 'notification',
  urlVar: 'NOTIFICATION_SERVICE_URL',
  keyVar: 'NOTIFICATION_API_KEY',
} as const;

/** The variable that holds each service's URL. */
export const serviceUrlVariable = Object.fromEntries([...requiredServices, notificationService].map((s) => [s.name, s.urlVar])) as Record<ServiceName, keyof Env>;

/** Where services send webhooks: NEXT_PUBLIC_APP_URL, or this machine's gateway port in development. */
export function callbackBaseUrl(config: Config): string {
  return config.publicUrl ?? `http://localhost:${config.port}`;
}

/** Services the stack must simulate because no URL was configured for them. */
export function unconfiguredServices(config: Config): ServiceName[] {
  return serviceNames.filter((s) => !config.services[s]);
}
