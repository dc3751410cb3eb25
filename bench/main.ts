import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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
import { pgStatementSettings, resetPgStatements, topPgStatements } from './pg-statements';
import { renderReport } from './report';
import { ownPathPhase } from './gateway-own-path';
import { appProcesses, productionImageEnv, productionNodeOptions, randomWebhookSecrets } from './app-processes';
import { NodeProcess, root, runJson } from './processes';
import { createSinkProjects, orchestrationLatency, pacedOrchestration, sampledCost, scaleRun, signalCeiling, sweep, type LoadResult } from './phases';
import { serverEnginePhases } from './server-engine';
import { mediaPhase } from './media-phase';
import { capsPhase } from './caps-phase';
import { printCapsPhase, printMediaPhase, printPacedPhase } from './single-phases';
import { freePort } from './support';
import { floorRun, ioFloorRun, perStep, servicePids } from './floor/floor-phase';

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
  if (mediaOnly) return printMediaPhase(mediaOptions);
  if (capsArg) return printCapsPhase(capsFilms, process.argv.includes('--caps-one-process'));
  const totalSteps = onCluster ? 11 : 10;
  const bar = new SingleBar({ format: ' {bar} {value}/{total} | {phase} | {duration_formatted}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 10_000 }, Presets.shades_classic);
  bar.start(totalSteps, 0, { phase: 'starting Temporal and PostgreSQL' });
  const step = (phase: string) => bar.increment(1, { phase });

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-bench-'));
  const logger = createLogger({ level: 'silent' });
  const temporal = await startLocalTemporal({ cliPath: process.env.TEMPORAL_CLI || undefined, namespace: 'default', dataDir, port: await freePort(), ephemeral: true });
  const database = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort(), settings: pgStatementSettings() });
  await migrateDatabase(database.url);
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: 'default' });

  // The worker and the gateway run as production runs them: compiled by `npm run build`, the worker
  // loading the prebuilt workflow bundle (no tsx loader thread, no webpack in their processes).
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });

  const simulator = new ServiceSimulator({ secrets, delayMs: 0, logger, maxDeliveryAttempts: 50 });
  const simulatorUrl = await simulator.start(0);
  const nodeOptions = productionNodeOptions(256); // the heap Node sizes in a 1 GiB container
  const appEnv = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      STEP_TIMEOUT_VIDEO_SECONDS: '3600',
      STEP_TIMEOUT_LAST_FRAME_SECONDS: '3600',
      STEP_TIMEOUT_STITCH_SECONDS: '3600',
      ...(process.env.WORKER_MAX_CACHED_WORKFLOWS ? { WORKER_MAX_CACHED_WORKFLOWS: process.env.WORKER_MAX_CACHED_WORKFLOWS } : {}),
      ...productionImageEnv(),
      // To compare with the SDK's stack recording on (the image sets it off): WORKFLOW_STACK_TRACES=on npm run bench.
      ...(process.env.WORKFLOW_STACK_TRACES ? { WORKFLOW_STACK_TRACES: process.env.WORKFLOW_STACK_TRACES } : {}),
      NODE_OPTIONS: nodeOptions.gateway,
  };
  const workerNodeOptions = { NODE_OPTIONS: nodeOptions.worker };
  const { worker, gateway, gatewayUrl, env, workerEnv } = await appProcesses({ databaseUrl: database.url, temporalAddress: temporal.address, simulatorUrl, secrets, built: true, env: appEnv, workerEnv: workerNodeOptions });
  const processes = [worker, gateway];
  const results: Record<string, unknown> = {};

  try {
    await Promise.all([worker.start(), gateway.start()]);
    const services = await servicePids('dev');
    if (pacedOnly) {
      bar.stop();
      return await printPacedPhase(simulator, client, gatewayUrl, pacedOnly, historiesDir);
    }
    if (scaleOnly) {
      const [{ projects, scenes }] = scaleRuns;
      bar.update({ phase: `engine floor: ${projects} × ${scenes}` });
      const engineFloor = await floorRun(temporal.address, projects, scenes, workerEnv, services);
      await resetPgStatements(database.url);
      const run = await scaleRun(simulator, client, gatewayUrl, projects, scenes, { worker, gateway }, (done) =>
        bar.update({ phase: `scale: ${done}/${projects} done` }),
      'scale', services);
      bar.update({ phase: `I/O floor: ${projects} × ${scenes}` });
      const ioFloor = await ioFloorRun(temporal.address, database.url, projects, scenes, workerEnv, services);
      bar.stop();
      const { ids, ...summary } = run;
      const cpuPerStepMs = { scale: perStep(run.cpu, run.steps), floor: perStep(engineFloor.cpu, engineFloor.steps), ioFloor: perStep(ioFloor.cpu, ioFloor.steps) };
      const pgStatements = await topPgStatements(database.url, run.steps);
      console.log(JSON.stringify({ ...summary, engineFloor, ioFloor, ofFloor: run.stepsPerSecond / engineFloor.stepsPerSecond, cpuPerStepMs, cost: scenes > 1 ? await sampledCost(client, ids, scenes) : "a scene's cost is read between two scenes: none with one", pgStatements }, null, 2));
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
    bar.update({ phase: `engine floor and I/O floor: ${largest.projects} films × ${largest.scenes} scenes` });
    await Promise.all(processes.map((p) => p.stop()));
    results.engineFloor = await floorRun(temporal.address, largest.projects, largest.scenes, workerEnv, services);
    results.ioFloor = await ioFloorRun(temporal.address, database.url, largest.projects, largest.scenes, workerEnv, services);
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
        workerEnv: workerNodeOptions,
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
    const report = await renderReport(results as never, Date.now() - started, quick);
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

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
