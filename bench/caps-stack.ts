import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres';
import { startFalStandIn } from '../src/dev/providers/fal-stand-in';
import type { StandInServer } from '../src/dev/providers/stand-in-server';
import { ServiceSimulator } from '../src/dev/simulator/simulator';
import { startStack } from '../src/dev/start-stack';
import { startLocalTemporal } from '../src/dev/temporal/local-temporal';
import { loadConfig } from '../src/platform/load-config';
import { createLogger } from '../src/platform/logger';
import { migrateDatabase } from '../src/storage/migrate';
import { asOperator } from '../test/support/clients';
import { testEnv } from '../test/support/test-stack';
import { appProcesses, benchAdminToken, productionImageEnv, productionNodeOptions, randomWebhookSecrets } from './app-processes';
import { freePort } from './support';
import path from 'node:path';

/** What the caps phase runs against: the gateway's URL, the provider's stand-in, the database and Temporal to read back. */
export interface CapsStack {
  shape: 'production processes' | 'one process';
  gatewayUrl: string;
  /** The admin credentials of this stack's gateway. */
  asAdmin: Record<string, string>;
  fal: StandInServer;
  pool: pg.Pool;
  client: Client;
  /** The worker's workflow cache size (WORKER_MAX_CACHED_WORKFLOWS) as it ran. */
  maxCachedWorkflows: number;
  /** The most memory the processes that make films held so far (MiB). */
  peakMemoryMiB(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The production shape, as the rest of `npm run bench` runs Reelay: Temporal's dev server, PostgreSQL,
 * the fal stand-in and the service simulator in this process (they play the cluster and the providers),
 * the gateway and the worker each a process of its own running the compiled `dist/` with the production
 * image's settings (`npm run build` first). `env` adds to the apps' environment.
 */
export async function productionCapsStack(dataDir: string, env: Record<string, string>): Promise<CapsStack> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => undefined);
  };
  try {
    const temporal = await startLocalTemporal({ cliPath: process.env.TEMPORAL_CLI || undefined, namespace: 'default', dataDir, port: await freePort(), ephemeral: true });
    stops.push(() => temporal.stop());
    const database = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort() });
    stops.push(() => database.stop());
    await migrateDatabase(database.url);
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    // An idle connection the server closes (PostgreSQL stopping) must not end the run before its report.
    pool.on('error', () => undefined);
    stops.push(() => pool.end());
    const secrets = randomWebhookSecrets();
    const simulator = new ServiceSimulator({ secrets, delayMs: 0, logger: createLogger({ level: 'silent' }), maxDeliveryAttempts: 50 });
    const simulatorUrl = await simulator.start(0);
    stops.push(() => simulator.stop());
    const falStandIn = await startFalStandIn({ taskMs: 1_000 });
    stops.push(() => falStandIn.stop());
    const nodeOptions = productionNodeOptions();
    const apps = await appProcesses({
      databaseUrl: database.url,
      temporalAddress: temporal.address,
      simulatorUrl,
      secrets,
      built: true,
      env: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        // Tasks of seconds in a line of minutes: the step's deadline counts from the submit, not the wait.
        STEP_TIMEOUT_VIDEO_SECONDS: '3600',
        ...falStandIn.env,
        ...productionImageEnv(),
        NODE_OPTIONS: nodeOptions.gateway,
        ...env,
      },
      workerEnv: { NODE_OPTIONS: env.NODE_OPTIONS ?? nodeOptions.worker },
    });
    stops.push(() => apps.gateway.stop(), () => apps.worker.stop());
    await apps.worker.start();
    await apps.gateway.start();
    return {
      shape: 'production processes',
      gatewayUrl: apps.gatewayUrl,
      asAdmin: { authorization: `Bearer ${benchAdminToken}` },
      fal: falStandIn.server,
      pool,
      client: new Client({ connection, namespace: 'default' }),
      maxCachedWorkflows: loadConfig({ ...apps.env, ...env }, 'worker').workerMaxCachedWorkflows,
      peakMemoryMiB: async () => Math.max(0, ...(await Promise.all([apps.worker.peakMemoryMiB(), apps.gateway.peakMemoryMiB()])).map((m) => m ?? 0)),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The development stack in this one process (gateway, worker, stand-in on one event loop), as `npm start` runs it: `--caps-one-process`. */
export async function oneProcessCapsStack(dataDir: string, env: Record<string, string>): Promise<CapsStack> {
  const stackTraces = process.env.WORKFLOW_STACK_TRACES;
  // The workflow thread as the production image runs it (read from this process's environment by the worker's thread).
  process.env.WORKFLOW_STACK_TRACES = env.WORKFLOW_STACK_TRACES ?? productionImageEnv().WORKFLOW_STACK_TRACES;
  const config = loadConfig(testEnv({ SIMULATOR_PORT: '0', RATE_LIMIT_ENABLED: 'false', WORKER_HEALTH_PORT: String(await freePort()), TEMPORAL_CLI: process.env.TEMPORAL_CLI, ...env }), 'stack');
  const stack = await startStack({ config, logger: createLogger({ level: 'silent' }), dataDir, ephemeral: true, temporalPort: await freePort(), temporalUiPort: null, postgresPort: await freePort() });
  return {
    shape: 'one process',
    gatewayUrl: stack.gatewayUrl,
    asAdmin: asOperator,
    fal: stack.providerStandIns.get('fal')!.server,
    pool: stack.database.pool,
    client: stack.client,
    maxCachedWorkflows: config.workerMaxCachedWorkflows,
    peakMemoryMiB: async () => Math.round(process.memoryUsage.rss() / 2 ** 20),
    stop: async () => {
      if (stackTraces === undefined) delete process.env.WORKFLOW_STACK_TRACES;
      else process.env.WORKFLOW_STACK_TRACES = stackTraces;
      await stack.stop();
    },
  };
}
