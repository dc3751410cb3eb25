import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowBundleOption } from '@temporalio/worker';
import type { SettingsOverrides } from '../contracts/workflow-settings';
import { createGateway } from '../http/app';
import { closeAccessLogFile } from '../platform/access-log-file';
import type { Config } from '../platform/config';
import { closeErrorMonitoring, initErrorMonitoring } from '../platform/error-monitoring';
import { closeServer, listen } from '../platform/http-server';
import type { Logger } from '../platform/logger';
import { openDatabase, type Database } from '../storage/database';
import { migrateDatabase } from '../storage/migrate';
import type { PrismaClient } from '../storage/prisma';
import { startWorker, type RunningWorker } from '../worker/start-worker';
import { defaultEmbeddedPostgresPort, startEmbeddedPostgres } from './embedded-postgres';
import type { ProviderName } from '../contracts/providers';
import type { ProviderStandIn } from './providers';
import { standInForUnconfiguredProviders } from './providers/stand-in-unconfigured';
import { simulateUnconfiguredServices } from './simulator/simulate-unconfigured';
import type { ServiceSimulator } from './simulator/simulator';
import type { CliSource } from './temporal/cli';
import { startLocalTemporal } from './temporal/local-temporal';
import { ensureSearchAttributes } from '../platform/search-attributes';
import { temporalConnectionOptions } from '../platform/temporal-connection';
import { clientTracingInterceptors } from '../platform/temporal-tracing';

export interface StackOptions {
  config: Config;
  logger: Logger;
  /** Where embedded Temporal and PostgreSQL keep their files (`.data/` for npm start). */
  dataDir: string;
  temporalPort?: number;
  /** null for a headless Temporal (tests). */
  temporalUiPort?: number | null;
  postgresPort?: number;
  /** Throwaway state: in-memory Temporal, PostgreSQL without fsync. */
  ephemeral?: boolean;
  workflowBundle?: WorkflowBundleOption;
  workflowSettings?: SettingsOverrides;
  /** A line for each part as it comes up, for the console. */
  onStep?: (message: string) => void;
  onCliBuildProgress?: (built: number, total: number) => void;
}

export interface Stack {
  /** The configuration as running: embedded and simulated parts filled in. */
  config: Config;
  gatewayUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  databaseUrl: string;
  simulator?: ServiceSimulator;
  /** The providers played by stand-ins (those without a key of their own). */
  providerStandIns: Map<ProviderName, ProviderStandIn>;
  database: Database;
  prisma: PrismaClient;
  client: Client;
  worker: RunningWorker;
  stop(): Promise<void>;
}

/**
 * Everything Reelay needs, in one process: Temporal and PostgreSQL (embedded unless configured), the
 * migrations, the gateway, the service simulator (for services with no URL) and the worker. Each
 * part registers how to stop it as it starts, so a failure half-way still cleans up.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { logger, dataDir, onStep = () => {} } = options;
  const config: Config = structuredClone(options.config);
  const stops: { name: string; stop: () => Promise<unknown> }[] = [];
  const stop = async () => {
    for (const { name, stop: fn } of stops.reverse()) {
      await fn().catch((err) => logger.error({ err }, `Could not stop ${name} cleanly`));
    }
    stops.length = 0;
  };

  try {
    // Stopped last, so what the gateway and the worker reported while stopping is sent.
    if (initErrorMonitoring(config, { service: 'reelay' })) stops.push({ name: 'error monitoring', stop: () => closeErrorMonitoring() });

    let temporalUiUrl: string | undefined;
    if (!config.temporal.address) {
      onStep('Starting the Temporal dev server');
      const server = await startLocalTemporal({
        cliPath: config.temporal.cliPath,
        namespace: config.temporal.namespace,
        dataDir,
        port: options.temporalPort ?? 7233,
        uiPort: options.temporalUiPort === null ? undefined : (options.temporalUiPort ?? 8233),
        ephemeral: options.ephemeral,
        onBuildProgress: options.onCliBuildProgress,
        onCliFound: (source: CliSource | 'download', cliPath?: string) =>
          onStep(source === 'download' ? 'Temporal CLI: downloading through the SDK' : `Temporal CLI: ${cliPath} (${source})`),
      });
      stops.push({ name: 'Temporal dev server', stop: () => server.stop() });
      config.temporal.address = server.address;
      temporalUiUrl = server.uiUrl;
      config.temporal.uiUrl ??= temporalUiUrl;
    }

    if (!config.databaseUrl) {
      onStep('Starting embedded PostgreSQL');
      const database = await startEmbeddedPostgres({
        dataDir: path.join(dataDir, 'postgres'),
        port: options.postgresPort ?? defaultEmbeddedPostgresPort,
        ephemeral: options.ephemeral,
        onLog: (line) => logger.trace({ component: 'postgres' }, line.trim()),
        onNote: (note) => onStep(`  ${note}`),
      });
      stops.push({ name: 'PostgreSQL', stop: () => database.stop() });
      config.databaseUrl = database.url;
    }

    onStep('Applying database migrations');
    await migrateDatabase(config.databaseUrl);
    const database = openDatabase(config.databaseUrl, { onIdleError: (err) => logger.warn({ err }, 'Database connection lost') });
    const { prisma } = database;
    stops.push({ name: 'database connections', stop: () => database.close() });

    const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
    stops.push({ name: 'Temporal client', stop: () => connection.close() });
    const client = new Client({ connection, namespace: config.temporal.namespace, interceptors: clientTracingInterceptors() });
    // Namespace setup before anything serves: the gateway starts workflows that set these attributes.
    const registered = await ensureSearchAttributes(connection, config.temporal.namespace);
    if (registered.length) onStep(`Registered search attributes ${registered.join(', ')} in namespace ${config.temporal.namespace}`);

    // Before the gateway: it verifies the stand-ins' webhooks with what they hand out.
    const providerStandIns = await standInForUnconfiguredProviders(config, onStep);
    for (const [name, standIn] of providerStandIns) stops.push({ name: `${name} stand-in`, stop: () => standIn.stop() });

    // Its webhook access log is flushed and closed once the gateway has stopped answering.
    const accessLog = config.webhookLog.file;
    if (accessLog) stops.push({ name: 'webhook access log', stop: () => closeAccessLogFile(accessLog) });
    // The gateway listens first: with PORT=0 its real port decides the URL services call back on.
    const gateway = createGateway({
      config,
      database,
      temporal: client,
      connection,
      logger,
      workflowSettings: options.workflowSettings,
    });
    stops.push({ name: 'gateway background work', stop: () => gateway.close() });
    const server = await listen(gateway.app.callback(), config.port);
    stops.push({ name: 'gateway', stop: () => closeServer(server) });
    const gatewayUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
    config.publicUrl ??= gatewayUrl;

    const simulator = await simulateUnconfiguredServices(config, logger, onStep);
    if (simulator) stops.push({ name: 'service simulator', stop: () => simulator.stop() });

    onStep('Starting the worker');
    const worker = await startWorker(config, database, logger, options.workflowBundle);
    stops.push({ name: 'worker', stop: () => worker.stop() });

    return {
      config,
      gatewayUrl,
      temporalAddress: config.temporal.address,
      temporalUiUrl,
      databaseUrl: config.databaseUrl,
      simulator,
      providerStandIns,
      database,
      prisma,
      client,
      worker,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
