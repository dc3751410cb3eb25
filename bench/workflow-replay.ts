import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';

/**
 * `flock /work/bench.lock npx tsx bench/workflow-replay.ts [--rounds=N] [--turns=T] <bundle.js> ...`:
 * the workflow thread's own cost, apart from everything else a step does. Replays the recorded histories
 * (test/histories/recorded) N times in one replay worker per bundle (`npm run build` writes one), T turns
 * of each bundle in alternation, and prints the median CPU per replayed film and per workflow task. Each replay is a new workflow
 * instance, so this counts what a film pays when it starts or when the worker's cache evicted it:
 * evaluating the bundle's modules, then its activations. Bundles compared in one run share the load.
 */
const recorded = path.join(__dirname, '..', 'test', 'histories', 'recorded');
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9)) || 20;
const turns = Number(process.argv.find((a) => a.startsWith('--turns='))?.slice(8)) || 3;
const bundles = process.argv.slice(2).filter((a) => !a.startsWith('--'));

async function recordedHistories() {
  const files = (await readdir(recorded)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (file) => historyFromJSON(JSON.parse(await readFile(path.join(recorded, file), 'utf8')))));
}

/** CPU milliseconds of this process (the replay worker's threads included) to replay the histories `rounds` times. */
async function replayTurn(codePath: string, histories: Awaited<ReturnType<typeof recordedHistories>>, rounds: number) {
  const runs = Array.from({ length: rounds }, (_, round) => histories.map((history, i) => ({ workflowId: `replay-${round}-${i}`, history }))).flat();
  const started = process.cpuUsage();
  // The tracing interceptors' span sink, as the worker registers it (worker/tracing.ts): dropped here.
  const sinks = { exporter: { export: { fn: () => {} } } };
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath }, sinks }, runs)) {
    if (result.error) throw new Error(`${result.workflowId} did not replay against ${codePath}: ${result.error.message}`);
  }
  const spent = process.cpuUsage(started);
  return (spent.user + spent.system) / 1000;
}

async function main() {
  if (!bundles.length) throw new Error('Name one or more workflow bundles (dist/workflow-bundle.js after `npm run build`).');
  const histories = await recordedHistories();
  const workflowTasks = histories.reduce((sum, h) => sum + h.events!.filter((e) => e.workflowTaskCompletedEventAttributes).length, 0);
  const cpuMs = new Map(bundles.map((b) => [b, [] as number[]]));
  await replayTurn(bundles[0], histories, 1); // warm-up: the SDK's runtime
  for (let turn = 0; turn < turns; turn++) for (const bundle of bundles) cpuMs.get(bundle)!.push((await replayTurn(bundle, histories, rounds)) / rounds);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${histories.length} histories, ${workflowTasks} workflow tasks a round, ${rounds} rounds in each of ${turns} turns`);
  for (const [bundle, spent] of cpuMs) {
    const ms = median(spent);
    console.log(`${bundle}: median ${ms.toFixed(0)} ms CPU a round = ${(ms / histories.length).toFixed(2)} ms a film, ${(ms / workflowTasks).toFixed(3)} ms a workflow task`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
