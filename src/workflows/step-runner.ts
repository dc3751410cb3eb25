import { condition, log } from '@temporalio/workflow';
import type { CurrentStep, InboxSnapshot, StepCounters } from '../contracts/progress';
import type { TaskAnswer } from '../contracts/services';
import type { Step, StepEvent } from '../contracts/steps';
import type { WorkflowSettings } from '../contracts/workflow-settings';
import { publicReason } from '../contracts/public-text';

export type { InboxSnapshot };

export type Delivery = 'accepted' | 'duplicate';

/** Where a callback belongs: one step of one scene (the stitch has no scene). */
export interface StepSlot {
  step: Step;
  sceneId?: string;
}

/** Beyond this many unclaimed callbacks the oldest are dropped (and logged): strays must not grow forever. */
const maxWaiting = 500;

/**
 * Holds service callbacks until the workflow is ready for them. A callback can arrive before the
 * activity that requested the task has even returned (fast services), so nothing is dropped for being
 * early; each task's callback is taken once, and any later copy is reported as a duplicate. A task id
 * counts per step and scene, since a provider may reuse ids across scenes. Plain data inside, so it
 * survives continue-as-new through `snapshot()`.
 */
export class StepInbox {
  private readonly taken: Set<string>;
  private readonly waiting: Map<string, { step: Step; event: StepEvent }>;

  constructor(snapshot: InboxSnapshot = { taken: [], waiting: [] }) {
    this.taken = new Set(snapshot.taken);
    this.waiting = new Map(snapshot.waiting.map((w) => [keyOf(w.step, w.event), w]));
  }

  /** Buffers a callback; returns the callbacks dropped to stay within bounds (normally none). */
  put(step: Step, event: StepEvent): { delivery: Delivery; dropped: StepEvent[] } {
    const key = keyOf(step, event);
    // Runs continued from before scenes were part of the key carry `step:taskId` entries.
    const taken = this.taken.has(key) || this.taken.has(`${step}:${event.taskId}`);
    if (taken || this.waiting.has(key)) return { delivery: 'duplicate', dropped: [] };
    this.waiting.set(key, { step, event });
    const dropped: StepEvent[] = [];
    for (const [oldest, entry] of this.waiting) {
      if (this.waiting.size <= maxWaiting) break;
      this.waiting.delete(oldest);
      dropped.push(entry.event);
    }
    return { delivery: 'accepted', dropped };
  }

  /** Whether a callback for any of these tasks is waiting. */
  hasAny({ step, sceneId }: StepSlot, taskIds: readonly string[]): boolean {
    return taskIds.some((taskId) => this.waiting.has(keyOf(step, { sceneId, taskId })));
  }

  /**
   * Takes the callback for one of `taskIds`, newest task first; later copies become duplicates.
   * A failure reported for a task that was already superseded is taken too, and returned, so the
   * caller can tell it from the current task's.
   */
  take({ step, sceneId }: StepSlot, taskIds: readonly string[]): StepEvent | undefined {
    for (const taskId of [...taskIds].reverse()) {
      const key = keyOf(step, { sceneId, taskId });
      const entry = this.waiting.get(key);
      if (entry) {
        this.waiting.delete(key);
        this.taken.add(key);
        return entry.event;
      }
    }
    return undefined;
  }

  /** Removes callbacks about a scene that is done: they can only be strays now. */
  discardScene(sceneId: string): StepEvent[] {
    const discarded: StepEvent[] = [];
    for (const [key, entry] of this.waiting) {
      if (entry.event.sceneId === sceneId) {
        this.waiting.delete(key);
        discarded.push(entry.event);
      }
    }
    return discarded;
  }

  snapshot(): InboxSnapshot {
    return { taken: [...this.taken], waiting: [...this.waiting.values()] };
  }
}

const keyOf = (step: Step, { sceneId, taskId }: Pick<StepEvent, 'sceneId' | 'taskId'>) => JSON.stringify([step, sceneId ?? null, taskId]);

/**
 * A service reported the task failed on every attempt, or never called back. The message is the reason
 * clients read (see publicReason); `detail` is the service's last reason as it sent it, for operators.
 */
export class StepFailed extends Error {
  constructor(
    readonly step: Step,
    readonly sceneId: string | undefined,
    reason: string,
    readonly detail?: string,
  ) {
    super(reason);
    this.name = 'StepFailed';
  }
}

/** Asks the service for the step's task; `taskNumber` picks the idempotency key (a new number, a new task). */
export type RequestTask = (taskNumber: number) => Promise<TaskAnswer>;

/** Operator requests the runner reacts to while it waits. */
export interface Interrupts {
  requestNow: boolean;
}

export interface StepRunnerContext {
  inbox: StepInbox;
  settings: WorkflowSettings;
  interrupts: Interrupts;
  /** Published for the `progress` query while the step runs. */
  setCurrent(current: CurrentStep | null): void;
}

