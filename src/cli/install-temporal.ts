import { goAvailable } from '../dev/go-install';
import { buildTemporalCli, findTemporalCli, temporalCliVersion } from '../dev/temporal/cli';

/**
 * `npm run temporal:install`: makes sure a Temporal CLI is available (TEMPORAL_CLI, PATH, the cache, or
 * a fresh build with Go) and prints its path on stdout; progress goes to stderr. CI runs it before the
 * tests so the build is not counted against the test timeout.
 */
async function main() {
  const found = findTemporalCli(process.env.TEMPORAL_CLI || undefined);
  if (found) {
    console.error(`Temporal CLI found (${found.source})`);
    console.log(found.path);
    return;
  }
  if (!goAvailable()) {
    console.error('No Temporal CLI and no Go toolchain: install Go, or set TEMPORAL_CLI to a `temporal` binary');
    process.exit(1);
  }
  console.error(`Building the Temporal CLI ${temporalCliVersion} with Go (several minutes, once)…`);
  const started = Date.now();
  let lastReport = 0;
  const built = await buildTemporalCli((done, total) => {
    if (Date.now() - lastReport < 15_000 && done < total) return;
    lastReport = Date.now();
    console.error(`  ${done}/${total} packages, ${Math.round((Date.now() - started) / 1000)}s`);
  });
  console.error(`Built in ${Math.round((Date.now() - started) / 1000)}s`);
  console.log(built.path);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
