import { z } from 'zod';

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

/** Comma-separated so a secret can be rotated: the new one is added, senders move over, the old one goes. */
const port = z.coerce.number({ error: 'must be a port number (0-65535)' }).int().min(0).max(65535);

const secretList = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.string().min(16, 'each secret must be at least 16 characters')).min(1))
    .optional(),
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

  SIMULATOR_PORT: port.default(3100),
  SIMULATOR_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(1500),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

/** The variable names, for .env.example and docker-compose consistency checks. */
export const envNames = Object.keys(envSchema.shape) as (keyof Env)[];
