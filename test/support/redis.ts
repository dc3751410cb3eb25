import { startEmbeddedRedis } from '../../src/dev/embedded-redis';

/**
 * A real Redis for the tests: REDIS_URL when set, otherwise a throwaway server on `port` (redis-server
 * or valkey-server from PATH, or Valkey fetched once into ~/.cache/reelay: see src/dev/redis-binary.ts).
 * There is no in-memory stand-in: the shared-limit tests need the real thing.
 */
export async function startTestRedis(port: number): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const redis = await startEmbeddedRedis({ port, onProgress: (message) => console.error(`Redis for the tests: ${message}`) });
  return { url: redis.url, stop: redis.stop };
}
