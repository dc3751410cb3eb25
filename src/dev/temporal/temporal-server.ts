import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection, isGrpcServiceError, type ConnectionOptions } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import pg from 'pg';
import { freePort } from '../free-port';
import { spawnLogged } from '../logged-process';
import { waitUntilServing, type DevServer } from './dev-server';
import { renderDynamicConfig, renderServerConfig, type ServerDatabase, type ServerPorts, type ServerTls } from './server-config';
import type { TemporalServerBinaries } from './server-binaries';

const run = promisify(execFile);

export interface TemporalServerOptions {
  binaries: TemporalServerBinaries;
  /** The PostgreSQL the app uses; Temporal gets two databases of its own on it. */
  databaseUrl: string;
  dataDir: string;
  /** Keep them for a restart on the same identity; `serverPorts` finds free ones. */
  ports: ServerPorts;
  namespace: string;
  tls?: ServerTls;
  /** How a client reaches the frontend when `tls` is set (CA, server name, client certificate). */
  clientTls?: ConnectionOptions['tls'];
  /** Temporal's two database names, when not `temporal` and `temporal_visibility`. */
  databases?: ServerDatabase['databases'];
}

export interface TemporalServer extends DevServer {
  metricsUrl: string;
  databases: ServerDatabase['databases'];
}

/** Temporal's two databases on the app's PostgreSQL, and the embedded schema each gets. */
export const temporalDatabases = { default: 'temporal', visibility: 'temporal_visibility' } as const;
export const temporalSchemas = { default: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' } as const;

/**
 * The real Temporal server (not the dev server) on PostgreSQL with SQL visibility, as a cluster runs
 * it: its databases created and its schemas set up and upgraded by its own SQL tool, then all four
 * services in one process, and the namespace registered.
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  const { binaries, dataDir, ports, namespace, tls } = options;
  const database = serverDatabase(options.databaseUrl, options.databases);
  for (const store of ['default', 'visibility'] as const) await prepareSchema(binaries.sqlTool, database, store);

  const configDir = path.join(dataDir, 'config');
  await mkdir(configDir, { recursive: true });
  const dynamicConfigFile = path.join(configDir, 'dynamic.yaml');
  await writeFile(dynamicConfigFile, renderDynamicConfig());
  await writeFile(path.join(configDir, 'reelay.yaml'), renderServerConfig({ ports, database, dynamicConfigFile, tls }));

  const logFile = path.join(dataDir, 'temporal-server.log');
  const server = await spawnLogged(binaries.server, ['--root', dataDir, '--config', 'config', '--env', 'reelay', '--allow-no-auth', 'start'], {
    logFile,
    pidFile: { path: path.join(dataDir, 'temporal-server.pid'), program: 'temporal-server' },
  });
  const { child } = server;

  const address = `127.0.0.1:${ports.frontend}`;
  try {
    await waitUntilServing(address, child, 90_000, options.clientTls);
    await registerNamespace(address, namespace, options.clientTls);
  } catch (err) {
    await server.kill();
    throw new Error(`${(err as Error).message} (server log: ${logFile})`);
  }
  return {
    address,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    databases: database.databases,
    stop: () => server.stop(),
    kill: () => server.kill(),
  };
}

/** Free ports for every service of one server, the frontend's given (7233 by default). */
export async function serverPorts(frontend?: number): Promise<ServerPorts> {
  const [frontendHttp, history, matching, worker, metrics] = await Promise.all(Array.from({ length: 5 }, () => freePort()));
  const membership = [] as unknown as ServerPorts['membership'];
  for (let i = 0; i < 4; i += 1) membership.push(await freePort());
  return { frontend: frontend ?? (await freePort()), frontendHttp, history, matching, worker, membership, metrics };
}

function serverDatabase(databaseUrl: string, databases: ServerDatabase['databases'] = temporalDatabases): ServerDatabase {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    databases: { ...databases },
  };
}

/** Creates the database when missing, sets up versioning once, then upgrades to the release's schema. */
async function prepareSchema(sqlTool: string, database: ServerDatabase, store: keyof typeof temporalSchemas): Promise<void> {
  const name = database.databases[store];
  const connection = { host: database.host, port: database.port, user: database.user, password: database.password };
  const admin = new pg.Client({ ...connection, database: 'postgres' });
  await admin.connect();
  let versioned = false;
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    const db = new pg.Client({ ...connection, database: name });
    await db.connect();
    versioned = (await db.query<{ present: boolean }>(`SELECT to_regclass('schema_version') IS NOT NULL AS present`)).rows[0].present;
    await db.end();
  } finally {
    await admin.end();
  }
  const tool = (...args: string[]) =>
    run(sqlTool, ['--plugin', 'postgres12', '--ep', database.host, '-p', String(database.port), '-u', database.user, '--db', name, ...args], {
      env: { ...process.env, SQL_PASSWORD: database.password },
    }).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`temporal-sql-tool ${args[0]} on ${name} failed: ${err.stderr || err.message}`);
    });
  if (!versioned) await tool('setup-schema', '-v', '0.0');
  await tool('update-schema', '--schema-name', temporalSchemas[store]);
}

async function registerNamespace(address: string, namespace: string, tls?: ConnectionOptions['tls']): Promise<void> {
  const connection = await Connection.connect({ address, tls });
  try {
    const registered = await connection.workflowService.describeNamespace({ namespace }).then(
      () => false,
      async () => {
        await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') });
        return true;
      },
    );
    if (registered) await untilNamespaceServed(connection, namespace);
  } finally {
    await connection.close();
  }
}

/** gRPC status NOT_FOUND */
const grpcNotFound = 5;
/** TASK_QUEUE_TYPE_WORKFLOW */
const workflowTaskQueue = 1;

/**
 * A namespace just registered is in the database at once but reaches the services' namespace caches
 * only at their next refresh (seconds later): a worker polling before then fails "Namespace default is
 * not found" and exits (seen on a fresh machine's first `npm run bench -- --cluster`). Waits until a
 * call that goes through the frontend's and matching's caches finds it.
 */
async function untilNamespaceServed(connection: Connection, namespace: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: 'reelay-namespace-probe' }, taskQueueType: workflowTaskQueue });
      return;
    } catch (err) {
      if (!isGrpcServiceError(err) || Number(err.code) !== grpcNotFound || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
