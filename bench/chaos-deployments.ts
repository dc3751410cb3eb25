import path from 'node:path';
import { startCluster } from '../src/dev/cluster/start-cluster';
import { findTemporalCli } from '../src/dev/temporal/cli';
import { startDevServer, type DevServer } from '../src/dev/temporal/dev-server';
import { webhookEndpoints, webhookSecretEnv } from '../src/contracts/steps';
import { loadConfig } from '../src/platform/load-config';
import { createLogger } from '../src/platform/logger';
import { bundleProjectWorkflows } from '../src/worker/workflow-bundle';
import { writeFile } from 'node:fs/promises';
import { appProcesses, benchAdminToken, type WebhookSecrets } from './app-processes';
import { freePort } from './support';

export type Target = 'worker' | 'gateway' | 'temporal';

/** What chaos runs against, and how it kills (-9) and brings back one part. */
export interface Deployment {
  gatewayUrl: string;
  temporalAddress: string;
  /** Kills one `target` with -9, waits `downMs`, brings it back; says what it did. */
  killAndRestart(target: Target, downMs: number, pick: (min: number, max: number) => number): Promise<string>;
  stop(): Promise<void>;
}

interface DeploymentOptions {
  dataDir: string;
  databaseUrl: string;
  simulatorUrl: string;
  secrets: WebhookSecrets;
  env: Record<string, string>;
}

/** `npm start`'s shape: the dev server on its SQLite file, one worker, one gateway. */
export async function singleDeployment({ dataDir, databaseUrl, simulatorUrl, secrets, env }: DeploymentOptions): Promise<Deployment> {
  const cli = findTemporalCli(process.env.TEMPORAL_CLI || undefined);
  if (!cli) throw new Error('chaos needs a Temporal CLI: run npm run temporal:install (or set TEMPORAL_CLI)');
  const temporalPort = await freePort();
  const startTemporal = () =>
    startDevServer({ cliPath: cli.path, dbFile: path.join(dataDir, 'temporal.sqlite'), port: temporalPort, namespace: 'default', logFile: path.join(dataDir, 'temporal.log') });
  let temporal: DevServer = await startTemporal();
  const bundlePath = path.join(dataDir, 'workflow-bundle.js');
  await writeFile(bundlePath, await bundleProjectWorkflows());
  const { worker, gateway, gatewayUrl } = await appProcesses({
    databaseUrl,
    temporalAddress: temporal.address,
    simulatorUrl,
    secrets,
    env: { ...env, WORKFLOW_BUNDLE_PATH: bundlePath },
  });
  await Promise.all([worker.start(), gateway.start()]);
  const processes = { worker, gateway };
  return {
    gatewayUrl,
    temporalAddress: temporal.address,
    async killAndRestart(target, downMs) {
      if (target === 'temporal') {
        await temporal.kill();
        await sleep(downMs);
        temporal = await startTemporal();
      } else {
        await processes[target].kill();
        await sleep(downMs);
        await processes[target].start();
      }
      return `${target} (down ${downMs} ms)`;
    },
    async stop() {
      await Promise.all([worker.stop(), gateway.stop()]);
      await temporal.stop();
    },
  };
}

/**
 * `npm run cluster`'s shape: the Temporal server on PostgreSQL, `workers` workers and `gateways`
 * replicas behind one port. A killed replica comes back through the cluster's supervisor; the others
 * keep serving meanwhile.
 */
export async function clusterDeployment(
  options: DeploymentOptions & { workers: number; gateways: number },
): Promise<Deployment> {
  const { dataDir, databaseUrl, simulatorUrl, secrets, env } = options;
  const port = await freePort();
  const environment = {
    ...process.env,
    ...env,
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    ...Object.fromEntries(webhookEndpoints.map((e) => [webhookSecretEnv[e], secrets[e]])),
    ADMIN_API_TOKEN: benchAdminToken,
    VIDEO_GENERATION_SERVICE: simulatorUrl,
    LAST_FRAME_SERVICE_URL: simulatorUrl,
    STITCH_SERVICE_URL: simulatorUrl,
    NOTIFICATION_SERVICE_URL: simulatorUrl,
    RATE_LIMIT_ENABLED: 'false',
  };
  const cluster = await startCluster({
    config: loadConfig(environment, 'stack'),
    environment,
    logger: createLogger({ level: 'silent' }),
    dataDir: path.join(dataDir, 'cluster'),
    workers: options.workers,
    gateways: options.gateways,
    temporalPort: await freePort(),
    temporalUiPort: null,
    temporalDatabases: { default: 'chaos_temporal', visibility: 'chaos_temporal_visibility' },
  });
  return {
    gatewayUrl: cluster.gatewayUrl,
    temporalAddress: cluster.temporalAddress,
    async killAndRestart(target, downMs, pick) {
      if (target === 'temporal') {
        await cluster.restartTemporal({ kill: true, downMs });
        return `temporal server (down ${downMs} ms)`;
      }
      const replicas = target === 'worker' ? cluster.workers : cluster.gateways;
      const replica = replicas[pick(0, replicas.length - 1)];
      const before = replica.restarts;
      replica.kill();
      // The supervisor restarts it; wait until it serves again before the next kill.
      while (replica.restarts === before || !replica.serving()) await sleep(100);
      return `${replica.name} (back in ${replica.lastRestartMs} ms)`;
    },
    stop: () => cluster.stop(),
  };
}

export interface ProbeResult {
  answered: number;
  /** 5xx answers: a replica that answered but failed. Must be none. */
  serverErrors: number;
  /** Requests whose connection died with a killed process (the sender retries those). */
  connectionErrors: number;
}

/** GET /openapi.json (no dependency behind it) every 50 ms on fresh connections until stopped. */
export function probeGateway(gatewayUrl: string): { stop(): ProbeResult } {
  const result: ProbeResult = { answered: 0, serverErrors: 0, connectionErrors: 0 };
  let running = true;
  void (async () => {
    while (running) {
      try {
        const response = await fetch(`${gatewayUrl}/openapi.json`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5_000) });
        await response.arrayBuffer();
        result.answered += 1;
        if (response.status >= 500) result.serverErrors += 1;
      } catch {
        result.connectionErrors += 1;
      }
      await sleep(50);
    }
  })();
  return {
    stop() {
      running = false;
      return { ...result };
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
