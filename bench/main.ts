import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Client, Connection } from '@temporalio/client';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres';
import { migrateDatabase } from '../src/storage/migrate';
import { createLogger } from '../src/platform/logger';
import { ServiceSimulator } from '../src/dev/simulator/simulator';
import { startLocalTemporal } from '../src/dev/temporal/local-temporal';
import { writeBenchmarks } from './benchmarks-file';
import { ownPathPhase } from './gateway-own-path';
import { jsonHistory } from '../src/dev/history-cost';
import { appProcesses, productionImageEnv, randomWebhookSecrets } from './app-processes';
import { NodeProcess, root, runJson } from './processes';
import { createSinkProjects, orchestrationLatency, pacedOrchestration, sampledCost, scaleRun, signalCeiling, sweep, type LoadResult, type Sweep } from './phases';
import { serverEnginePhases } from './server-engine';
import { mediaPhase, mediaRows } from './media-phase';
import { capsGoals, capsPhase, capsRows, type CapsBench } from './caps-phase';
import { freePort, machineDescription } from './support';
import { cpuComparison, floorRun, perStep, servicePids, type FloorResult } from './floor/floor-phase';

/**
 * `npm run bench`: throughput, latency and scale, each beside its ceiling, in one run on this machine.
 * Everything runs as separate processes (Temporal, PostgreSQL, worker, gateway, load generator) so the
 * numbers are what a small deployment on one box would see. Results go to stdout and BENCHMARKS.md.
 */
const quick = process.argv.includes('--quick');
/** --cluster: the signal ceiling, orchestration and a scale run again on the real Temporal server (PostgreSQL). */
const onCluster = process.argv.includes('--cluster');
const durationSeconds = quick ? 3 : 8;
const concurrencies = quick ? [8, 32] : [8, 32, 64, 128];
/** --scale=PxS runs that one scale phase alone (no report), e.g. to try a worker setting: --scale=1000x10. */
const scaleOnly = process.argv.find((a) => a.startsWith('--scale='))?.slice(8).split('x').map(Number);
/** Films at once: the same films × scenes at a fifth of the concurrency, then at full, to show there is no collapse. */
const scaleRuns = scaleOnly
  ? [{ projects: scaleOnly[0], scenes: scaleOnly[1] }]
  : quick
    ? [{ projects: 20, scenes: 3 }, { projects: 100, scenes: 3 }]
    : [{ projects: 200, scenes: 10 }, { projects: 1000, scenes: 10 }];
/** --paced=N runs the paced orchestration phase alone with N films and prints its slowest steps, to find stalls; --histories=dir writes their films. */
const pacedOnly = Number(process.argv.find((a) => a.startsWith('--paced='))?.slice(8)) || undefined;
const historiesDir = process.argv.find((a) => a.startsWith('--histories='))?.slice(12);
const latencyProjects = quick ? 50 : 200;
/** --media runs the media phase alone (ffmpeg's steps and the S3 copy against a bare PutObject). */
const mediaOnly = process.argv.includes('--media');
/** --caps runs the provider-caps phase alone (1,000 one-scene films at a stand-in capped at 20; --caps=FILMS for fewer; --caps-one-process on the development stack in one process). */
const capsArg = process.argv.find((a) => a === '--caps' || a.startsWith('--caps='));
const capsFilms = Number(capsArg?.split('=')[1]) || (quick ? 200 : 1000);
const mediaOptions = quick ? { runs: 3, mebibytes: 16 } : {};
/** --gateway runs the gateway's own path (signal stubbed) against Koa with one INSERT alone, with CPU per request of each. */
const gatewayOnly = process.argv.includes('--gateway');
const sinkCount = 300;


const secrets = randomWebhookSecrets();

