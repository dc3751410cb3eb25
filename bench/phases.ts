import type { Client } from '@temporalio/client';
import type { ServiceSimulator } from '../src/dev/simulator/simulator';
import type { projectWorkflow } from '../src/workflows';
import { jsonHistory, sceneCosts, type Cost } from '../src/dev/history-cost';
import { createProject } from './app-processes';
import { runJson, type NodeProcess } from './processes';
import { pool, quantile, withDeadline } from './support';
import { startCpuMeter } from './cpu';

/** The bench's phases, each run against whichever engine and processes it is given. */

export interface LoadResult {
  requestsPerSecond: number;
  total: number;
  p50: number;
  p99: number;
  non2xx?: number;
  errors?: number;
}

/** Raises concurrency until throughput stops growing (under 5% better), and keeps the best level. */
export async function sweep(concurrencies: number[], run: (concurrency: number) => Promise<LoadResult>): Promise<Sweep> {
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

/** The service whose task a callback to `endpoint` reports, and the service the workflow calls next. */
const stepOf = {
  'video-complete': { asked: 'video', next: ['lastFrame'] },
  'last-frame-complete': { asked: 'lastFrame', next: ['video', 'stitch'] },
  'stitch-complete': { asked: 'stitch', next: ['notification'] },
} as const;

/**
 * Projects whose video never calls back (the simulator loses their tasks): workflows that wait, to
 * send signals and webhooks to. Returns their project ids.
 */
export async function createSinkProjects(simulator: ServiceSimulator, gatewayUrl: string, prefix: string, count: number): Promise<string[]> {
  simulator.behaviour = ({ body }) => (String(body.project_id).startsWith(prefix) ? { loseTask: true } : undefined);
  const sinks = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  await pool(sinks, 16, (projectId) => createProject(gatewayUrl, projectId, 1));
  return sinks;
}

/** Temporal's own signal rate: a tight client loop signalling the sink projects' workflows. */
export function signalCeiling(concurrencies: number[], address: string, sinks: string[], durationSeconds: number): Promise<Sweep> {
  const workflowIds = sinks.map((id) => `project-${id}`);
  return sweep(concurrencies, (c) => runJson<LoadResult>('bench/signal-ceiling.ts', { address, namespace: 'default', workflowIds, concurrency: c, durationSeconds }));
}

/**
 * Webhook 200 to the next call with tasks of 10-30 s: about half of what this box can take, so it shows
 * the overhead a step sees when the system is not saturated. Films of 2 scenes.
 */
export async function pacedOrchestration(simulator: ServiceSimulator, client: Client, gatewayUrl: string, label: string, projects: number) {
  simulator.behaviour = () => ({ extraDelayMs: 10_000 + Math.round(Math.random() * 20_000) });
  try {
    return await orchestrationLatency(simulator, client, gatewayUrl, label, projects, 2);
  } finally {
    simulator.behaviour = () => undefined;
  }
}

export async function orchestrationLatency(simulator: ServiceSimulator, client: Client, gatewayUrl: string, label: string, projects: number, scenes: number) {
  const ids = Array.from({ length: projects }, (_, i) => `latency-${label}-${i}`);
  const since = Date.now();
  await pool(ids, 32, (id) => createProject(gatewayUrl, id, scenes));
  await withDeadline(Promise.all(ids.map((id) => client.workflow.getHandle(`project-${id}`).result())), 5 * 60_000, 'the latency projects');
  let beforeAnswer = 0;
  const steps: { ms: number; projectId: string; endpoint: string; taskId: string; acknowledgedAt: number }[] = [];
  const byProject = new Map<string, typeof simulator.requests>();
  for (const r of simulator.requests) {
    if (r.at < since || !ids.includes(String(r.body.project_id))) continue;
    byProject.set(String(r.body.project_id), [...(byProject.get(String(r.body.project_id)) ?? []), r]);
  }
  for (const webhook of simulator.webhooks) {
    if (!webhook.acknowledgedAt || webhook.acknowledgedAt < since) continue;
    const requests = byProject.get(webhook.projectId);
    if (!requests) continue;
    // The next call is the first of the next step's service after the request that asked for this
    // callback's task (same scene), not the first after the 200: the workflow often makes it before
    // the gateway's answer is back at the service, and pairing by time then took the call after it (a
    // later scene's, tens of seconds on: the "stalls" of 30-50 s that earlier runs reported).
    const { asked, next: nextServices } = stepOf[webhook.endpoint];
    const askedAt = requests.findIndex((r) => r.service === asked && r.body.scene_id === webhook.sceneId);
    const next = requests.slice(askedAt + 1).find((r) => (nextServices as readonly string[]).includes(r.service) && (r.service !== 'video' || r.body.scene_id !== webhook.sceneId));
    // Before the 200 reached the service counts as no wait at all.
    if (askedAt >= 0 && next && next.at < webhook.acknowledgedAt) beforeAnswer += 1;
    if (askedAt >= 0 && next) steps.push({ ms: Math.max(0, next.at - webhook.acknowledgedAt), projectId: webhook.projectId, endpoint: webhook.endpoint, taskId: webhook.taskId, acknowledgedAt: webhook.acknowledgedAt });
  }
  steps.sort((a, b) => a.ms - b.ms);
  const gaps = steps.map((s) => s.ms);
  // The slowest steps, to read their films' histories by (workflow project-<projectId>).
  const slowest = steps.slice(-5).reverse();
  return { ids, projects, scenes, samples: gaps.length, p50: quantile(gaps, 0.5), p99: quantile(gaps, 0.99), max: gaps[gaps.length - 1], slowest, beforeAnswer };
}

export async function scaleRun(
  simulator: ServiceSimulator,
  client: Client,
  gatewayUrl: string,
  projects: number,
  scenes: number,
  { worker, gateway }: { worker: NodeProcess; gateway: NodeProcess },
  onProgress: (completed: number) => void,
  label = 'scale',
  /** The services' processes, measured beside ours: the Temporal server and PostgreSQL. */
  services: { temporal?: number; postgres?: number } = {},
) {
  const ids = Array.from({ length: projects }, (_, i) => `${label}-${projects}x${scenes}-${i}`);
  const webhooksBefore = simulator.webhooks.length;
  // This bench process is the simulator and the load generator (it creates the films and waits for them).
  const meter = await startCpuMeter({ gateway: gateway.pid, worker: worker.pid, ...services, 'simulator + load generator': 'self' });
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
  const cpu = await meter.elapsed();
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
    steps: projects * (scenes * 2 + 1),
    stepsPerSecond: (projects * (scenes * 2 + 1)) / seconds,
    /** CPU seconds in the run, by process. */
    cpu,
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
export async function sampledCost(client: Client, ids: string[], scenes: number) {
  const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 50)) === 0);
  const costs: Cost[] = [];
  let filmEvents = 0;
  // Timed out: schedule-to-start (a sticky task waited longer than the worker's sticky timeout and went
  // to the shared queue) or start-to-close; failed: by the cause the server gives.
  const workflowTasksRetried: Record<string, number> = {};
  const kind = (prefix: string, value = 'unknown') => `${prefix} ${value.replace(/^(TIMEOUT_TYPE|WORKFLOW_TASK_FAILED_CAUSE)_/, '').toLowerCase().replace(/_/g, '-')}`;
  const signalToTaskDone: number[] = [];
  for (const id of sample) {
    const events = await jsonHistory(client.workflow.getHandle(`project-${id}`));
    signalToTaskDone.push(...signalLatencies(events));
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
    signalToTaskDone: { p99: quantile(signalToTaskDone.sort((a, b) => a - b), 0.99), max: signalToTaskDone[signalToTaskDone.length - 1] },
  };
}

/**
 * From each callback's signal to the end of the workflow task that took it, by the server's own clock:
 * a step's time inside Temporal and the worker, whatever the services and the gateway did.
 */
function signalLatencies(events: Awaited<ReturnType<typeof jsonHistory>>): number[] {
  const at = (e: (typeof events)[number]) => Date.parse(String(e.eventTime));
  const latencies: number[] = [];
  events.forEach((e, i) => {
    if (!e.eventType.endsWith('WORKFLOW_EXECUTION_SIGNALED')) return;
    const done = events.slice(i + 1).find((later) => later.eventType.endsWith('WORKFLOW_TASK_COMPLETED'));
    if (done) latencies.push(at(done) - at(e));
  });
  return latencies;
}

export interface Sweep {
  best: LoadResult & { concurrency: number };
  levels: (LoadResult & { concurrency: number })[];
}
