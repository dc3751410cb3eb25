import { webhookEndpoints, type WebhookEndpointName } from '../../contracts/steps';
import { unconfiguredServices, type Config } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { ServiceSimulator } from './simulator';

/**
 * Starts the simulator for the services that have no URL and points `config` at it, as `npm start` and
 * `npm run cluster` both do; nothing when every service is configured. Says on `onStep` which services
 * it plays and how its media are made (ffmpeg and which, or still images only).
 */
export async function simulateUnconfiguredServices(
  config: Config,
  logger: Logger,
  onStep: (message: string) => void,
): Promise<ServiceSimulator | undefined> {
  const simulated = unconfiguredServices(config);
  if (!simulated.length) return undefined;
  const simulator = new ServiceSimulator({
    // Each webhook signed with the first of its endpoint's active secrets.
    secrets: Object.fromEntries(webhookEndpoints.map((e) => [e, config.webhookSecrets[e][0]])) as Record<WebhookEndpointName, string>,
    delayMs: config.simulator.delayMs,
    logger,
  });
  const url = await simulator.start(config.simulator.port);
  for (const service of simulated) config.services[service] = { url };
  onStep(`Simulating ${simulated.join(', ')} at ${url} (no URL configured)`);
  onStep(await simulator.media.describe());
  return simulator;
}