async function main() {
  const started = Date.now();
  if (mediaOnly) return printMediaPhase();
  if (capsArg) return printCapsPhase();
  const totalSteps = onCluster ? 11 : 10;
  const bar = new SingleBar({ format: ' {bar} {value}/{total} | {phase} | {duration_formatted}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 10_000 }, Presets.shades_classic);
  bar.start(totalSteps, 0, { phase: 'starting Temporal and PostgreSQL' });
  const step = (phase: string) => bar.increment(1, { phase });

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-bench-'));
  const logger = createLogger({ level: 'silent' });
  const temporal = await startLocalTemporal({ cliPath: process.env.TEMPORAL_CLI || undefined, namespace: 'default', dataDir, port: await freePort(), ephemeral: true });
  const database = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort() });
  await migrateDatabase(database.url);
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: 'default' });

  // The worker and the gateway run as production runs them: compiled by `npm run build`, the worker
  // loading the prebuilt workflow bundle (no tsx loader thread, no webpack in their processes).
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });

  const simulator = new ServiceSimulator({ secrets, delayMs: 0, logger, maxDeliveryAttempts: 50 });
  const simulatorUrl = await simulator.start(0);
  const image = productionImageEnv();
  const appEnv = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      STEP_TIMEOUT_VIDEO_SECONDS: '3600',
      STEP_TIMEOUT_LAST_FRAME_SECONDS: '3600',
      STEP_TIMEOUT_STITCH_SECONDS: '3600',
      ...(process.env.WORKER_MAX_CACHED_WORKFLOWS ? { WORKER_MAX_CACHED_WORKFLOWS: process.env.WORKER_MAX_CACHED_WORKFLOWS } : {}),
      ...image,
      // To compare with the SDK's stack recording on (the image sets it off): WORKFLOW_STACK_TRACES=on npm run bench.
      ...(process.env.WORKFLOW_STACK_TRACES ? { WORKFLOW_STACK_TRACES: process.env.WORKFLOW_STACK_TRACES } : {}),
      // Plus a heap sized as Node sizes it in a 1 GiB container (Node follows the cgroup limit); an
      // uncapped V8 heap on this 24 GiB machine grows lazily and says little about what the process needs.
      NODE_OPTIONS: process.env.BENCH_APP_NODE_OPTIONS ?? `${image.NODE_OPTIONS ?? ''} --max-old-space-size=256`.trim(),
  };
  const { worker, gateway, gatewayUrl, env } = await appProcesses({ databaseUrl: database.url, temporalAddress: temporal.address, simulatorUrl, secrets, built: true, env: appEnv });
  const processes = [worker, gateway];
  const results: Record<string, unknown> = {};

  try {
    await Promise.all([worker.start(), gateway.start()]);
    const services = await servicePids('dev');
    if (pacedOnly) {
      const paced = await pacedOrchestration(simulator, client, gatewayUrl, 'paced', pacedOnly);
      bar.stop();
      const { ids, ...summary } = paced;
      // --histories=dir: the slowest steps' films' histories, to read what the workflow waited for.
      if (historiesDir) {
        for (const { projectId } of paced.slowest) {
          const events = await jsonHistory(client.workflow.getHandle(`project-${projectId}`));
          await writeFile(path.join(historiesDir, `${projectId}.json`), JSON.stringify(events, null, 1));
        }
      }
      console.log(JSON.stringify({ ...summary, cost: await sampledCost(client, ids, paced.scenes) }, null, 2));
      return;
    }
    if (scaleOnly) {
      const [{ projects, scenes }] = scaleRuns;
      bar.update({ phase: `engine floor: ${projects} × ${scenes}` });
      const engineFloor = await floorRun(temporal.address, projects, scenes, env, services);
      const run = await scaleRun(simulator, client, gatewayUrl, projects, scenes, { worker, gateway }, (done) =>
        bar.update({ phase: `scale: ${done}/${projects} done` }),
      'scale', services);
      bar.stop();
      const { ids, ...summary } = run;
      const cpuPerStepMs = { scale: perStep(run.cpu, run.steps), floor: perStep(engineFloor.cpu, engineFloor.steps) };
      console.log(JSON.stringify({ ...summary, engineFloor, ofFloor: run.stepsPerSecond / engineFloor.stepsPerSecond, cpuPerStepMs, cost: await sampledCost(client, ids, scenes) }, null, 2));
      return;
    }

    // Projects whose video never calls back: workflows that wait, to send signals and webhooks to.
    step(`creating ${sinkCount} waiting projects as signal targets`);
    const sinks = await createSinkProjects(simulator, gatewayUrl, 'sink-', sinkCount);
    if (gatewayOnly) {
      bar.update({ phase: "the gateway's own path against Koa + INSERT" });
      const own = await ownPathPhase({ databaseUrl: database.url, env, webhook: { secret: secrets['stitch-complete'], projectIds: sinks }, concurrencies: [32, 64], durationSeconds: quick ? 3 : 5, postgresPid: services.postgres });
      bar.stop();
      console.log(JSON.stringify({ load: os.loadavg().map((l) => l.toFixed(2)).join(' '), ...own }, null, 2));
      return;
    }

    step('ceilings: bare Koa and Temporal signals');
    const barePort = await freePort();
    const bare = new NodeProcess('bare-koa', 'bench/bare-koa.ts', { PORT: String(barePort) }, `http://127.0.0.1:${barePort}/`);
    await bare.start();
    const sampleBody = { task_id: 't', status: 'completed', project_id: 'sink-1', final_video_url: 'https://cdn.example.com/f.mp4' };
    results.bareKoa = await sweep(concurrencies, (c) => runJson<LoadResult>('bench/load-generator.ts', { url: `http://127.0.0.1:${barePort}/`, connections: c, durationSeconds, body: sampleBody }));
    await bare.stop();
    const floorPort = await freePort();
    const floor = new NodeProcess('koa-insert', 'bench/bare-koa-insert.ts', { PORT: String(floorPort), DATABASE_URL: database.url }, `http://127.0.0.1:${floorPort}/`);
    await floor.start();
    results.floor = await sweep(concurrencies, (c) => runJson<LoadResult>('bench/load-generator.ts', { url: `http://127.0.0.1:${floorPort}/`, connections: c, durationSeconds, body: sampleBody }));
    await floor.stop();
    results.signalCeiling = await signalCeiling(concurrencies, temporal.address, sinks, durationSeconds);

    step('gateway: full path, then with the signal stubbed');
    const webhook = { secret: secrets['stitch-complete'], projectIds: sinks };
    results.gateway = await sweep(concurrencies, (c) =>
      runJson<LoadResult>('bench/load-generator.ts', { url: `${gatewayUrl}/api/webhooks/stitch-complete`, connections: c, durationSeconds, webhook }),
    );
    const stubPort = await freePort();
    const stubbed = new NodeProcess('gateway-stubbed', 'bench/gateway-stubbed-signal.ts', { ...env, PORT: String(stubPort) }, `http://127.0.0.1:${stubPort}/health`);
    await stubbed.start();
    results.gatewayStubbed = await sweep(concurrencies, (c) =>
      runJson<LoadResult>('bench/load-generator.ts', { url: `http://127.0.0.1:${stubPort}/api/webhooks/stitch-complete`, connections: c, durationSeconds, webhook }),
    );
    await stubbed.stop();

    step(`orchestration: ${latencyProjects} concurrent projects, instant services`);
    simulator.behaviour = () => undefined;
    results.orchestration = await orchestrationLatency(simulator, client, gatewayUrl, 'instant', latencyProjects, 5);

    // Instant services keep every project busy at once: that measures queueing at saturation. Real
    // services take seconds to minutes (see pacedOrchestration).
    step(`orchestration: ${latencyProjects} concurrent projects, tasks of 10-30 s`);
    const paced = await pacedOrchestration(simulator, client, gatewayUrl, 'paced', latencyProjects);
    results.orchestrationPaced = paced;

    step(`scale: ${scaleRuns.map((s) => `${s.projects}`).join(', then ')} projects of ${scaleRuns[0].scenes} scenes at once`);
    const scaleResults = [];
    for (const s of scaleRuns) {
      // Fresh processes, so peak memory belongs to this run alone.
      await Promise.all(processes.map((p) => p.stop()));
      await Promise.all(processes.map((p) => p.start()));
      scaleResults.push(
        await scaleRun(simulator, client, gatewayUrl, s.projects, s.scenes, { worker, gateway }, (done) =>
          bar.update({ phase: `scale: ${done}/${s.projects} projects of ${s.scenes} scenes done` }),
        'scale', services),
      );
    }
    // The engine's floor at the largest scale run's films × scenes, with our worker and gateway stopped.
    const largest = scaleRuns[scaleRuns.length - 1];
    bar.update({ phase: `engine floor: ${largest.projects} films × ${largest.scenes} scenes` });
    await Promise.all(processes.map((p) => p.stop()));
    results.engineFloor = await floorRun(temporal.address, largest.projects, largest.scenes, env, services);
    results.scaleSmall = scaleResults[0];
    results.scale = scaleResults[scaleResults.length - 1];
    // A scene's cost as designed (half of capacity), and what overload adds (timed-out workflow tasks).
    results.cost = await sampledCost(client, paced.ids, paced.scenes);
    results.costOverloaded = await sampledCost(client, scaleResults[scaleResults.length - 1].ids, scaleRuns[0].scenes);

    if (onCluster) {
      step('the same phases on the Temporal server with PostgreSQL');
      await Promise.all(processes.map((p) => p.stop()));
      results.server = await serverEnginePhases({
        databaseUrl: database.url,
        dataDir,
        simulator,
        secrets,
        env: appEnv,
        concurrencies,
        durationSeconds,
        sinks: sinkCount,
        latencyProjects,
        scale: scaleRuns[0],
        onPhase: (phase) => bar.update({ phase }),
      });
    }

    step('media: last frame and stitch with ffmpeg, copies into SeaweedFS');
    results.media = await mediaPhase(dataDir, mediaOptions);

    // On a stack of its own (the test stack, in this process), once this run's processes are stopped.
    step(`provider caps: ${capsFilms} films at a stand-in capped at 20`);
    await Promise.all(processes.map((p) => p.stop()));
    results.caps = await capsPhase({ films: capsFilms, onProgress: (phase) => bar.update({ phase }) });

    step('writing BENCHMARKS.md');
    const report = await renderReport(results as never, Date.now() - started);
    bar.update(totalSteps, { phase: 'done' });
    bar.stop();
    console.log(`\n${report.table}`);
    await writeBenchmarks(report.markdown);
    console.log('\nWritten to BENCHMARKS.md');
  } finally {
    bar.stop();
    await Promise.all(processes.map((p) => p.stop()));
    await simulator.stop();
    await connection.close();
    await database.stop();
    await temporal.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}


