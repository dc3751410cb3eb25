import type { ProviderName } from '../../contracts/providers';
import type { Config } from '../../platform/config';
import type { ProviderSettings } from '../../platform/provider-env';
import { standIns, type ProviderStandIn } from './index';

/** Where each variable a stand-in hands out lands in the providers' settings. */
const settingOf: Record<string, (s: ProviderSettings, value: string) => void> = {
  REPLICATE_API_TOKEN: (s, v) => (s.replicate.apiToken = v),
  REPLICATE_BASE_URL: (s, v) => (s.replicate.baseUrl = v),
  REPLICATE_WEBHOOK_SECRET: (s, v) => (s.replicate.webhookSecret = v),
  FAL_KEY: (s, v) => (s.fal.key = v),
  FAL_QUEUE_URL: (s, v) => (s.fal.queueUrl = v),
  FAL_JWKS_URL: (s, v) => (s.fal.jwksUrl = v),
  RUNWAYML_API_SECRET: (s, v) => (s.runway.apiSecret = v),
  RUNWAY_BASE_URL: (s, v) => (s.runway.baseUrl = v),
  LUMAAI_API_KEY: (s, v) => (s.luma.apiKey = v),
  LUMA_BASE_URL: (s, v) => (s.luma.baseUrl = v),
};

/** Whether the provider has a key of its own: then it is the real one, and no stand-in plays it. */
const configured: Record<Exclude<ProviderName, 'guide'>, (s: ProviderSettings) => boolean> = {
  replicate: (s) => Boolean(s.replicate.apiToken),
  fal: (s) => Boolean(s.fal.key),
  runway: (s) => Boolean(s.runway.apiSecret),
  luma: (s) => Boolean(s.luma.apiKey),
};

/**
 * Starts a stand-in for every provider without a key of its own and points `config` at it, as
 * `npm start` and the tests do: a film can then choose any provider and be made offline
 * (`VIDEO_PROVIDER=replicate npm start`). Tasks take as long as the simulator's (SIMULATOR_DELAY_MS); the
 * links they hand out expire after STAND_IN_LINK_TTL_SECONDS.
 */
export async function standInForUnconfiguredProviders(config: Config, onStep: (message: string) => void): Promise<Map<ProviderName, ProviderStandIn>> {
  const started = new Map<ProviderName, ProviderStandIn>();
  for (const [name, start] of Object.entries(standIns) as [Exclude<ProviderName, 'guide'>, NonNullable<(typeof standIns)['fal']>][]) {
    if (configured[name](config.providers)) continue;
    const standIn = await start({ taskMs: config.simulator.delayMs, outputTtlMs: config.simulator.standInLinkTtlMs });
    started.set(name, standIn);
    for (const [variable, value] of Object.entries(standIn.env)) settingOf[variable]?.(config.providers, value);
  }
  if (started.size) onStep(`Standing in for ${[...started.keys()].join(', ')} (no key configured): ${[...started.values()].map((s) => s.server.url).join(', ')}`);
  return started;
}
