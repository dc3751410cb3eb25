import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
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
  /** What the gateway was started with, for variants (the stubbed gateway). */
  env: NodeJS.ProcessEnv;
  /** What the worker was started with, for workers measured beside it (the engine's floors). */
  workerEnv: NodeJS.ProcessEnv;
}

/**
 * The worker and the gateway as child processes (not yet started) on free ports, with every service
 * pointed at the simulator and rate limits off; `env` adds to or overrides that, and `workerEnv` that for
 * the worker alone. `built` runs the compiled
 * `dist/` that `npm run build` writes and production runs; otherwise the source runs through tsx.
 */
export async function appProcesses(options: {
  databaseUrl: string;
  temporalAddress: string;
  simulatorUrl: string;
  secrets: WebhookSecrets;
  env?: NodeJS.ProcessEnv;
  workerEnv?: NodeJS.ProcessEnv;
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
  const workerEnv = { ...env, ...options.workerEnv };
  return {
    worker: new NodeProcess('worker', entry('worker'), workerEnv, `http://127.0.0.1:${workerHealthPort}/health`),
    gateway: new NodeProcess('gateway', entry('gateway'), env, `${gatewayUrl}/health`),
    gatewayUrl,
    env,
    workerEnv,
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

/** The Node flags docker-compose.yml gives the worker on its command line, over the image's NODE_OPTIONS. */
function composeWorkerNodeFlags(): string[] {
  const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: { worker: { command: string[] } } };
  const args = compose.services.worker.command.slice(1);
  return args.slice(0, args.findIndex((arg) => !arg.startsWith('-')));
}

/**
 * NODE_OPTIONS of the gateway and the worker as production runs them (the image's, and the worker's own
 * flags from docker-compose.yml), plus, with `oldSpaceMiB`, a heap sized as Node sizes it in a container
 * of that limit (Node follows the cgroup limit): an uncapped V8 heap on this 24 GiB machine grows lazily
 * and says little about what a process needs. BENCH_APP_NODE_OPTIONS replaces them for both.
 */
export function productionNodeOptions(oldSpaceMiB?: number): { gateway: string; worker: string } {
  const override = process.env.BENCH_APP_NODE_OPTIONS;
  const base = [productionImageEnv().NODE_OPTIONS, oldSpaceMiB ? `--max-old-space-size=${oldSpaceMiB}` : undefined];
  const options = (flags: string[]) => override ?? [...base, ...flags].filter(Boolean).join(' ');
  return { gateway: options([]), worker: options(composeWorkerNodeFlags()) };
}
