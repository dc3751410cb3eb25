import { mochaGlobalTeardown, testStack } from '../test/support/test-stack';
import { measurePayOnce, type PayOnceResult } from '../test/support/pay-once';

/**
 * `npm run pay-once`: how often a user pays twice when a worker dies between a provider accepting a task
 * and Reelay recording its id. For each provider's stand-in, `--films=N` (20) one-scene films, each cut off
 * by kill -9 of the worker right after the provider accepted its submit; the tasks the provider saw beyond
 * one per film are the ones paid twice. docs/providers.md ("Paying once") holds the last result.
 */
const films = Number(process.argv.find((a) => a.startsWith('--films='))?.split('=')[1] ?? 20);
const providers = ['replicate', 'luma', 'fal', 'runway'] as const;

async function main(): Promise<void> {
  const stack = await testStack();
  const results: PayOnceResult[] = [];
  try {
    for (const provider of providers) {
      const started = Date.now();
      const result = await measurePayOnce(stack, provider, films);
      results.push(result);
      console.log(`${provider}: ${result.films} films, ${result.cutOff} cut off by ${result.kills} kills, ${result.extraTasks} tasks paid twice (${Math.round((Date.now() - started) / 1000)} s)`);
    }
  } finally {
    await mochaGlobalTeardown();
  }
  console.log('\n| provider | films cut off by kill -9 after submit | worker kills | tasks paid twice |\n| --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.provider} | ${r.cutOff} of ${r.films} | ${r.kills} | ${r.extraTasks} |`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
