import { z } from 'zod';
import { mediaEnvSchema } from './media-env';
import { providerEnvSchema } from './provider-env';
import { secretList } from './secret-list';

/** Empty strings in .env files mean "not set", as most twelve-factor tools treat them. */
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().min(1).optional());

const optionalUrl = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://video.example.com' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
);

const optionalPostgresUrl = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgresql:// URL' }).optional(),
);

const optionalRedisUrl = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
);

/** A Sentry DSN: `https://<public key>@<host>/<project id>`, as the project's settings show it. */
const optionalDsn = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .url({ protocol: /^https?$/, error: 'must be a Sentry DSN, e.g. https://<key>@o0.ingest.sentry.io/<project id>', abort: true })
    .refine((dsn) => {
      const url = new URL(dsn);
      return url.username !== '' && /\/\d+$/.test(url.pathname);
    }, 'must be a Sentry DSN: a public key before the host and the project id as the last path segment, e.g. https://<key>@o0.ingest.sentry.io/<project id>')
    .optional(),
);

const port = z.coerce.number({ error: 'must be a port number (0-65535)' }).int().min(0).max(65535);

const positiveInt = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number({ error: 'must be a whole number' }).int().min(1).max(max).default(fallback);

const flag = (fallback: boolean) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : typeof v === 'string' ? v.toLowerCase() : v),
    z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }).optional(),
  ).transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

const commaList = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z.string().transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean)).optional(),
);


