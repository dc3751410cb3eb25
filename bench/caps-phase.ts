import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StandInTask } from '../src/dev/providers/stand-in-server';
import { postJson } from '../test/support/http';
import { wakeBreakdown, type WakeBreakdown } from './caps-wakes';
import { freedSlots, handOverStats, handOvers, slowestHandOvers, type HandOverStats, type SlowestHandOvers } from './caps-hand-overs';
import { oneProcessCapsStack, productionCapsStack, type CapsStack } from './caps-stack';
import { productionImageEnv } from './app-processes';

/** What the caps phase measured at the provider's stand-in. */
export interface CapsBench {
  films: number;
  scenesPerFilm: number;
  cap: number;
  taskMs: [number, number];
  seconds: number;
  /** Busy slot-seconds ÷ (cap × wall), wall from the first accept to the last accept (films were waiting all along). */
  utilisation: number;
  /** The same over the whole run, the ramp up and the last tasks' tail included. */
  utilisationWholeRun: number;
  handOver: HandOverStats;
  /**
   * The same once every film was created and waiting: the first part of the run also starts 1,000
   * workflows (each a workflow task, a fresh workflow context and an ask), which the line shares the
   * worker with. Shown beside the whole, never instead of it.
   */
  afterCreation: { seconds: number; utilisation: number; handOver: HandOverStats };
  mostRunning: number;
  refusals: number;
  /** Of up to 50 films that waited: how many were woken by a grant's signal, and fallback timers that fired among them. */
  woken: { sampled: number; bySignal: number; fallbackTimersFired: number };
  /** Webhook deliveries the stand-in made per task (1 when the gateway took each at once). */
  webhookDeliveriesPerTask: number;
  /**
   * Sampled every 200 ms while films waited: slots free at the provider and not yet granted (the freer's
   * side: webhook → release → grant), and granted but not yet submitted (the woken film's side).
   */
  meanSlots: { freeNotGranted: number; grantedNotSubmitted: number; samples: number };
  /** Films along the whole line: their wakes, and where a grant's hand-over went (bench/caps-wakes.ts). */
  wakes: WakeBreakdown;
  /** The slowest hand-overs (the p99's tail), when they happened and their chain link by link. */
  slowest: SlowestHandOvers;
  /** The machine's 1-minute load average (it is shared): mean and highest, sampled each second of the run. */
  load: { mean: number; max: number; cores: number };
  /** The most memory the worker or gateway held (this process, with the stand-in, in the one-process shape), and the worker's workflow cache size. */
  memory: { rssMaxMiB: number; maxCachedWorkflows: number };
  /** Gateway, worker and stand-in as separate processes (as deployed), or all in this one process (`--caps-one-process`). */
  shape: CapsStack['shape'];
  /** WORKFLOW_STACK_TRACES as the worker ran (off, as in the production image, unless set). */
  workflowStackTraces: string;
  /** The worker's workflow threads (WORKER_WORKFLOW_THREADS) as it ran. */
  workflowThreads: string;
  /** The workflow tasks the worker took at once (WORKER_MAX_WORKFLOW_TASKS). */
  workflowTasksAtOnce: string;
}

/** The shared machine's load while the phase ran. */
export const loadText = (r: CapsBench) => `${r.load.mean.toFixed(1)} mean, ${r.load.max.toFixed(1)} highest on ${r.load.cores} cores`;

/** The goals of issue 25, beside what was measured. */
export const capsGoals = (r: CapsBench) =>
  [
    [`provider utilisation ≥ 0.95 (cap ${r.cap}, tasks of ${r.taskMs[0] / 1000}-${r.taskMs[1] / 1000} s, while films wait)`, r.utilisation >= 0.95, `${r.utilisation.toFixed(3)} (${r.afterCreation.utilisation.toFixed(3)} once all films were created; machine load ${loadText(r)})`],
    ['slot free → next task submitted p99 ≤ 250 ms', r.handOver.p99 <= 250, `${r.handOver.p99} ms (p50 ${r.handOver.p50}, max ${r.handOver.max}; once all films were created p99 ${r.afterCreation.handOver.p99} ms)`],
    [`never over the cap, no 429`, r.mostRunning <= r.cap && r.refusals === 0, `most running ${r.mostRunning}, ${r.refusals} refused`],
  ] as const;

