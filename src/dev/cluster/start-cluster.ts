import { spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { setUpNamespace } from '../../platform/search-attributes';
import { migrateDatabase } from '../../storage/migrate';
import { startEmbeddedPostgres } from '../embedded-postgres';
import { startEmbeddedRedis } from '../embedded-redis';
import { freePort } from '../free-port';
import { goAvailable } from '../go-install';
import { startSeaweedForCluster } from '../seaweedfs';
import { standInForUnconfiguredProviders } from '../providers/stand-in-unconfigured';
import { simulateUnconfiguredServices } from '../simulator/simulate-unconfigured';
import type { ServiceSimulator } from '../simulator/simulator';
import { buildTemporalServer, findTemporalServer, temporalServerVersion } from '../temporal/server-binaries';
import { serverPorts, startTemporalServer, type TemporalServer } from '../temporal/temporal-server';
import { startUiServer } from '../temporal/ui-server';
import { waitForHttp } from '../logged-process';
import { replicaVariables } from './replica-variables';
import { SupervisedProcess, type SupervisedProcessOptions } from './supervised-process';

export interface ClusterOptions {
  config: Config;
  /** What `config` was read from, for the replicas to read too (process.env by default). */
  environment?: NodeJS.ProcessEnv;
  logger: Logger;
  /** Where PostgreSQL, Temporal and every process's log keep their files (`.data/cluster/`). */
  dataDir: string;
  workers: number;
  gateways: number;
  temporalPort?: number;
  /** Temporal's two databases, when not `temporal` and `temporal_visibility` (several clusters on one PostgreSQL). */
  temporalDatabases?: { default: string; visibility: string };
  /** The Web UI's port (8233); null for none. */
  temporalUiPort?: number | null;
  postgresPort?: number;
  onStep?: (message: string) => void;
  onBuildProgress?: (built: number, total: number) => void;
  /** A worker or gateway died and is being restarted. */
  onRestart?: (name: string, reason: string) => void;
}

export interface Cluster {
  config: Config;
  gatewayUrl: string;
  temporalAddress: string;
  /** Undefined when TEMPORAL_ADDRESS points at a cluster of the user's. */
  temporal?: TemporalServer;
  /** The Web UI, when it was built and asked for. */
  temporalUiUrl?: string;
  databaseUrl: string;
  redisUrl: string;
  simulator?: ServiceSimulator;
  workers: SupervisedProcess[];
  gateways: SupervisedProcess[];
  logDir: string;
  /** Stops the Temporal server (kill -9 with `kill`) and starts it again on the same databases (tests). */
  restartTemporal(options?: { kill?: boolean; downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

const entry = (name: 'worker' | 'gateway') =>
  __filename.endsWith('.ts') ? { file: path.join(__dirname, '..', '..', 'cli', `${name}.ts`), execArgv: ['--import', 'tsx'] } : { file: path.join(__dirname, '..', '..', 'cli', `${name}.js`), execArgv: [] };

/**
 * The production shape on one machine, each part a real process: the Temporal server on PostgreSQL
 * (not the dev server), PostgreSQL and Redis shared by every replica, `workers` workers and `gateways`
 * gateway replicas serving one port together (Node's cluster module: this process accepts and hands
 * each connection to a replica). Dead replicas are restarted, as a supervisor would.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { logger, dataDir, onStep = () => {} } = options;
  const config: Config = structuredClone(options.config);
  const stops: { name: string; stop: () => Promise<unknown> }[] = [];
  const replicas: SupervisedProcess[] = [];
  const stop = async () => {
    for (const replica of replicas) replica.retire();
    for (const { name, stop: fn } of stops.reverse()) {
      await fn().catch((err) => logger.error({ err }, `Could not stop ${name} cleanly`));
    }
    stops.length = 0;
  };
  const logDir = path.join(dataDir, 'logs');
  await mkdir(logDir, { recursive: true });

  try {
    if (!config.databaseUrl) {
      onStep('Starting embedded PostgreSQL');
      const database = await startEmbeddedPostgres({
        dataDir: path.join(dataDir, 'postgres'),
        port: options.postgresPort ?? 54330,
        onNote: (note) => onStep(`  ${note}`),
      });
      stops.push({ name: 'PostgreSQL', stop: () => database.stop() });
      config.databaseUrl = database.url;
    }

    if (!config.redisUrl) {
      onStep('Starting embedded Redis (shared rate limits)');
      const redis = await startEmbeddedRedis({ port: await freePort(), onProgress: (message) => onStep(`  ${message}`) });
      stops.push({ name: 'Redis', stop: () => redis.stop() });
      config.redisUrl = redis.url;
    }

    let temporal: TemporalServer | undefined;
    let temporalUiUrl: string | undefined;
    let startTemporal = async () => {};
    if (!config.temporal.address) {
      let binaries = findTemporalServer();
      if (!binaries) {
        if (!goAvailable()) throw new Error(`No Temporal server ${temporalServerVersion} built yet and no Go toolchain to build it: install Go, or set TEMPORAL_ADDRESS`);
        onStep(`Building the Temporal server ${temporalServerVersion} from the Go module proxy, once (minutes; cached afterwards)`);
        binaries = await buildTemporalServer(options.onBuildProgress ?? (() => {}));
      }
      const ports = await serverPorts(options.temporalPort ?? 7233);
      startTemporal = async () => {
        temporal = await startTemporalServer({
          binaries: binaries,
          databaseUrl: config.databaseUrl!,
          databases: options.temporalDatabases,
          dataDir: path.join(dataDir, 'temporal'),
          ports,
          namespace: config.temporal.namespace,
        });
      };
      onStep(`Starting the Temporal server ${temporalServerVersion} on PostgreSQL (schemas by temporal-sql-tool)`);
      await startTemporal();
      stops.push({ name: 'Temporal server', stop: () => temporal!.stop() });
      config.temporal.address = temporal!.address;
      if (binaries.ui && options.temporalUiPort !== null) {
        const ui = await startUiServer({ binary: binaries.ui, temporalAddress: temporal!.address, port: options.temporalUiPort ?? 8233, namespace: config.temporal.namespace, dataDir: path.join(dataDir, 'temporal-ui') });
        stops.push({ name: 'Temporal Web UI', stop: () => ui.stop() });
        temporalUiUrl = ui.url;
        config.temporal.uiUrl ??= ui.url;
      } else if (!binaries.ui) {
        onStep('No Temporal Web UI: its server did not build from the Go module proxy');
      }
    }

    onStep('Applying database migrations');
    await migrateDatabase(config.databaseUrl);
    // Namespace setup, like the migrations, before any replica serves: a gateway starts workflows that
    // set these search attributes, and Temporal refuses them until they are registered.
    onStep(`Setting up namespace ${config.temporal.namespace}: search attributes`);
    await setUpNamespace(config.temporal);

    config.publicUrl ??= `http://localhost:${config.port}`;
    const simulator = await simulateUnconfiguredServices(config, logger, onStep);
    if (simulator) stops.push({ name: 'service simulator', stop: () => simulator.stop() });
    const seaweed = await startSeaweedForCluster(config, path.join(options.dataDir, 'seaweedfs'), onStep);
    if (seaweed) stops.push({ name: 'SeaweedFS', stop: () => seaweed.stop() });
    const standIns = [...(await standInForUnconfiguredProviders(config, onStep)).values()];
    stops.push({ name: 'provider stand-ins', stop: () => Promise.all(standIns.map((s) => s.stop())) });
    // Every replica gets the configuration as resolved here: one set of secrets, one database, the stand-ins.
    const env = { ...(options.environment ?? process.env), ...replicaVariables(config), ...Object.fromEntries(standIns.flatMap((s) => Object.entries(s.env))) };
    const supervise = (name: string, launch: SupervisedProcessOptions['launch']) => {
      const replica = new SupervisedProcess({ name, launch, logFile: path.join(logDir, `${name.replace(' ', '-')}.log`), onRestart: options.onRestart });
      replicas.push(replica);
      return replica;
    };

    onStep(`Starting ${options.gateways} gateway replica${options.gateways === 1 ? '' : 's'} on port ${config.port}`);
    const gatewayEntry = entry('gateway');
    cluster.setupPrimary({ exec: gatewayEntry.file, execArgv: gatewayEntry.execArgv, silent: true });
    const gateways = Array.from({ length: options.gateways }, (_, i) =>
      supervise(`gateway ${i + 1}`, () => {
        // One webhook access log per replica: two processes must not rotate the same file.
        const webhookLog = config.webhookLog.file ? path.join(logDir, `webhooks-gateway-${i + 1}.log`) : 'off';
        const replica = cluster.fork({ ...env, WEBHOOK_LOG: webhookLog });
        const ready = new Promise<void>((resolve, reject) => {
          replica.once('listening', () => resolve());
          replica.once('exit', (code, signal) => reject(new Error(`exited during start-up (${code ?? signal})`)));
        });
        return { child: replica.process, ready };
      }),
    );
    stops.push({ name: 'gateways', stop: () => Promise.all(gateways.map((g) => g.stop())) });
    // One after another: the first to start also warms tsx's compile cache, which two processes
    // writing the same entries at once can leave half-written for each other.
    for (const replica of gateways) await replica.start();

    onStep(`Starting ${options.workers} worker${options.workers === 1 ? '' : 's'}`);
    const workerEntry = entry('worker');
    const workers = await Promise.all(
      Array.from({ length: options.workers }, async (_, i) => {
        const healthPort = await freePort();
        const metricsPort = await freePort();
        return supervise(`worker ${i + 1}`, () => {
          const child = spawn(process.execPath, [...workerEntry.execArgv, workerEntry.file], {
            env: { ...env, WORKER_HEALTH_PORT: String(healthPort), WORKER_METRICS_PORT: String(metricsPort), },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          return { child, ready: waitForHttp(`http://127.0.0.1:${healthPort}/health`, child) };
        });
      }),
    );
    stops.push({ name: 'workers', stop: () => Promise.all(workers.map((w) => w.stop())) });
    for (const replica of workers) await replica.start();

    return {
      config,
      gatewayUrl: `http://localhost:${config.port}`,
      temporalAddress: config.temporal.address,
      get temporal() {
        return temporal;
      },
      temporalUiUrl,
      databaseUrl: config.databaseUrl,
      redisUrl: config.redisUrl,
      simulator,
      workers,
      gateways,
      logDir,
      async restartTemporal({ kill = false, downMs = 0 } = {}) {
        if (!temporal) throw new Error('Temporal is external (TEMPORAL_ADDRESS): restart it there');
        await (kill ? temporal.kill() : temporal.stop());
        await new Promise((r) => setTimeout(r, downMs));
        await startTemporal();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
