import type { ProviderName } from '../contracts/providers';
import type { ProviderSettings } from '../platform/provider-env';
import type { VideoProviderAdapter } from './adapter';
import { createFalAdapter } from './fal';
import { createRunwayAdapter } from './runway';
import { createLumaAdapter } from './luma';
import { createReplicateAdapter } from './replicate';

/**
 * Builds the adapters a process may use. The guide's own services are not built here: they are the
 * existing service client's (src/activities), kept exactly as the guide prints them.
 */
export type ProviderFactory = (settings: ProviderSettings) => VideoProviderAdapter;

const factories: Partial<Record<Exclude<ProviderName, 'guide'>, ProviderFactory>> = {
  fal: (settings) => createFalAdapter(settings),
  runway: createRunwayAdapter,
  replicate: createReplicateAdapter,
  luma: createLumaAdapter,
};

export function createProviders(settings: ProviderSettings): Map<ProviderName, VideoProviderAdapter> {
  const adapters = new Map<ProviderName, VideoProviderAdapter>();
  for (const [name, factory] of Object.entries(factories)) adapters.set(name as ProviderName, factory(settings));
  return adapters;
}
