import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { resolveRedisServer, type ResolvedRedisServer } from './redis-binary';

export interface EmbeddedRedis {
  url: string;
  server: ResolvedRedisServer;
  /** Stops the server and waits for it to exit. */
  stop: () => Promise<void>;
}

export interface EmbeddedRedisOptions {
  port: number;
  /** A server binary already resolved; found or fetched (resolveRedisServer) otherwise. */
  server?: ResolvedRedisServer;
  onProgress?: (message: string) => void;
  startTimeoutMs?: number;
}

/**
 * A throwaway Redis-protocol server on 127.0.0.1:`port`, in memory only (no RDB, no AOF), ready when
 * this resolves (it answers PING, and it is this process that answers).
 */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const { port, startTimeoutMs = 10_000 } = options;
  const server = options.server ?? (await resolveRedisServer({ onProgress: options.onProgress }));
  const child = spawn(
    server.path,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Kept for the error message when it does not come up (a port in use, a bad binary); always drained.
  let output = '';
  const keep = (chunk: string) => (output = (output + chunk).slice(-2000));
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  // A parent that exits without stop() (a crash, process.exit) does not leave the server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const running = () => child.exitCode === null && child.signalCode === null && !spawnError;
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.pid === undefined || !running()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (!running()) {
      await stop();
      const why = spawnError?.message ?? `exit code ${child.exitCode ?? child.signalCode}`;
      throw new Error(`${server.path} did not start (${why}): ${output.trim()}`);
    }
    // Ours, not another server that holds the port (then ours exits with "Address already in use").
    if ((await serverPid(url)) === child.pid) return { url, server, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${server.path} did not answer PING on ${url} within ${startTimeoutMs} ms: ${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The pid of the server answering on `url`, once it answers PING; undefined while it does not. */
async function serverPid(url: string): Promise<number | undefined> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
  client.on('error', () => {}); // refused connections while the server starts are expected
  try {
    await client.connect();
    if ((await client.ping()) !== 'PONG') return undefined;
    const pid = /^process_id:(\d+)/m.exec(await client.info('server'))?.[1];
    return pid === undefined ? undefined : Number(pid);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}
