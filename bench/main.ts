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
import type { projectWorkflow } from '../src/workflows';
import { jsonHistory, sceneCosts, type Cost } from '../src/dev/history-cost';
import { writeBenchmarks } from './benchmarks-file';
import { appProcesses, createProject, productionImageEnv, randomWebhookSecrets } from './app-processes';
import { NodeProcess, root, runJson } from './processes';
import { freePort, machineDescription, pool, quantile, withDeadline } from './support';

/**
 * `npm run bench`: throughput, latency and scale, each beside its ceiling, in one run on this machine.
 * Everything runs as separate processes (Temporal, PostgreSQL, worker, gateway, load generator) so the
 * numbers are what a small deployment on one box would see. Results go to stdout and BENCHMARKS.md.
 */
const quick = process.argv.includes('--quick');
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
const latencyProjects = quick ? 50 : 200;
const sinkCount = 300;

interface LoadResult {
  requestsPerSecond: number;
  total: number;
  p50: number;
  p99: number;
  non2xx?: number;
  errors?: number;
}

const secrets = randomWebhookSecrets();

async function main() {
  const started = Date.now();
  const totalSteps = 8;
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
  const { worker, gateway, gatewayUrl, env } = await appProcesses({
    databaseUrl: database.url,
    temporalAddress: temporal.address,
    simulatorUrl,
    secrets,
    built: true,
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      STEP_TIMEOUT_VIDEO_SECONDS: '3600',
      STEP_TIMEOUT_LAST_FRAME_SECONDS: '3600',
      STEP_TIMEOUT_STITCH_SECONDS: '3600',
      ...(process.env.WORKER_MAX_CACHED_WORKFLOWS ? { WORKER_MAX_CACHED_WORKFLOWS: process.env.WORKER_MAX_CACHED_WORKFLOWS } : {}),
      ...image,
      // Plus a heap sized as Node sizes it in a 1 GiB container (Node follows the cgroup limit); an
      // uncapped V8 heap on this 24 GiB machine grows lazily and says little about what the process needs.
      NODE_OPTIONS: process.env.BENCH_APP_NODE_OPTIONS ?? `${image.NODE_OPTIONS ?? ''} --max-old-space-size=256`.trim(),
    },
  });
  const processes = [worker, gateway];
  const results: Record<string, unknown> = {};

  try {
    await Promise.all([worker.start(), gateway.start()]);
    if (scaleOnly) {
      const run = await scaleRun(simulator, client, gatewayUrl, scaleRuns[0].projects, scaleRuns[0].scenes, { worker, gateway }, (done) =>
        bar.update({ phase: `scale: ${done}/${scaleRuns[0].projects} done` }),
      );
      bar.stop();
      const { ids, ...summary } = run;
      console.log(JSON.stringify({ ...summary, cost: await sampledCost(client, ids, scaleRuns[0].scenes) }, null, 2));
      return;
    }

    // Projects whose video never calls back: workflows that wait, to send signals and webhooks to.
    step(`creating ${sinkCount} waiting projects as signal targets`);
    simulator.behaviour = ({ body }) => (String(body.project_id).startsWith('sink-') ? { loseTask: true } : undefined);
    const sinks = Array.from({ length: sinkCount }, (_, i) => `sink-${i}`);
    await pool(sinks, 16, (projectId) => createProject(gatewayUrl, projectId, 1));

    step('ceilings: bare Koa and Temporal signals');
    const barePort = await freePort();
    const bare = new NodeProcess('bare-koa', 'bench/bare-koa.ts', { PORT: String(barePort) }, `http://127.0.0.1:${barePort}/`);
    await bare.start();
    const sampleBody = { task_id: 't', status: 'completed', project_id: 'sink-1', final_video_url: 'https://cdn.example.com/f.mp4' };
    results.bareKoa = await sweep((c) => runJson<LoadResult>('bench/load-generator.ts', { url: `http://127.0.0.1:${barePort}/`, connections: c, durationSeconds, body: sampleBody }));
    await bare.stop();
    const floorPort = await freePort();
    const floor = new NodeProcess('koa-insert', 'bench/bare-koa-insert.ts', { PORT: String(floorPort), DATABASE_URL: database.url }, `http://127.0.0.1:${floorPort}/`);
    await floor.start();
    results.floor = await sweep((c) => runJson<LoadResult>('bench/load-generator.ts', { url: `http://127.0.0.1:${floorPort}/`, connections: c, durationSeconds, body: sampleBody }));
    await floor.stop();
    const workflowIds = sinks.map((id) => `project-${id}`);
    results.signalCeiling = await sweep((c) =>
      runJson<LoadResult>('bench/signal-ceiling.ts', { address: temporal.address, namespace: 'default', workflowIds, concurrency: c, durationSeconds }),
    );

    step('gateway: full path, then with the signal stubbed');
    const webhook = { secret: secrets['stitch-complete'], projectIds: sinks };
    results.gateway = await sweep((c) =>
      runJson<LoadResult>('bench/load-generator.ts', { url: `${gatewayUrl}/api/webhooks/stitch-complete`, connections: c, durationSeconds, webhook }),
    );
    const stubPort = await freePort();
    const stubbed = new NodeProcess('gateway-stubbed', 'bench/gateway-stubbed-signal.ts', { ...env, PORT: String(stubPort) }, `http://127.0.0.1:${stubPort}/health`);
    await stubbed.start();
    results.gatewayStubbed = await sweep((c) =>
      runJson<LoadResult>('bench/load-generator.ts', { url: `http://127.0.0.1:${stubPort}/api/webhooks/stitch-complete`, connections: c, durationSeconds, webhook }),
    );
    await stubbed.stop();

    step(`orchestration: ${latencyProjects} concurrent projects, instant services`);
    simulator.behaviour = () => undefined;
    results.orchestration = await orchestrationLatency(simulator, client, gatewayUrl, 'instant', latencyProjects, 5);

    // Instant services keep every project busy at once: that measures queueing at saturation. Real
    // services take seconds to minutes; tasks of 10-30 s offer about half of what this box can take,
    // which shows the overhead a step sees when the system is not saturated.
    step(`orchestration: ${latencyProjects} concurrent projects, tasks of 10-30 s`);
    simulator.behaviour = () => ({ extraDelayMs: 10_000 + Math.round(Math.random() * 20_000) });
    const paced = await orchestrationLatency(simulator, client, gatewayUrl, 'paced', latencyProjects, 2);
    results.orchestrationPaced = paced;
    simulator.behaviour = () => undefined;

    step(`scale: ${scaleRuns.map((s) => `${s.projects}`).join(', then ')} projects of ${scaleRuns[0].scenes} scenes at once`);
    const scaleResults = [];
    for (const s of scaleRuns) {
      // Fresh processes, so peak memory belongs to this run alone.
      await Promise.all(processes.map((p) => p.stop()));
      await Promise.all(processes.map((p) => p.start()));
      scaleResults.push(
        await scaleRun(simulator, client, gatewayUrl, s.projects, s.scenes, { worker, gateway }, (done) =>
          bar.update({ phase: `scale: ${done}/${s.projects} projects of ${s.scenes} scenes done` }),
        ),
      );
    }
    results.scaleSmall = scaleResults[0];
    results.scale = scaleResults[scaleResults.length - 1];
    // A scene's cost as designed (half of capacity), and what overload adds (timed-out workflow tasks).
    results.cost = await sampledCost(client, paced.ids, paced.scenes);
    results.costOverloaded = await sampledCost(client, scaleResults[scaleResults.length - 1].ids, scaleRuns[0].scenes);

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

/** Raises concurrency until throughput stops growing (under 5% better), and keeps the best level. */
async function sweep(run: (concurrency: number) => Promise<LoadResult>) {
  const levels: (LoadResult & { concurrency: number })[] = [];
  for (const concurrency of concurrencies) {
    const result = { concurrency, ...(await run(concurrency)) };
    const best = Math.max(0, ...levels.map((l) => l.requestsPerSecond));
    levels.push(result);
    if (result.requestsPerSecond < best * 1.05) break;
  }
  const best = levels.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
  return { best, levels };
}

/** The next service call the workflow makes after a callback for `endpoint` was acknowledged. */
const nextService = { 'video-complete': 'lastFrame', 'last-frame-complete': ['video', 'stitch'], 'stitch-complete': 'notification' } as const;

async function orchestrationLatency(simulator: ServiceSimulator, client: Client, gatewayUrl: string, label: string, projects: number, scenes: number) {
  const ids = Array.from({ length: projects }, (_, i) => `latency-${label}-${i}`);
  const since = Date.now();
  await pool(ids, 32, (id) => createProject(gatewayUrl, id, scenes));
  await withDeadline(Promise.all(ids.map((id) => client.workflow.getHandle(`project-${id}`).result())), 5 * 60_000, 'the latency projects');
  const gaps: number[] = [];
  const byProject = new Map<string, typeof simulator.requests>();
  for (const r of simulator.requests) {
    if (r.at < since || !ids.includes(String(r.body.project_id))) continue;
    byProject.set(String(r.body.project_id), [...(byProject.get(String(r.body.project_id)) ?? []), r]);
  }
  for (const webhook of simulator.webhooks) {
    if (!webhook.acknowledgedAt || webhook.acknowledgedAt < since) continue;
    const requests = byProject.get(webhook.projectId);
    if (!requests) continue;
    const expected = ([] as string[]).concat(nextService[webhook.endpoint]);
    const next = requests.find((r) => r.at >= webhook.acknowledgedAt! && expected.includes(r.service));
    if (next) gaps.push(next.at - webhook.acknowledgedAt);
  }
  gaps.sort((a, b) => a - b);
  return { ids, projects, scenes, samples: gaps.length, p50: quantile(gaps, 0.5), p99: quantile(gaps, 0.99), max: gaps[gaps.length - 1] };
}

async function scaleRun(
  simulator: ServiceSimulator,
  client: Client,
  gatewayUrl: string,
  projects: number,
  scenes: number,
  { worker, gateway }: { worker: NodeProcess; gateway: NodeProcess },
  onProgress: (completed: number) => void,
) {
  const ids = Array.from({ length: projects }, (_, i) => `scale-${projects}x${scenes}-${i}`);
  const webhooksBefore = simulator.webhooks.length;
  const started = Date.now();
  let done = 0;
  await pool(ids, 32, (id) => createProject(gatewayUrl, id, scenes));
  const outcomes = await withDeadline(
    Promise.all(
      ids.map((id) =>
        client.workflow
          .getHandle<typeof projectWorkflow>(`project-${id}`)
          .result()
          .then((p) => p.status, () => 'failed')
          .finally(() => onProgress((done += 1))),
      ),
    ),
    60 * 60_000,
    'the scale run',
  );
  const seconds = (Date.now() - started) / 1000;
  const webhooks = simulator.webhooks.length - webhooksBefore;
  // Exactly one task per step and one notification per film: nothing lost, nothing done twice.
  let wrong = 0;
  const keys = new Map<string, Set<string>>();
  for (const r of simulator.requests) {
    const id = String(r.body.project_id);
    if (!ids.includes(id)) continue;
    const k = `${id}:${r.service}:${(r.body.scene_id as string | undefined) ?? ''}`;
    keys.set(k, (keys.get(k) ?? new Set()).add(r.idempotencyKey!));
  }
  for (const id of ids) {
    const steps = [...keys].filter(([k]) => k.startsWith(`${id}:`));
    const expected = scenes * 2 + 2;
    if (steps.length !== expected || steps.some(([, set]) => set.size !== 1)) wrong += 1;
  }
  return {
    ids,
    projects,
    scenes,
    seconds,
    /** Callbacks applied per second: each scene's two, and the stitch's. */
    stepsPerSecond: (projects * (scenes * 2 + 1)) / seconds,
    completed: outcomes.filter((o) => o === 'completed').length,
    webhooks,
    webhooksPerSecond: webhooks / seconds,
    stepsWrong: wrong,
    workerPeakMiB: await worker.peakMemoryMiB(),
    gatewayPeakMiB: await gateway.peakMemoryMiB(),
  };
}

/**
 * What a scene cost in Temporal, over a sample of a run's films (every full scene of each): the most of
 * each measure seen, the actions of the costliest scene, the history of a whole film per scene, and the
 * workflow tasks that were tried again. Under overload callbacks overtake the workflow (one task may
 * then finish several steps whose callbacks were already stored), so a scene's window can hold another
 * scene's events; the whole film per scene is the fair figure there.
 */
async function sampledCost(client: Client, ids: string[], scenes: number) {
  const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 50)) === 0);
  const costs: Cost[] = [];
  let filmEvents = 0;
  // Timed out: schedule-to-start (a sticky task waited longer than the worker's sticky timeout and went
  // to the shared queue) or start-to-close; failed: by the cause the server gives.
  const workflowTasksRetried: Record<string, number> = {};
  const kind = (prefix: string, value = 'unknown') => `${prefix} ${value.replace(/^(TIMEOUT_TYPE|WORKFLOW_TASK_FAILED_CAUSE)_/, '').toLowerCase().replace(/_/g, '-')}`;
  for (const id of sample) {
    const events = await jsonHistory(client.workflow.getHandle(`project-${id}`));
    for (const e of events) {
      const retried = e.eventType.endsWith('WORKFLOW_TASK_TIMED_OUT')
        ? kind('timed out', e.workflowTaskTimedOutEventAttributes?.timeoutType)
        : e.eventType.endsWith('WORKFLOW_TASK_FAILED')
          ? kind('failed', e.workflowTaskFailedEventAttributes?.cause)
          : undefined;
      if (retried) workflowTasksRetried[retried] = (workflowTasksRetried[retried] ?? 0) + 1;
    }
    filmEvents = Math.max(filmEvents, events.length);
    costs.push(...sceneCosts(events));
  }
  const most = (measure: (c: Cost) => number) => Math.max(...costs.map(measure));
  return {
    films: sample.length,
    scenes: costs.length,
    events: most((c) => c.events),
    filmEventsPerScene: Math.round((filmEvents / scenes) * 10) / 10,
    workflowTasksPerCallback: most((c) => c.workflowTasks / c.callbacks),
    billableActions: most((c) => c.billableActions),
    costliest: costs.reduce((a, b) => (b.billableActions > a.billableActions || (b.billableActions === a.billableActions && b.events > a.events) ? b : a)),
    workflowTasksRetried,
  };
}

