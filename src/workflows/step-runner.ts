import { CancellationScope, condition, isCancellation, log } from '@temporalio/workflow';
import type { CurrentStep, InboxSnapshot, StepCounters } from '../contracts/progress';
import { StepInbox, type StepSlot } from './inbox';
import type { TaskAnswer } from '../contracts/services';
import type { Step, StepEvent } from '../contracts/steps';
import type { WorkflowSettings } from '../contracts/workflow-settings';
import { publicReason } from '../contracts/public-text';

export type { InboxSnapshot };
export { StepInbox } from './inbox';

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
  /** Watches a provider's task that sends no callback (TaskAnswer.completion `poll`) until it ends. */
  poll?: (taskId: string, sceneId: string | undefined) => Promise<StepEvent>;
  /** Told of each task a step requested (the film's cancellation stops a provider's task). */
  taskRequested?: (answer: TaskAnswer, sceneId: string | undefined) => void;
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
  const watches = new PolledTasks(ctx, step, inbox);
  try {
    return await requestUntilDone();
  } finally {
    watches.stop();
  }

  async function requestUntilDone(): Promise<StepEvent & { url: string }> {
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
      ctx.taskRequested?.(answer, where.sceneId);
      if (answer.completion === 'poll') watches.watch(answer.taskId, where.sceneId);
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
}

/**
 * The provider tasks a step watches (one watch per task, however often the step asks again about it),
 * each watch's result put in the inbox as its callback would be. The watches end with the step.
 */
class PolledTasks {
  private readonly watched = new Set<string>();
  private readonly scope = new CancellationScope();

  constructor(
    private readonly ctx: StepRunnerContext,
    private readonly step: Step,
    private readonly inbox: StepInbox,
  ) {}

  watch(taskId: string, sceneId: string | undefined): void {
    const { poll } = this.ctx;
    if (!poll || this.watched.has(taskId)) return;
    this.watched.add(taskId);
    this.scope.run(() => poll(taskId, sceneId)).then(
      (event) => this.inbox.put(this.step, event),
      (err: unknown) => {
        // Anything but the step's end becomes a failed event in `poll` itself (project-workflow.ts).
        if (!isCancellation(err)) log.warn('Watching a provider task failed', { taskId, error: String(err) });
      },
    );
  }

  stop(): void {
    if (this.watched.size) this.scope.cancel();
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
