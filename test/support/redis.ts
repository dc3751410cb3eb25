import { spawn, type ChildProcess } from 'node:child_process';
import Redis from 'ioredis';

/**
 * A real Redis for the tests: REDIS_URL when set (CI starts one), otherwise a throwaway
 * `redis-server` on a free port. There is no fallback: the shared-limit tests need the real thing.
 */
export async function startTestRedis(port: number): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  let child: ChildProcess;
  try {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve).once('error', reject);
    });
  } catch {
    throw new Error('The tests need Redis: set REDIS_URL, or install redis-server (apt-get install redis-server)');
  }
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {}); // refused connections while the server starts are expected
  for (let attempt = 0; ; attempt += 1) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (err) {
      if (attempt > 50) throw err;
      client.disconnect();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.disconnect();
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}