async function renderReport(
  r: {
    bareKoa: Sweep;
    floor: Sweep;
    signalCeiling: Sweep;
    gateway: Sweep;
    gatewayStubbed: Sweep;
    orchestration: Awaited<ReturnType<typeof orchestrationLatency>>;
    orchestrationPaced: Awaited<ReturnType<typeof orchestrationLatency>>;
    scale: Awaited<ReturnType<typeof scaleRun>>;
    scaleSmall: Awaited<ReturnType<typeof scaleRun>>;
    engineFloor: FloorResult;
    cost: Awaited<ReturnType<typeof sampledCost>>;
    costOverloaded: Awaited<ReturnType<typeof sampledCost>>;
    server?: Awaited<ReturnType<typeof serverEnginePhases>>;
    media?: Awaited<ReturnType<typeof mediaPhase>>;
    caps?: CapsBench;
  },
  elapsedMs: number,
) {
  const rps = (s: Sweep) => Math.round(s.best.requestsPerSecond);
  const lat = (s: Sweep) => `${s.best.p50} / ${s.best.p99} ms`;
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const engines = r.server ? engineRows(r, ratio) : undefined;
  const retried = (byKind: Record<string, number>) =>
    Object.keys(byKind).length ? `workflow tasks retried: ${Object.entries(byKind).map(([k, n]) => `${n} ${k}`).join(', ')}` : 'no workflow task retried';
  const gatewayToSignals = r.gateway.best.requestsPerSecond / r.signalCeiling.best.requestsPerSecond;
  const stubToFloor = r.gatewayStubbed.best.requestsPerSecond / r.floor.best.requestsPerSecond;
  const signals = r.signalCeiling.best.requestsPerSecond;
  const { cost, costOverloaded, scale, scaleSmall, engineFloor } = r;
  const floorRate = engineFloor.stepsPerSecond;
  const cpu = cpuComparison(scale, engineFloor);
  const goals = [
    ['a scene: ≤ 14 history events', cost.events <= 14, `${cost.events} (most in ${cost.scenes} scenes of ${cost.films} films at half of capacity)`],
    ['a scene: ≤ 1 workflow task per callback', cost.workflowTasksPerCallback <= 1, `${cost.workflowTasksPerCallback}`],
    ['a scene: ≤ 6 billable actions', cost.billableActions <= 6, `${cost.billableActions} (${Object.entries(cost.costliest.actions).map(([k, v]) => `${v} ${k}`).join(', ')})`],
    [`${scale.projects} × ${scale.scenes} films ≥ 0.5 × the engine's floor, in scene steps/s`, scale.stepsPerSecond >= 0.5 * floorRate, `${scale.stepsPerSecond.toFixed(0)}/s against ${floorRate.toFixed(0)}/s = ${ratio(scale.stepsPerSecond, floorRate)}`],
    [`our CPU per step (gateway + worker + PostgreSQL) ≤ 1.5 × the floor's (worker + client)`, cpu.ratio <= 1.5, `${cpu.oursMs.toFixed(1)} ms against ${cpu.floorMs.toFixed(1)} ms = ${cpu.ratio.toFixed(2)}`],
    [`${scale.projects} films at once within 15% of ${scaleSmall.projects}`, scale.stepsPerSecond >= 0.85 * scaleSmall.stepsPerSecond, `${scale.stepsPerSecond.toFixed(0)}/s vs ${scaleSmall.stepsPerSecond.toFixed(0)}/s = ${ratio(scale.stepsPerSecond, scaleSmall.stepsPerSecond)}`],
    ['webhook 200 → next call p99 ≤ 150 ms at half of capacity (tasks of 10-30 s)', r.orchestrationPaced.p99 <= 150, `${r.orchestrationPaced.p99} ms`],
    ['webhook 200 → next call at most 2 s at half of capacity (tasks of 10-30 s): no stalled step', r.orchestrationPaced.max <= 2000, `${r.orchestrationPaced.max} ms`],
    [`worker peak RSS ≤ 300 MiB through ${scale.projects} films`, (scale.workerPeakMiB ?? Infinity) <= 300, `${scale.workerPeakMiB} MiB`],
    [`gateway peak RSS ≤ 150 MiB`, (scale.gatewayPeakMiB ?? Infinity) <= 150, `${scale.gatewayPeakMiB} MiB`],
    ['gateway ≥ 0.8 × signal ceiling', gatewayToSignals >= 0.8, ratio(r.gateway.best.requestsPerSecond, signals)],
    ["gateway's own path ≥ 0.7 × Koa with one INSERT", stubToFloor >= 0.7, ratio(r.gatewayStubbed.best.requestsPerSecond, r.floor.best.requestsPerSecond)],
    [`${scale.projects} × ${scale.scenes} films all completed, no step lost or doubled`, scale.completed === scale.projects && scale.stepsWrong === 0, `${scale.completed}/${scale.projects}, ${scale.stepsWrong} wrong`],
    ...(r.caps ? capsGoals(r.caps) : []),
  ] as const;
  const rows = [
    ['bare Koa JSON endpoint (HTTP ceiling)', `${rps(r.bareKoa)}/s`, lat(r.bareKoa), `c=${r.bareKoa.best.concurrency}`, '1.00'],
    ['Koa + one durable INSERT (floor of a recording gateway)', `${rps(r.floor)}/s`, lat(r.floor), `c=${r.floor.best.concurrency}`, ratio(r.floor.best.requestsPerSecond, r.bareKoa.best.requestsPerSecond)],
    ['Temporal signals, tight client loop (engine ceiling)', `${rps(r.signalCeiling)}/s`, lat(r.signalCeiling), `c=${r.signalCeiling.best.concurrency}`, '1.00'],
    ['gateway, full path (verify, validate, store, signal)', `${rps(r.gateway)}/s`, lat(r.gateway), `c=${r.gateway.best.concurrency}`, `${ratio(r.gateway.best.requestsPerSecond, r.signalCeiling.best.requestsPerSecond)} of signals`],
    ['gateway, signal stubbed (its own cost)', `${rps(r.gatewayStubbed)}/s`, lat(r.gatewayStubbed), `c=${r.gatewayStubbed.best.concurrency}`, `${ratio(r.gatewayStubbed.best.requestsPerSecond, r.floor.best.requestsPerSecond)} of Koa + INSERT`],
    [`webhook 200 → next service call, ${r.orchestration.projects} projects, instant tasks`, `${r.orchestration.samples} steps`, `${r.orchestration.p50} / ${r.orchestration.p99} ms`, `max ${r.orchestration.max} ms`, ''],
    [`webhook 200 → next service call, ${r.orchestrationPaced.projects} projects, tasks of 10-30 s`, `${r.orchestrationPaced.samples} steps`, `${r.orchestrationPaced.p50} / ${r.orchestrationPaced.p99} ms`, `max ${r.orchestrationPaced.max} ms`, `${r.orchestrationPaced.beforeAnswer} calls made before the 200 was back (counted as 0)`],
    [
      `engine floor: minimal workflow of the film's shape, ${engineFloor.films} films × ${scale.scenes} scenes`,
      `${floorRate.toFixed(0)} steps/s`,
      `${engineFloor.seconds.toFixed(0)} s total`,
      'signal → no-op local activity → next signal or deadline',
      `1.00; ${engineFloor.completed}/${engineFloor.films} completed`,
    ],
    ...[scaleSmall, scale].map((s) => [
      `scale: ${s.projects} films × ${s.scenes} scenes at once`,
      `${s.stepsPerSecond.toFixed(0)} steps/s`,
      `${s.seconds.toFixed(0)} s total`,
      `peak RSS worker ${s.workerPeakMiB} MiB, gateway ${s.gatewayPeakMiB} MiB`,
      `${ratio(s.stepsPerSecond, floorRate)} of the floor, ${ratio(s.stepsPerSecond, signals)} of signals; ${s.completed}/${s.projects} completed`,
    ]),
    [`CPU per step, scale ${scale.projects} × ${scale.scenes}`, cpu.ours, '', '', ''],
    [`CPU per step, engine floor ${engineFloor.films} × ${scale.scenes}`, cpu.floor, '', '', ''],
    ...(
      [
        [cost, `${r.orchestrationPaced.projects} projects, tasks of 10-30 s`],
        [costOverloaded, `${scale.projects} films at once, overloaded`],
      ] as const
    ).map(([c, where]) => [
      `a scene, the most of ${c.scenes} sampled (${where})`,
      `${c.billableActions} actions`,
      `${c.events} events (whole film: ${c.filmEventsPerScene} a scene)`,
      `${c.workflowTasksPerCallback} workflow task per callback`,
      `${retried(c.workflowTasksRetried)}; signal → its workflow task done p99 ${c.signalToTaskDone.p99} ms, max ${c.signalToTaskDone.max} ms`,
    ]),
    ...(r.media ? mediaRows(r.media) : []),
    ...(r.caps ? capsRows(r.caps) : []),
  ];
  const header = ['measure', 'throughput', 'p50 / p99', 'at', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  const table = [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    ...goals.map(([goal, ok, value]) => `${ok ? 'MET ' : 'MISS'}  ${goal}: ${value}`),
    ...(engines ? ['', 'Engines (dev server | Temporal server on PostgreSQL):', ...engines.map((row) => `  ${row.join(' | ')}`)] : []),
  ].join('\n');

  const levels = (name: string, s: Sweep) =>
    `| ${name} | ${s.levels.map((l) => `c=${l.concurrency}: ${Math.round(l.requestsPerSecond)}/s (p99 ${l.p99} ms)`).join('; ')} |`;
  const markdown = `# Benchmarks

Written by \`npm run bench\`${quick ? ' --quick' : ''} on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${(elapsedMs / 60000).toFixed(1)} minutes.

${await machineDescription()}

Every part runs as its own process on this one machine (Temporal dev server with in-memory SQLite,
PostgreSQL ${'(embedded, fsync on)'}, the worker, the gateway with \`NODE_ENV=production\` and
\`LOG_LEVEL=warn\`, the service simulator with instant tasks, and autocannon as the external load
generator), so they all share its cores: the ratios say more than the absolute numbers.

| measure | throughput | p50 / p99 | at | ratio |
| --- | --- | --- | --- | --- |
${rows.map((row) => `| ${row.join(' | ')} |`).join('\n')}

## Goals

| goal | met | measured |
| --- | --- | --- |
${goals.map(([goal, ok, value]) => `| ${goal} | ${ok ? 'yes' : '**no**'} | ${value} |`).join('\n')}

## Concurrency sweeps (until throughput stops growing)

| run | levels |
| --- | --- |
${levels('bare Koa', r.bareKoa)}
${levels('Temporal signals', r.signalCeiling)}
${levels('gateway, full path', r.gateway)}
${levels('gateway, signal stubbed', r.gatewayStubbed)}
${
  engines
    ? `
## Engines side by side (\`--cluster\`)

The same worker and gateway against the Temporal dev server (in-memory SQLite) and against the real
Temporal server (\`temporal-server\` 1.29.1, all services in one process) persisting to the same
embedded PostgreSQL as the app (fsync on), one after the other in this run.

| measure | dev server | Temporal server on PostgreSQL |
| --- | --- | --- |
${engines.map((row) => `| ${row.join(' | ')} |`).join('\n')}
`
    : ''
}`;
  return { table, markdown };
}

/** One row per measure, dev server beside the Temporal server, for `--cluster`. */
function engineRows(r: Parameters<typeof renderReport>[0], ratio: (a: number, b: number) => string): string[][] {
  const server = r.server!;
  const dev = { signalCeiling: r.signalCeiling, orchestrationPaced: r.orchestrationPaced, scale: r.scaleSmall, cost: r.cost };
  const cell = {
    signals: (e: typeof dev) => `${Math.round(e.signalCeiling.best.requestsPerSecond)}/s (p99 ${e.signalCeiling.best.p99} ms, c=${e.signalCeiling.best.concurrency})`,
    paced: (e: typeof dev) => `${e.orchestrationPaced.p50} / ${e.orchestrationPaced.p99} ms`,
    scale: (e: typeof dev) =>
      `${e.scale.stepsPerSecond.toFixed(0)} steps/s = ${ratio(e.scale.stepsPerSecond, e.signalCeiling.best.requestsPerSecond)} of its signals; ${e.scale.completed}/${e.scale.projects} completed, ${e.scale.stepsWrong} wrong`,
    memory: (e: typeof dev) => `worker ${e.scale.workerPeakMiB} MiB, gateway ${e.scale.gatewayPeakMiB} MiB`,
    cost: (e: typeof dev) => `${e.cost.events} events, ${e.cost.billableActions} actions, ${e.cost.workflowTasksPerCallback} workflow task per callback`,
  };
  return [
    ['Temporal signals, tight client loop', cell.signals(dev), cell.signals(server)],
    [`webhook 200 → next call, ${r.orchestrationPaced.projects} projects, tasks of 10-30 s (p50 / p99)`, cell.paced(dev), cell.paced(server)],
    [`scale: ${r.scaleSmall.projects} films × ${r.scaleSmall.scenes} scenes`, cell.scale(dev), cell.scale(server)],
    ['peak RSS in that scale run', cell.memory(dev), cell.memory(server)],
    ['a scene (most, at half of capacity)', cell.cost(dev), cell.cost(server)],
    ...floorRows([r.scale, r.engineFloor], [server.scale, server.engineFloor], ratio),
  ];
}

/** The engine's floor on each engine, a scale run as a share of it, and the CPU split against it. */
type ScaleAndFloor = [Awaited<ReturnType<typeof scaleRun>>, FloorResult];
function floorRows(dev: ScaleAndFloor, server: ScaleAndFloor, ratio: (a: number, b: number) => string): string[][] {
  const engines = [dev, server];
  const size = (s: { projects: number; scenes: number }) => `${s.projects} × ${s.scenes}`;
  return [
    ['engine floor (minimal workflow of the film\'s shape)', ...engines.map(([s, f]) => `${f.stepsPerSecond.toFixed(0)} steps/s at ${size(s)}`)],
    ['scale run ÷ engine floor, same films × scenes', ...engines.map(([s, f]) => `${ratio(s.stepsPerSecond, f.stepsPerSecond)} (${s.stepsPerSecond.toFixed(0)} steps/s)`)],
    ['CPU per step, ours', ...engines.map(([s, f]) => cpuComparison(s, f).ours)],
    ['CPU per step, engine floor', ...engines.map(([s, f]) => cpuComparison(s, f).floor)],
    ["our CPU per step ÷ the floor's (goal ≤ 1.5)", ...engines.map(([s, f]) => cpuComparison(s, f).ratio.toFixed(2))],
  ];
}

async function printMediaPhase(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-bench-media-'));
  try {
    const media = await mediaPhase(dataDir, mediaOptions);
    console.log(JSON.stringify(media, null, 2));
    for (const row of mediaRows(media)) console.log(row.filter(Boolean).join('  |  '));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function printCapsPhase(): Promise<void> {
  const oneProcess = process.argv.includes('--caps-one-process');
  // The production shape runs the compiled dist/ (the full bench has built it already).
  if (!oneProcess) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const caps = await capsPhase({ films: capsFilms, oneProcess, onProgress: (phase) => console.log(phase) });
  console.log(JSON.stringify(caps, null, 2));
  for (const row of capsRows(caps)) console.log(row.join('  |  '));
  for (const [goal, ok, value] of capsGoals(caps)) console.log(`${ok ? 'MET ' : 'MISS'}  ${goal}: ${value}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
