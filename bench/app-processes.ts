import { randomBytes } from 'node:crypto';
import { webhookEndpoints, webhookSecretEnv, type WebhookEndpointName } from '../src/contracts/steps';
import { NodeProcess } from './processes';
import { freePort } from './support';

export type WebhookSecrets = Record<WebhookEndpointName, string>;

export const randomSecret = (): string => randomBytes(24).toString('hex');

export const randomWebhookSecrets = (): WebhookSecrets =>
  Object.fromEntries(webhookEndpoints.map((endpoint) => [endpoint, randomSecret()])) as WebhookSecrets;

export interface AppProcesses {
  worker: NodeProcess;
  gateway: NodeProcess;
  gatewayUrl: string;
  /** What both were started with, for variants (the stubbed gateway). */
  env: NodeJS.ProcessEnv;
}

/**
 * `src/cli/worker.ts` and `src/cli/gateway.ts` as child processes (not yet started) on free ports, with
 * every service pointed at the simulator and rate limits off; `env` adds to or overrides that.
 */
export async function appProcesses(options: {
  databaseUrl: string;
  temporalAddress: string;
  simulatorUrl: string;
  secrets: WebhookSecrets;
  env?: NodeJS.ProcessEnv;
}): Promise<AppProcesses> {
  const { databaseUrl, temporalAddress, simulatorUrl, secrets } = options;
  const gatewayPort = await freePort();
  const workerHealthPort = await freePort();
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const env: NodeJS.ProcessEnv = {
    PORT: String(gatewayPort),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    ...Object.fromEntries(webhookEndpoints.map((endpoint) => [webhookSecretEnv[endpoint], secrets[endpoint]])),
    ADMIN_API_TOKEN: randomSecret(),
    NEXT_PUBLIC_APP_URL: gatewayUrl,
    VIDEO_GENERATION_SERVICE: simulatorUrl,
    LAST_FRAME_SERVICE_URL: simulatorUrl,
    STITCH_SERVICE_URL: simulatorUrl,
    NOTIFICATION_SERVICE_URL: simulatorUrl,
    RATE_LIMIT_ENABLED: 'false',
    WORKER_HEALTH_PORT: String(workerHealthPort),
    ...options.env,
  };
  return {
    worker: new NodeProcess('worker', 'src/cli/worker.ts', env, `http://127.0.0.1:${workerHealthPort}/health`),
    gateway: new NodeProcess('gateway', 'src/cli/gateway.ts', env, `${gatewayUrl}/health`),
    gatewayUrl,
    env,
  };
}

/** Creates a project of `scenes` scenes through the gateway's API. */
export async function createProject(gatewayUrl: string, projectId: string, scenes: number): Promise<void> {
  const response = await fetch(`${gatewayUrl}/api/v1/projects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: projectId, scenes: Array.from({ length: scenes }, (_, i) => ({ prompt: `scene ${i + 1}` })) }),
  });
  if (response.status !== 201) throw new Error(`creating ${projectId}: ${response.status} ${await response.text()}`);
}