/**
 * Every environment variable Reelay reads, in one place. `.env.example` and docker-compose.yml are
 * checked against these names by the test suite.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  NEXT_PUBLIC_APP_URL: optionalUrl,

  DATABASE_URL: optionalPostgresUrl,
  REDIS_URL: optionalRedisUrl,

  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('reelay-projects'),
  TEMPORAL_CLI: optionalString,
  /** The Temporal Web UI's base URL, for the console's links to a film's workflow (npm start sets the dev server's). */
  TEMPORAL_UI_URL: optionalUrl,
  TEMPORAL_TLS: flag(false),
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  TEMPORAL_TLS_CA: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  TEMPORAL_API_KEY: optionalString,

  VIDEO_WEBHOOK_SECRET: secretList,
  LAST_FRAME_WEBHOOK_SECRET: secretList,
  STITCH_WEBHOOK_SECRET: secretList,

  VIDEO_GENERATION_SERVICE: optionalUrl,
  LAST_FRAME_SERVICE_URL: optionalUrl,
  STITCH_SERVICE_URL: optionalUrl,
  NOTIFICATION_SERVICE_URL: optionalUrl,

  VIDEO_GENERATION_API_KEY: optionalString,
  LAST_FRAME_API_KEY: optionalString,
  STITCH_API_KEY: optionalString,
  NOTIFICATION_API_KEY: optionalString,

  /** Bearer token for the admin API and the console; 32 characters at least (e.g. `openssl rand -hex 32`). */
  ADMIN_API_TOKEN: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
  ),

  WEBHOOK_MAX_BODY_BYTES: positiveInt(1024 * 1024, 64 * 1024 * 1024),
  /** How far a signed timestamp may be from now, either way. */
  WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: positiveInt(300),
  /**
   * An opt-in replay check on the body's `timestamp` for the X-Webhook-Signature scheme: `off` (the
   * default), `check` it when present, or `require` it. Off by default because that timestamp says when
   * the event happened, not when it was sent: a provider retrying a callback later re-sends the same
   * signed body, and a replay is harmless anyway (event store and workflow dedupe). Standard Webhooks
   * always checks its signed `webhook-timestamp` header, which the sender signs afresh per attempt.
   */
  WEBHOOK_BODY_TIMESTAMP: z.enum(['check', 'require', 'off']).default('off'),

  RATE_LIMIT_ENABLED: flag(true),
  RATE_LIMIT_WINDOW_MS: positiveInt(60_000),
  RATE_LIMIT_VIDEO_COMPLETE: positiveInt(100),
  RATE_LIMIT_LAST_FRAME_COMPLETE: positiveInt(100),
  RATE_LIMIT_STITCH_COMPLETE: positiveInt(50),
  // Every other route, per client address (IPv6 by its /64) and window: see docs/security.md.
  RATE_LIMIT_PROJECTS: positiveInt(120),
  RATE_LIMIT_ADMIN: positiveInt(600),
  RATE_LIMIT_CONSOLE: positiveInt(300),
  RATE_LIMIT_SIGN_IN: positiveInt(10),
  RATE_LIMIT_HEALTH: positiveInt(120),
  RATE_LIMIT_METRICS: positiveInt(60),
  /** Anything else: /openapi.json, unknown paths. */
  RATE_LIMIT_OTHER: positiveInt(120),
  /** Failed admin-token attempts (sign-in or bearer) an address may make per window before 429. */
  RATE_LIMIT_AUTH_FAILURES: positiveInt(10),
  /** Project API requests a client may make a minute, unless the client has its own limit. */
  CLIENT_REQUESTS_PER_MINUTE: positiveInt(120),
  /** Films (pending, generating or stitching) a client may have at once, unless the client has its own limit. */
  CLIENT_MAX_RUNNING_FILMS: positiveInt(10),
  /** Creates (POST /api/v1/projects) one gateway works on at once; the rest wait their turn, so a burst of creates never starves the webhooks. */
  PROJECT_CREATES_AT_ONCE: positiveInt(8, 1000),
  /** Creates that may wait for a turn on one gateway; past them (or past 10 s of waiting), 503 gateway_busy with Retry-After. */
  PROJECT_CREATE_QUEUE: positiveInt(100, 100_000),
  /** How long a review film waits for a person (and stays open for edits after its stitch), unless its request says. */
  REVIEW_TIMEOUT_HOURS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().positive().max(24 * 365).default(72)),
  /** Each new film's spend limit, in its provider's cost unit, unless its request or its client says; none when empty. */
  SPEND_LIMIT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().min(0).optional()),
  /** Trust X-Forwarded-For for the client IP: only behind a proxy that sets it. */
  TRUST_PROXY: flag(false),
  /** Origins allowed to call the /api/v1 paths from a browser; CORS is off when empty. */
  CORS_ORIGINS: commaList,

  ERROR_RETENTION_DAYS: positiveInt(30),
  /** Also write every log line to this file (`true` means logs/reelay.log). */
  LOG_FILE: optionalString,
  /**
   * The webhook access log, one JSON line per webhook request: a path, `off`, or `on` (logs/webhooks.log
   * in the project root). Default: on under npm start / npm run dev, off for `npm run gateway`.
   */
  WEBHOOK_LOG: optionalString,
  /** Size at which the webhook access log is rotated (10 MiB). */
  WEBHOOK_LOG_MAX_BYTES: positiveInt(10 * 1024 * 1024),
  /** Rotated webhook access log files kept beside the current one (webhooks.log.1 … .N). */
  WEBHOOK_LOG_FILES: positiveInt(5, 1000),
  /** `webhooks:*` turns on debug lines for the webhook path (the `debug` package's syntax). */
  DEBUG: optionalString,
  /** Where the worker serves the Temporal SDK's Prometheus metrics; off when empty. */
  WORKER_METRICS_PORT: z.preprocess((v) => (v === '' ? undefined : v), port.optional()),

  /** A prebuilt workflow bundle for the worker (`npm run build` writes dist/workflow-bundle.js, and -traced.js). */
  WORKFLOW_BUNDLE_PATH: optionalString,
  /** Where the worker answers GET /health (its state and each service's circuit); off when empty. */
  WORKER_HEALTH_PORT: z.preprocess((v) => (v === '' ? undefined : v), port.optional()),
  /**
   * Workflows the worker keeps in memory between tasks. One not cached is replayed from its history at
   * its next task (14 events a scene): a bounded cache trades a little CPU for bounded memory. Measured
   * here: 150, 200, 500 or 1,000 cached among 600-1,000 films gave the same throughput.
   */
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt(250, 100_000),
  /**
   * Threads running workflow code in the worker (the SDK's workflowThreadPoolSize; 1, its default with a
   * reused V8 context). A second lets two films' workflow tasks run at once on a machine with cores to spare.
   */
  WORKER_WORKFLOW_THREADS: positiveInt(1, 16),
  /**
   * Workflow tasks the worker takes at once (the SDK's maxConcurrentWorkflowTaskExecutions, 40 by default).
   * Each one taken waits its turn on a workflow thread: fewer means a film woken for its provider slot waits
   * behind fewer others' tasks, while the rest wait at Temporal (docs/providers.md). At least 2 with a cache.
   */
  WORKER_MAX_WORKFLOW_TASKS: z.coerce.number({ error: 'must be a whole number' }).int().min(2, { error: 'must be at least 2 (the workflow cache needs it)' }).max(1_000).default(40),
  /**
   * Read by the Temporal SDK's workflow thread (patches/@temporalio+worker+*.patch), not by our config:
   * `off` skips the promise hook that records a stack for every promise a workflow creates, for the
   * stack trace query of the Web UI. Measured by the bench's scale run: a quarter of the workflow
   * thread's CPU. The production image sets it off; set `on` to read where a stuck film waits.
   */
  WORKFLOW_STACK_TRACES: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),

  // How patient each project is; fixed for a project when it starts.
  STEP_TIMEOUT_VIDEO_SECONDS: positiveInt(30 * 60),
  STEP_TIMEOUT_LAST_FRAME_SECONDS: positiveInt(5 * 60),
  STEP_TIMEOUT_STITCH_SECONDS: positiveInt(30 * 60),
  STEP_MAX_ATTEMPTS: positiveInt(3, 100),
  STEP_RETRY_BACKOFF_SECONDS: positiveInt(30),
  SERVICE_OUTAGE_TOLERANCE_MINUTES: positiveInt(60),
  FAILED_PROJECT_RETENTION_HOURS: z.coerce.number({ error: 'must be a number of hours' }).min(0).default(72),

  // Circuit breaker per service, in each worker.
  CIRCUIT_ERROR_THRESHOLD_PERCENT: positiveInt(50, 100),
  CIRCUIT_VOLUME_THRESHOLD: positiveInt(5),
  CIRCUIT_RESET_MS: positiveInt(15_000),

  SIMULATOR_PORT: port.default(3100),
  SIMULATOR_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(1500),
  /** How long the providers' stand-ins keep a video link alive (Replicate's expire after an hour): shorter, to watch a film outlive them. */
  STAND_IN_LINK_TTL_SECONDS: positiveInt(3600, 7 * 86_400),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** Where unexpected errors and error-log entries of severity error are reported (Sentry); off when empty. */
  SENTRY_DSN: optionalDsn,
  /** The environment errors are reported under; NODE_ENV when empty. */
  SENTRY_ENVIRONMENT: optionalString,

  ...providerEnvSchema,
  ...mediaEnvSchema,
});

export type Env = z.infer<typeof envSchema>;

/** The variable names, for .env.example and docker-compose consistency checks. */
export const envNames = Object.keys(envSchema.shape) as (keyof Env)[];
