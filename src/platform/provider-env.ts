import { z } from 'zod';
import { defaultProvider, providerNames, type ProviderName } from '../contracts/providers';

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const baseUrl = (fallback: string) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .transform((u) => u.replace(/\/+$/, ''))
      .default(fallback),
  );

const maxRunning = z.coerce.number().int().min(0).max(100_000).default(0);

/**
 * The video providers' variables (docs/providers.md). Keys keep the names the providers' own clients
 * read (REPLICATE_API_TOKEN, FAL_KEY, RUNWAYML_API_SECRET, LUMAAI_API_KEY); each base URL moves an
 * adapter to a regional endpoint, a proxy, or the tests' stand-in.
 */
export const providerEnvSchema = {
  /** The provider a project uses when it names none: `guide` (the services' guide, today's behaviour) by default. */
  VIDEO_PROVIDER: z.enum(providerNames, { error: `must be one of ${providerNames.join(', ')}` }).default(defaultProvider),
  /** The model a project uses when it names none; the adapter's own default when empty. */
  VIDEO_MODEL: optional(z.string().trim().min(1)),
  /** How often a task at a provider without webhooks (Runway) is asked about. */
  PROVIDER_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
  /** Tasks running at once at each provider account (docs/providers.md, "Caps and the queue"); 0 = unlimited. An admin API call overrides it live. */
  PROVIDER_MAX_RUNNING_REPLICATE: maxRunning,
  PROVIDER_MAX_RUNNING_FAL: maxRunning,
  PROVIDER_MAX_RUNNING_RUNWAY: maxRunning,
  PROVIDER_MAX_RUNNING_LUMA: maxRunning,

  REPLICATE_API_TOKEN: optional(z.string().trim().min(1)),
  REPLICATE_BASE_URL: baseUrl('https://api.replicate.com/v1'),
  /** The account's webhook signing secret (`whsec_…`); fetched from GET /v1/webhooks/default/secret when empty. */
  REPLICATE_WEBHOOK_SECRET: optional(z.string().trim().min(1)),

  FAL_KEY: optional(z.string().trim().min(1)),
  FAL_QUEUE_URL: baseUrl('https://queue.fal.run'),
  FAL_JWKS_URL: baseUrl('https://rest.alpha.fal.ai/.well-known/jwks.json'),

  RUNWAYML_API_SECRET: optional(z.string().trim().min(1)),
  RUNWAY_BASE_URL: baseUrl('https://api.dev.runwayml.com'),
  RUNWAY_API_VERSION: z.string().trim().min(1).default('2024-11-06'),

  LUMAAI_API_KEY: optional(z.string().trim().min(1)),
  LUMA_BASE_URL: baseUrl('https://api.lumalabs.ai/dream-machine/v1'),
};

type ProviderEnv = z.infer<z.ZodObject<typeof providerEnvSchema>>;

/** What the adapters are built from. A provider without its key can still be configured; submitting then fails clearly. */
export interface ProviderSettings {
  defaultProvider: ProviderName;
  defaultModel?: string;
  pollIntervalMs: number;
  /** Tasks running at once per provider account, as configured (0 = unlimited); provider_caps overrides it live. */
  maxRunning: Record<Exclude<ProviderName, typeof defaultProvider>, number>;
  replicate: { apiToken?: string; baseUrl: string; webhookSecret?: string };
  fal: { key?: string; queueUrl: string; jwksUrl: string };
  runway: { apiSecret?: string; baseUrl: string; apiVersion: string };
  luma: { apiKey?: string; baseUrl: string };
}

export function providerSettings(env: ProviderEnv): ProviderSettings {
  return {
    defaultProvider: env.VIDEO_PROVIDER,
    defaultModel: env.VIDEO_MODEL,
    pollIntervalMs: env.PROVIDER_POLL_INTERVAL_MS,
    maxRunning: {
      replicate: env.PROVIDER_MAX_RUNNING_REPLICATE,
      fal: env.PROVIDER_MAX_RUNNING_FAL,
      runway: env.PROVIDER_MAX_RUNNING_RUNWAY,
      luma: env.PROVIDER_MAX_RUNNING_LUMA,
    },
    replicate: { apiToken: env.REPLICATE_API_TOKEN, baseUrl: env.REPLICATE_BASE_URL, webhookSecret: env.REPLICATE_WEBHOOK_SECRET },
    fal: { key: env.FAL_KEY, queueUrl: env.FAL_QUEUE_URL, jwksUrl: env.FAL_JWKS_URL },
    runway: { apiSecret: env.RUNWAYML_API_SECRET, baseUrl: env.RUNWAY_BASE_URL, apiVersion: env.RUNWAY_API_VERSION },
    luma: { apiKey: env.LUMAAI_API_KEY, baseUrl: env.LUMA_BASE_URL },
  };
}
