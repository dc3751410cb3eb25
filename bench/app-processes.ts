import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { webhookEndpoints, webhookSecretEnv, type WebhookEndpointName } from '../src/contracts/steps';
import { NodeProcess, root } from './processes';
import { freePort } from './support';

export type WebhookSecrets = Record<WebhookEndpointName, string>;

export const randomSecret = (): string => randomBytes(24).toString('hex');

/**
 * The admin token of every gateway this bench run starts. The bench creates its films as the operator
 * (films without a client keep their ids, so `project-<id>` names their workflows) and is not held to
 * a client's quotas, which would measure the quota rather than the orchestrator.
 */
export const benchAdminToken = randomSecret();

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
 * The worker and the gateway as child processes (not yet started) on free ports, with every service
 * pointed at the simulator and rate limits off; `env` adds to or overrides that. `built` runs the compiled
 * `dist/` that `npm run build` writes and production runs; otherwise the source runs through tsx.
 */
export async function appProcesses(options: {
  databaseUrl: string;
  temporalAddress: string;
  simulatorUrl: string;
  secrets: WebhookSecrets;
  env?: NodeJS.ProcessEnv;
  built?: boolean;
}): Promise<AppProcesses> {
  const { databaseUrl, temporalAddress, simulatorUrl, secrets } = options;
  const entry = (name: string) => (options.built ? `dist/src/cli/${name}.js` : `src/cli/${name}.ts`);
  const gatewayPort = await freePort();
  const workerHealthPort = await freePort();
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const env: NodeJS.ProcessEnv = {
    PORT: String(gatewayPort),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    ...Object.fromEntries(webhookEndpoints.map((endpoint) => [webhookSecretEnv[endpoint], secrets[endpoint]])),
    ADMIN_API_TOKEN: benchAdminToken,
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
    worker: new NodeProcess('worker', entry('worker'), env, `http://127.0.0.1:${workerHealthPort}/health`),
    gateway: new NodeProcess('gateway', entry('gateway'), env, `${gatewayUrl}/health`),
    gatewayUrl,
    env,
  };
}

/**
 * The runtime environment the production image sets (the `ENV` lines of the Dockerfile's last stage:
 * malloc arenas, V8's young generation), so the bench measures the processes users deploy.
 */
export function productionImageEnv(): Record<string, string> {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  return Object.fromEntries([...lastStage.matchAll(/^ENV (\w+)=(.*)$/gm)].map(([, name, value]) => [name, value.trim()]));
}

/** Creates a project of `scenes` scenes through the gateway's API. */
export async function createProject(gatewayUrl: string, projectId: string, scenes: number): Promise<void> {
  const response = await fetch(`${gatewayUrl}/api/v1/projects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${benchAdminToken}` },
    body: JSON.stringify({ project_id: projectId, scenes: Array.from({ length: scenes }, (_, i) => ({ prompt: `scene ${i + 1}` })) }),
  });
  if (response.status !== 201) throw new Error(`creating ${projectId}: ${response.status} ${await response.text()}`);
}