/** A service's answer meaning "that task is gone": ask for a new one instead of waiting for it. */
const lostTask = new Set(['failed', 'unknown', 'expired', 'cancelled']);

/**
 * Runs one step (a scene's video or last frame, or the stitch) until a callback brings its result:
 * request the task, wait for its callback until the step's deadline, and
 * - on a failed task: back off, then request a new task (new idempotency key);
 * - on a deadline (a lost callback) or an operator's `requestNow`: ask again with the same key, and
 *   start a new task only if the service says the old one failed or is unknown.
 * Every request counts as an attempt; after `stepMaxAttempts` the step fails. A callback for any task
 * requested during the step is accepted, so a slow task that finally succeeds is never wasted.
 */
export async function runStep(
  ctx: StepRunnerContext,
  step: Step,
  where: { sceneId?: string; sceneIndex: number | null },
  counters: StepCounters,
  request: RequestTask,
): Promise<StepEvent & { url: string }> {
  const { settings, inbox, interrupts } = ctx;
  const taskIds: string[] = [];
  let newTask = true;
  let lastProblem = 'never requested';
  let lastServiceReason: string | undefined;
  const publish = (attempt: number, phase: CurrentStep['phase'], until: number | null) =>
    ctx.setCurrent({ step, sceneIndex: where.sceneIndex, attempt, taskIds: [...taskIds], phase, until: until ? new Date(until).toISOString() : null });

  for (;;) {
    if (counters.attempts >= settings.stepMaxAttempts) {
      throw new StepFailed(step, where.sceneId, `${step} failed after ${counters.attempts} attempts: ${lastProblem}`, lastServiceReason);
    }
    const attempt = (counters.attempts += 1);
    publish(attempt, 'requesting', null);
    if (newTask) counters.tasksStarted += 1;
    let answer = await request(counters.tasksStarted);
    if (!newTask && answer.taskStatus && lostTask.has(answer.taskStatus)) {
      log.info('The service lost the task: starting a new one', { step, ...where, taskId: answer.taskId, taskStatus: answer.taskStatus });
      counters.tasksStarted += 1;
      answer = await request(counters.tasksStarted);
    }
    newTask = false;
    if (!taskIds.includes(answer.taskId)) taskIds.push(answer.taskId);
    // A callback this run never received as a signal (it was reset past it): take it as one. A copy
    // the run did receive is a duplicate to the inbox.
    if (answer.storedCallback) inbox.put(step, answer.storedCallback);

    const deadline = Date.now() + settings.stepTimeoutMs[step];
    publish(attempt, 'waiting', deadline);
    const outcome = await waitForCallback(inbox, interrupts, { step, sceneId: where.sceneId }, taskIds, deadline);
    if (outcome.kind === 'event') {
      const { event } = outcome;
      if (event.outcome === 'completed' && event.url) return { ...event, url: event.url };
      lastServiceReason = event.error;
      lastProblem = event.error ? publicReason(event.error) : 'the callback carried no result';
      log.warn('Task failed', { step, ...where, taskId: event.taskId, attempt, error: event.error ?? lastProblem });
      if (counters.attempts >= settings.stepMaxAttempts) continue;
      const backoff = settings.stepRetryBackoffMs * 2 ** (attempt - 1);
      publish(attempt, 'backing_off', Date.now() + backoff);
      if (await condition(() => interrupts.requestNow, backoff)) interrupts.requestNow = false;
      newTask = true;
    } else {
      lastServiceReason = undefined;
      lastProblem = outcome.kind === 'timeout' ? `no callback within ${settings.stepTimeoutMs[step] / 1000}s` : 'asked again by an operator';
      log.warn('No callback yet: asking the service again', { step, ...where, attempt, reason: lastProblem });
    }
  }
}

type WaitOutcome = { kind: 'event'; event: StepEvent } | { kind: 'timeout' } | { kind: 'requested' };

/**
 * Waits for the callback of any of `taskIds` until `deadline`. A failure reported for a task that a
 * newer one has replaced is logged and skipped: only the newest task's failure counts.
 */
async function waitForCallback(
  inbox: StepInbox,
  interrupts: Interrupts,
  slot: StepSlot,
  taskIds: string[],
  deadline: number,
): Promise<WaitOutcome> {
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { kind: 'timeout' };
    const ready = await condition(() => interrupts.requestNow || inbox.hasAny(slot, taskIds), remaining);
    if (interrupts.requestNow) {
      interrupts.requestNow = false;
      return { kind: 'requested' };
    }
    if (!ready) return { kind: 'timeout' };
    const event = inbox.take(slot, taskIds)!;
    if (event.outcome === 'failed' && event.taskId !== taskIds[taskIds.length - 1]) {
      log.info('Failure of a superseded task ignored', { step: slot.step, taskId: event.taskId });
      continue;
    }
    return { kind: 'event', event };
  }
}