interface Sweep {
  best: LoadResult & { concurrency: number };
  levels: (LoadResult & { concurrency: number })[];
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
    cost: Awaited<ReturnType<typeof sampledCost>>;
    costOverloaded: Awaited<ReturnType<typeof sampledCost>>;
  },
  elapsedMs: number,
) {
  const rps = (s: Sweep) => Math.round(s.best.requestsPerSecond);
  const lat = (s: Sweep) => `${s.best.p50} / ${s.best.p99} ms`;
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const retried = (byKind: Record<string, number>) =>
    Object.keys(byKind).length ? `workflow tasks retried: ${Object.entries(byKind).map(([k, n]) => `${n} ${k}`).join(', ')}` : 'no workflow task retried';
  const gatewayToSignals = r.gateway.best.requestsPerSecond / r.signalCeiling.best.requestsPerSecond;
  const stubToFloor = r.gatewayStubbed.best.requestsPerSecond / r.floor.best.requestsPerSecond;
  const signals = r.signalCeiling.best.requestsPerSecond;
  const { cost, costOverloaded, scale, scaleSmall } = r;
  const goals = [
    ['a scene: ≤ 14 history events', cost.events <= 14, `${cost.events} (most in ${cost.scenes} scenes of ${cost.films} films at half of capacity)`],
    ['a scene: ≤ 1 workflow task per callback', cost.workflowTasksPerCallback <= 1, `${cost.workflowTasksPerCallback}`],
    ['a scene: ≤ 6 billable actions', cost.billableActions <= 6, `${cost.billableActions} (${Object.entries(cost.costliest.actions).map(([k, v]) => `${v} ${k}`).join(', ')})`],
    [`${scale.projects} × ${scale.scenes} films ≥ 0.5 × signal ceiling, in scene steps/s`, scale.stepsPerSecond >= 0.5 * signals, `${scale.stepsPerSecond.toFixed(0)}/s = ${ratio(scale.stepsPerSecond, signals)}`],
    [`${scale.projects} films at once within 15% of ${scaleSmall.projects}`, scale.stepsPerSecond >= 0.85 * scaleSmall.stepsPerSecond, `${scale.stepsPerSecond.toFixed(0)}/s vs ${scaleSmall.stepsPerSecond.toFixed(0)}/s = ${ratio(scale.stepsPerSecond, scaleSmall.stepsPerSecond)}`],
    ['webhook 200 → next call p99 ≤ 150 ms at half of capacity (tasks of 10-30 s)', r.orchestrationPaced.p99 <= 150, `${r.orchestrationPaced.p99} ms`],
    [`worker peak RSS ≤ 300 MiB through ${scale.projects} films`, (scale.workerPeakMiB ?? Infinity) <= 300, `${scale.workerPeakMiB} MiB`],
    [`gateway peak RSS ≤ 150 MiB`, (scale.gatewayPeakMiB ?? Infinity) <= 150, `${scale.gatewayPeakMiB} MiB`],
    ['gateway ≥ 0.8 × signal ceiling', gatewayToSignals >= 0.8, ratio(r.gateway.best.requestsPerSecond, signals)],
    ["gateway's own path ≥ 0.7 × Koa with one INSERT", stubToFloor >= 0.7, ratio(r.gatewayStubbed.best.requestsPerSecond, r.floor.best.requestsPerSecond)],
    [`${scale.projects} × ${scale.scenes} films all completed, no step lost or doubled`, scale.completed === scale.projects && scale.stepsWrong === 0, `${scale.completed}/${scale.projects}, ${scale.stepsWrong} wrong`],
  ] as const;
  const rows = [
    ['bare Koa JSON endpoint (HTTP ceiling)', `${rps(r.bareKoa)}/s`, lat(r.bareKoa), `c=${r.bareKoa.best.concurrency}`, '1.00'],
    ['Koa + one durable INSERT (floor of a recording gateway)', `${rps(r.floor)}/s`, lat(r.floor), `c=${r.floor.best.concurrency}`, ratio(r.floor.best.requestsPerSecond, r.bareKoa.best.requestsPerSecond)],
    ['Temporal signals, tight client loop (engine ceiling)', `${rps(r.signalCeiling)}/s`, lat(r.signalCeiling), `c=${r.signalCeiling.best.concurrency}`, '1.00'],
    ['gateway, full path (verify, validate, store, signal)', `${rps(r.gateway)}/s`, lat(r.gateway), `c=${r.gateway.best.concurrency}`, `${ratio(r.gateway.best.requestsPerSecond, r.signalCeiling.best.requestsPerSecond)} of signals`],
    ['gateway, signal stubbed (its own cost)', `${rps(r.gatewayStubbed)}/s`, lat(r.gatewayStubbed), `c=${r.gatewayStubbed.best.concurrency}`, `${ratio(r.gatewayStubbed.best.requestsPerSecond, r.floor.best.requestsPerSecond)} of Koa + INSERT`],
    [`webhook 200 → next service call, ${r.orchestration.projects} projects, instant tasks`, `${r.orchestration.samples} steps`, `${r.orchestration.p50} / ${r.orchestration.p99} ms`, `max ${r.orchestration.max} ms`, ''],
    [`webhook 200 → next service call, ${r.orchestrationPaced.projects} projects, tasks of 10-30 s`, `${r.orchestrationPaced.samples} steps`, `${r.orchestrationPaced.p50} / ${r.orchestrationPaced.p99} ms`, `max ${r.orchestrationPaced.max} ms`, ''],
    ...[scaleSmall, scale].map((s) => [
      `scale: ${s.projects} films × ${s.scenes} scenes at once`,
      `${s.stepsPerSecond.toFixed(0)} steps/s`,
      `${s.seconds.toFixed(0)} s total`,
      `peak RSS worker ${s.workerPeakMiB} MiB, gateway ${s.gatewayPeakMiB} MiB`,
      `${ratio(s.stepsPerSecond, signals)} of signals; ${s.completed}/${s.projects} completed`,
    ]),
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
      retried(c.workflowTasksRetried),
    ]),
  ];
  const header = ['measure', 'throughput', 'p50 / p99', 'at', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  const table = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', ...goals.map(([goal, ok, value]) => `${ok ? 'MET ' : 'MISS'}  ${goal}: ${value}`)].join('\n');

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
`;
  return { table, markdown };
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