/** Busy slot-seconds between `from` and `to`, ÷ (cap × (to − from)). */
function utilisation(tasks: StandInTask[], cap: number, from: number, to: number): number {
  let busy = 0;
  for (const t of tasks) {
    const start = Math.max(from, t.createdAt.getTime());
    const end = Math.min(to, t.finishedAt?.getTime() ?? to);
    if (end > start) busy += end - start;
  }
  return busy / (cap * (to - from));
}

/**
 * `npm run bench` (or `-- --caps` alone): `films` one-scene films at once (one scene each, so every film
 * makes one task: the line is the films) against fal's stand-in capped at `cap` (it answers 429 past
 * it; Reelay's cap, set live, is the same) with tasks of 2-5 s. The gateway and the worker run as
 * deployed, each its own process with the production image's settings (bench/caps-stack.ts;
 * `oneProcess`: the development stack in this process instead, as before): the hand-over is measured at
 * the stand-in, from a task finishing (its webhook leaves then) to the next create it accepts.
 */
export async function capsPhase({ films = 1000, cap = 20, taskMs = [2_000, 5_000] as [number, number], oneProcess = false, onProgress = (_: string) => {} } = {}): Promise<CapsBench> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-bench-caps-'));
  let stack: CapsStack | undefined;
  // The worker's workflow cache above the line, as docs/configuration.md tells users with provider caps
  // to set it (a film woken for its slot after the cache evicted it is rebuilt first). To try another
  // setting: WORKER_MAX_CACHED_WORKFLOWS=N npm run bench -- --caps (and WORKFLOW_STACK_TRACES=on). Two
  // workflow threads and 8 workflow tasks taken at once, as docs/providers.md advises for long lines.
  const env: Record<string, string> = { WORKER_MAX_CACHED_WORKFLOWS: String(films + 500), WORKER_WORKFLOW_THREADS: '2', WORKER_MAX_WORKFLOW_TASKS: '8' };
  for (const name of ['WORKER_MAX_CACHED_WORKFLOWS', 'WORKER_WORKFLOW_THREADS', 'WORKER_MAX_WORKFLOW_TASKS', 'WORKFLOW_STACK_TRACES'] as const) if (process.env[name]) env[name] = process.env[name]!;
  try {
    stack = await (oneProcess ? oneProcessCapsStack : productionCapsStack)(dataDir, env);
    const { gatewayUrl, fal } = stack;
    Object.assign(fal.options, { maxRunning: cap, taskMsRange: taskMs });
    const put = await fetch(`${gatewayUrl}/api/v1/provider-caps/fal`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...stack.asAdmin },
      body: JSON.stringify({ max_running: cap }),
    });
    if (!put.ok) throw new Error(`Could not set the cap: ${put.status} ${await put.text()}`);
    const run = `caps-${Date.now().toString(36)}`;
    const ids = Array.from({ length: films }, (_, i) => `${run}-${i}`);
    const started = Date.now();
    // Created 25 at a time, as fast as the gateway takes them: the line forms within seconds.
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(
        ids.slice(i, i + 25).map(async (id) => {
          const created = await postJson(`${gatewayUrl}/api/v1/projects`, { project_id: id, provider: 'fal', user_id: `user-${Number(id.split('-').pop()) % 7}`, scenes: [{ prompt: `${id}: a wave` }] }, stack!.asAdmin);
          if (created.status !== 201) throw new Error(`Could not create ${id}: ${created.status} ${JSON.stringify(created.body)}`);
        }),
      );
      onProgress(`caps: ${Math.min(films, i + 25)}/${films} films created`);
    }
    const allCreated = Date.now();
    const ours = () => [...fal.tasks.values()].filter((t) => t.prompt.startsWith(`${run}-`));
    const sampled = { freeNotGranted: 0, grantedNotSubmitted: 0, samples: 0 };
    const loads: number[] = [];
    let rssMax = 0;
    const sampler = setInterval(() => {
      void stack!.pool
        .query<{ held: number; waiting: number }>(`SELECT count(*) FILTER (WHERE state = 'held')::int AS held, count(*) FILTER (WHERE state = 'waiting')::int AS waiting FROM provider_leases WHERE provider = 'fal'`)
        .then(({ rows: [{ held, waiting }] }) => {
          const running = fal.unfinished();
          if (waiting === 0) return;
          sampled.samples += 1;
          sampled.freeNotGranted += cap - held;
          sampled.grantedNotSubmitted += Math.max(0, held - running);
        }, () => undefined);
    }, 200);
    for (;;) {
      const done = ours().filter((t) => t.finishedAt).length;
      loads.push(os.loadavg()[0]);
      rssMax = Math.max(rssMax, await stack.peakMemoryMiB());
      onProgress(`caps: ${done}/${films} tasks done at the provider`);
      if (done >= films) break;
      if (Date.now() - started > 30 * 60_000) throw new Error(`caps phase: only ${done} of ${films} tasks done in 30 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    clearInterval(sampler);
    // How the films that waited were woken: by a grant's signal, or by their fallback timer.
    let signalled = 0;
    let fallbacks = 0;
    for (const id of ids.slice(cap, cap + 50)) {
      const events = (await stack.client.workflow.getHandle(`project-${id}`).fetchHistory()).events ?? [];
      if (events.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'providerSlotGranted')) signalled += 1;
      fallbacks += events.filter((e) => e.timerFiredEventAttributes).length;
    }
    const tasks = ours();
    const accepts = tasks.map((t) => t.createdAt.getTime()).sort((a, b) => a - b);
    const lastFinish = Math.max(...tasks.map((t) => t.finishedAt!.getTime()));
    const acceptedAt = new Map(tasks.map((t) => [t.prompt.split(':')[0], t.createdAt.getTime()]));
    const wakes = await wakeBreakdown(stack.client, ids.slice(cap), acceptedAt, freedSlots(tasks, cap));
    const slowest = await slowestHandOvers(stack.client, tasks, cap, allCreated);
    return {
      films,
      scenesPerFilm: 1,
      cap,
      taskMs,
      seconds: (Date.now() - started) / 1000,
      utilisation: utilisation(tasks, cap, accepts[cap - 1], accepts[accepts.length - 1]),
      utilisationWholeRun: utilisation(tasks, cap, accepts[0], lastFinish),
      handOver: handOverStats(handOvers(tasks, cap)),
      afterCreation: {
        seconds: (accepts[accepts.length - 1] - allCreated) / 1000,
        utilisation: utilisation(tasks, cap, allCreated, accepts[accepts.length - 1]),
        handOver: handOverStats(handOvers(tasks, cap, allCreated)),
      },
      mostRunning: fal.mostRunning,
      refusals: fal.busyRefusals,
      webhookDeliveriesPerTask: tasks.reduce((n, t) => n + t.deliveries, 0) / tasks.length,
      woken: { sampled: Math.min(50, Math.max(0, films - cap)), bySignal: signalled, fallbackTimersFired: fallbacks },
      meanSlots: {
        freeNotGranted: sampled.freeNotGranted / Math.max(1, sampled.samples),
        grantedNotSubmitted: sampled.grantedNotSubmitted / Math.max(1, sampled.samples),
        samples: sampled.samples,
      },
      wakes,
      slowest,
      workflowStackTraces: env.WORKFLOW_STACK_TRACES ?? productionImageEnv().WORKFLOW_STACK_TRACES ?? 'on',
      workflowThreads: env.WORKER_WORKFLOW_THREADS,
      workflowTasksAtOnce: env.WORKER_MAX_WORKFLOW_TASKS,
      memory: { rssMaxMiB: rssMax, maxCachedWorkflows: stack.maxCachedWorkflows },
      shape: stack.shape,
      load: { mean: loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length), max: Math.max(0, ...loads), cores: os.cpus().length },
    };
  } finally {
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The phase's lines for the bench's table and BENCHMARKS.md. */
export function capsRows(r: CapsBench): string[][] {
  return [
    [
      `provider caps: ${r.films} films × ${r.scenesPerFilm} scene at a stand-in capped at ${r.cap}, tasks of ${r.taskMs[0] / 1000}-${r.taskMs[1] / 1000} s`,
      `utilisation ${r.utilisation.toFixed(3)} (whole run ${r.utilisationWholeRun.toFixed(3)})`,
      `hand-over ${r.handOver.p50} / ${r.handOver.p99} ms`,
      `max ${r.handOver.max} ms, ${r.handOver.samples} hand-overs, ${r.seconds.toFixed(0)} s; once all films were created (last ${r.afterCreation.seconds.toFixed(0)} s): ` +
        `utilisation ${r.afterCreation.utilisation.toFixed(3)}, hand-over ${r.afterCreation.handOver.p50} / ${r.afterCreation.handOver.p99} ms, max ${r.afterCreation.handOver.max} ms`,
      `most running ${r.mostRunning}, ${r.refusals} 429s; ${r.woken.bySignal}/${r.woken.sampled} sampled waiters woken by a signal; slots granted but not yet submitted ${r.meanSlots.grantedNotSubmitted.toFixed(1)} on average; ` +
        `${r.wakes.fallbacksPerFilm.toFixed(1)} fallback wakes and ${r.wakes.workflowTasksPerFilm.toFixed(1)} workflow tasks per film; ` +
        `grant signal → workflow task started p50/p99 ${r.wakes.signalToTaskStart.p50}/${r.wakes.signalToTaskStart.p99} ms, → task accepted ${r.wakes.taskStartToAccepted.p50}/${r.wakes.taskStartToAccepted.p99} ms; ` +
        `freer's side: finish → webhook answered p50/p99 ${r.wakes.finishToWebhookAnswered.p50}/${r.wakes.finishToWebhookAnswered.p99} ms, → grant signal ${r.wakes.finishToSignal.p50}/${r.wakes.finishToSignal.p99} ms; ` +
        `signal → workflow task scheduled p99 ${r.wakes.signalToTaskScheduled.p99} ms; task started → submit scheduled p50/p99 ${r.wakes.taskStartToSubmitScheduled.p50}/${r.wakes.taskStartToSubmitScheduled.p99} ms, ` +
        `→ accepted ${r.wakes.submitScheduledToAccepted.p50}/${r.wakes.submitScheduledToAccepted.p99} ms; ${r.shape}; ` +
        `machine load ${loadText(r)}; most memory ${r.memory.rssMaxMiB} MiB with ${r.memory.maxCachedWorkflows} workflows cached at most, ${r.workflowThreads} workflow threads, ${r.workflowTasksAtOnce} workflow tasks at once; workflow stack traces ${r.workflowStackTraces}; ` +
        slowestText(r.slowest),
    ],
  ];
}

/** Where the tail's time went: each link's median over the slowest hand-overs (and its most). */
function slowestText({ count, fromMs, atSeconds, beforeAllCreated, chain: c }: SlowestHandOvers): string {
  const link = (p: { p50: number; max: number }) => `${p.p50} (${p.max})`;
  return (
    `the ${count} slowest hand-overs (${fromMs} ms and more; ${beforeAllCreated} while films were still being created; at ${atSeconds[0]}-${atSeconds[atSeconds.length - 1]} s), ` +
    `median (most) ms: finish → webhook answered ${link(c.finishToWebhookAnswered)}, → grant signal ${link(c.finishToSignal)}; signal → workflow task scheduled ${link(c.signalToTaskScheduled)}, ` +
    `→ started ${link(c.signalToTaskStart)}; started → submit scheduled ${link(c.taskStartToSubmitScheduled)}, → accepted ${link(c.submitScheduledToAccepted)}`
  );
}
