import { capsGoals, capsRows, type CapsBench } from './caps-phase';
import { cpuComparison, ioFloorComparison, type FloorResult } from './floor/floor-phase';
import { mediaRows, type mediaPhase } from './media-phase';
import type { orchestrationLatency, sampledCost, scaleRun, Sweep } from './phases';
import type { serverEnginePhases } from './server-engine';
import { machineDescription } from './support';

/** What one full bench run measured, phase by phase. */
export interface BenchResults {
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
  ioFloor?: FloorResult;
  cost: Awaited<ReturnType<typeof sampledCost>>;
  costOverloaded: Awaited<ReturnType<typeof sampledCost>>;
  server?: Awaited<ReturnType<typeof serverEnginePhases>>;
  media?: Awaited<ReturnType<typeof mediaPhase>>;
  caps?: CapsBench;
  
}

/** The bench's report: a plain-text table for the terminal and BENCHMARKS.md's markdown. */
export async function renderReport(r: BenchResults, elapsedMs: number, quick: boolean) {
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
  const io = r.ioFloor && ioFloorComparison(scale, r.ioFloor, engineFloor);
  const ioBound = io ? `; the I/O floor (a step's I/O alone, done plainly) ${io.ioMs.toFixed(1)} ms = ${io.ofFloor.toFixed(2)}, ours ÷ the I/O floor ${io.oursOfIo.toFixed(2)}` : '';
  const goals = [
    ['a scene: ≤ 14 history events', cost.events <= 14, `${cost.events} (most in ${cost.scenes} scenes of ${cost.films} films at half of capacity)`],
    ['a scene: ≤ 1 workflow task per callback', cost.workflowTasksPerCallback <= 1, `${cost.workflowTasksPerCallback}`],
    ['a scene: ≤ 6 billable actions', cost.billableActions <= 6, `${cost.billableActions} (${Object.entries(cost.costliest.actions).map(([k, v]) => `${v} ${k}`).join(', ')})`],
    [`${scale.projects} × ${scale.scenes} films ≥ 0.5 × the engine's floor, in scene steps/s`, scale.stepsPerSecond >= 0.5 * floorRate, `${scale.stepsPerSecond.toFixed(0)}/s against ${floorRate.toFixed(0)}/s = ${ratio(scale.stepsPerSecond, floorRate)}`],
    [`our CPU per step (gateway + worker + PostgreSQL) ≤ 1.5 × the floor's (worker + client)`, cpu.ratio <= 1.5, `${cpu.oursMs.toFixed(1)} ms against ${cpu.floorMs.toFixed(1)} ms = ${cpu.ratio.toFixed(2)}${ioBound}`],
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
    ...(r.ioFloor && io
      ? [
          [
            `I/O floor: the floor's workflow doing a step's I/O the plain way, ${r.ioFloor.films} films × ${scale.scenes} scenes`,
            `${r.ioFloor.stepsPerSecond.toFixed(0)} steps/s`,
            `${r.ioFloor.seconds.toFixed(0)} s total`,
            'durable upsert + HTTP call → signed callback → bare gateway: HMAC, durable INSERT, signal',
            `${ratio(r.ioFloor.stepsPerSecond, floorRate)} of the floor; ${r.ioFloor.completed}/${r.ioFloor.films} completed`,
          ],
          [`CPU per step, I/O floor ${r.ioFloor.films} × ${scale.scenes}`, io.text, '', '', ''],
        ]
      : []),
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
function engineRows(r: BenchResults, ratio: (a: number, b: number) => string): string[][] {
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
