import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { backPressureTypes, type BackPressureDetail, type PollTaskInput, type ProviderName, type ProviderSlotInput } from '../contracts/providers';
import type { TaskAnswer } from '../contracts/services';
import type { StepEvent } from '../contracts/steps';
import { callbackBaseUrl, type Config } from '../platform/config';
import { finishedStates, ProviderCallError, type ProviderTask, type VideoProviderAdapter } from '../providers/adapter';
import { toStepEvent, videoCompletePayload } from '../contracts/webhooks';
import { completionBody } from '../providers/completion';
import type { Database } from '../storage/database';
import type { ProviderLeases } from '../storage/provider-leases';
import { createActivityLeases } from './activity-leases';
import type { SceneChoice } from './records';
import { serviceErrorTypes, type ServiceCallDetail } from './service-client';
import type { StepMetrics } from './step-metrics';

/** Where a provider posts a scene's completion: the gateway's route for it, naming the scene (docs/providers.md). */
export function providerCallbackUrl(config: Config, provider: ProviderName, fingerprint: string, projectId: string, sceneId: string): string {
  const query = new URLSearchParams({ project: projectId, scene: sceneId, fp: fingerprint });
  return `${callbackBaseUrl(config)}/api/webhooks/providers/${provider}?${query.toString()}`;
}

/** How soon a scene waiting for a slot asks again: a freed slot is claimed within about this long. */
const slotRetryMs = 500;

/**
 * A provider's failed call, as Temporal's retries understand it (as the guide's services' are: service-client.ts).
 * A 429 is the provider's back-pressure: waited out after its Retry-After, under a type of its own.
 */
function asFailure(err: unknown, provider: ProviderName): ApplicationFailure {
  const failure = ProviderCallError.from(provider, err);
  return ApplicationFailure.create({
    type: failure.retryable ? serviceErrorTypes.unavailable : serviceErrorTypes.rejected,
    message: failure.message,
    nonRetryable: !failure.retryable,
    nextRetryDelay: failure.detail.retryAfterMs,
    details: [{ url: failure.detail.url ?? provider, status: failure.detail.status, answer: failure.detail.answer } satisfies ServiceCallDetail],
  });
}

/** A finished task as the workflow receives a callback: the same event whichever way it arrived. */
export function taskEvent(provider: ProviderName, task: ProviderTask, where: { projectId: string; sceneId: string }): StepEvent {
  return toStepEvent('video-complete', videoCompletePayload.parse(completionBody(provider, task, where)));
}

const submissionSql = {
  /** The intent, before the call: a retry finds it (and the task id, once recorded). */
  intend: `INSERT INTO provider_submissions (fingerprint, provider, project_id, scene_id) VALUES ($1, $2, $3, $4)
    ON CONFLICT (fingerprint) DO UPDATE SET provider = EXCLUDED.provider
    RETURNING task_id, created_at, (xmax <> 0) AS existed`,
  submitted: 'UPDATE provider_submissions SET task_id = $2, submitted_at = now() WHERE fingerprint = $1',
  recorded: 'SELECT task_id FROM provider_submissions WHERE fingerprint = $1',
  filmOwner: 'SELECT client_id, user_id, priority FROM projects WHERE id = $1',
  taskOwner: 'SELECT p.provider, COALESCE(s.model, p.model) AS model FROM scenes s JOIN projects p ON p.id = s.project_id WHERE s.id = $1',
} as const;

export interface ProviderSubmission {
  scene: SceneChoice;
  projectId: string;
  sceneId: string;
  taskNumber: number;
  startFrameUrl: string | null;
}

/**
 * A scene's task at a provider other than the guide's services. None of them takes an idempotency key,
 * so paying once is done here: the intent is recorded before the call; a retry that finds the task id
 * recorded asks no more; one that finds only the intent (the worker died between the provider's answer
 * and the record) asks the provider for a task with this fingerprint before submitting another, where
 * the provider can list its tasks (findSubmitted). docs/providers.md gives the measured result.
 */
export function createProviderCalls(
  config: Config,
  { pool }: Database,
  adapters: ReadonlyMap<ProviderName, VideoProviderAdapter>,
  { leases = createActivityLeases(config, pool), steps }: { leases?: ProviderLeases; steps?: Pick<StepMetrics, 'slotWait'> } = {},
) {
  function adapterFor(provider: string): VideoProviderAdapter {
    const adapter = adapters.get(provider as ProviderName);
    if (!adapter) throw ApplicationFailure.nonRetryable(`The ${provider} provider is not available on this worker`, 'ProviderNotConfigured');
    return adapter;
  }

  /** The adapter and model a scene's task was submitted with (fal finds a request only under its model). */
  async function ownerOf(sceneId: string): Promise<{ adapter: VideoProviderAdapter; model: string }> {
    const { rows } = await pool.query<{ provider: string; model: string | null }>(submissionSql.taskOwner, [sceneId]);
    if (!rows[0]) throw ApplicationFailure.nonRetryable(`Scene ${sceneId} not found`, 'SceneNotFound');
    const adapter = adapterFor(rows[0].provider);
    return { adapter, model: rows[0].model ?? adapter.defaultModel };
  }

  /**
   * A slot under the provider's cap, or a "waiting" failure naming the scene's place in line. From the
   * submit it is final (the workflow then waits in awaitProviderSlot, spending no step attempt); from
   * awaitProviderSlot it is retried by Temporal after slotRetryMs, with no history event per try.
   */
  async function takeSlot(provider: ProviderName, fingerprint: string, projectId: string, sceneId: string, final: boolean): Promise<{ client: string | null; waitedSeconds: number }> {
    const holdMs = config.workflow.stepTimeoutMs.video;
    // Granted while the film slept: claimed in one statement, before anything else (the hand-over's path);
    // the lease names the film's client, so the claim needs no second look-up.
    const claimed = await leases.claim(fingerprint, holdMs);
    if (claimed) return { client: claimed.clientId, waitedSeconds: claimed.waitedSeconds };
    const { rows } = await pool.query<{ client_id: string | null; user_id: string | null; priority: number }>(submissionSql.filmOwner, [projectId]);
    const owner = rows[0] ?? { client_id: null, user_id: null, priority: 0 };
    const turn = await leases.acquire({ provider, fingerprint, projectId, sceneId, clientId: owner.client_id, userId: owner.user_id, priority: owner.priority, holdMs });
    if (turn.held) return { client: owner.client_id, waitedSeconds: turn.waitedSeconds };
    throw ApplicationFailure.create({
      type: backPressureTypes.waitingForSlot,
      message: `Waiting for a slot at ${provider}: ${turn.position} of ${turn.waiting} in line`,
      nonRetryable: final,
      nextRetryDelay: slotRetryMs,
      details: [{ provider, position: turn.position, waiting: turn.waiting } satisfies BackPressureDetail],
    });
  }

  async function submit({ scene, projectId, sceneId, taskNumber, startFrameUrl }: ProviderSubmission): Promise<TaskAnswer> {
    const adapter = adapterFor(scene.provider);
    const model = scene.model ?? adapter.defaultModel;
    const fingerprint = `${projectId}/${sceneId}/${taskNumber}`;
    // A task not yet submitted waits for its turn first, so the intent below is recorded only when a submit follows.
    const recorded = await pool.query<{ task_id: string | null }>(submissionSql.recorded, [fingerprint]);
    const slot = recorded.rows[0]?.task_id ? undefined : await takeSlot(adapter.name, fingerprint, projectId, sceneId, true);
    const { rows } = await pool.query<{ task_id: string | null; created_at: Date; existed: boolean }>(submissionSql.intend, [
      fingerprint,
      adapter.name,
      projectId,
      sceneId,
    ]);
    const intent = rows[0];
    // Counted once per task: the first time its intent is written (a retried submit finds it).
    if (slot && !intent.existed) steps?.slotWait(adapter.name, slot.client, slot.waitedSeconds);
    const answer = (taskId: string, taskStatus?: string, storedCallback?: StepEvent): TaskAnswer => ({
      taskId,
      ...(taskStatus ? { taskStatus } : {}),
      ...(storedCallback ? { storedCallback } : {}),
      ...(adapter.completion === 'poll' ? { completion: 'poll' as const } : {}),
      cancellable: true,
    });
    try {
      if (intent.task_id) {
        // Asked again about the same task (its callback is late): the provider's word on it, and its
        // result when it already ended, so a lost webhook costs a wait, never the scene.
        const task = await adapter.getTask(intent.task_id, model);
        if (task.state === 'failed' || task.state === 'cancelled') return answer(task.id, task.state);
        return answer(task.id, undefined, finishedStates.has(task.state) ? taskEvent(adapter.name, task, { projectId, sceneId }) : undefined);
      }
      // A minute's slack: the provider's clock and the database's need not agree.
      const since = new Date(intent.created_at.getTime() - 60_000);
      const found = intent.existed && adapter.findSubmitted ? await adapter.findSubmitted(fingerprint, since) : undefined;
      const taskId =
        found ??
        (
          await adapter.submit({
            model,
            prompt: scene.prompt,
            durationSeconds: scene.duration ?? undefined,
            startFrameUrl,
            options: { ...scene.projectOptions, ...scene.sceneOptions },
            callbackUrl: adapter.completion === 'webhook' ? providerCallbackUrl(config, adapter.name, fingerprint, projectId, sceneId) : undefined,
            fingerprint,
          })
        ).taskId;
      await pool.query(submissionSql.submitted, [fingerprint, taskId]);
      return answer(taskId);
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      const failure = ProviderCallError.from(adapter.name, err);
      // The provider's 429: back-pressure, not a failure. Final here: the workflow waits its Retry-After out
      // with the slot still held (Reelay's count was short: another user of the account), then asks again.
      if (failure.detail.status === 429) {
        throw ApplicationFailure.create({
          type: backPressureTypes.providerBusy,
          message: `${adapter.name} is busy: ${failure.message}`,
          nonRetryable: true,
          details: [{ provider: adapter.name, retryAfterMs: failure.detail.retryAfterMs ?? slotRetryMs * 4 } satisfies BackPressureDetail],
        });
      }
      throw asFailure(failure, adapter.name);
    }
  }

  return {
    submit,

    async awaitProviderSlot({ projectId, sceneId, taskNumber }: ProviderSlotInput): Promise<void> {
      const { adapter } = await ownerOf(sceneId);
      await takeSlot(adapter.name, `${projectId}/${sceneId}/${taskNumber}`, projectId, sceneId, false);
    },

    async pollProviderTask(input: PollTaskInput): Promise<StepEvent> {
      const { adapter, model } = await ownerOf(input.sceneId);
      const context = Context.current();
      for (;;) {
        let task: ProviderTask | undefined;
        try {
          task = await adapter.getTask(input.taskId, model);
        } catch (err) {
          const failure = ProviderCallError.from(adapter.name, err);
          if (!failure.retryable) throw asFailure(failure, adapter.name);
          // A provider briefly away is asked again at the next turn; the deadline is the workflow's.
          context.log.warn('Could not ask the provider about a task; asking again', { taskId: input.taskId, reason: failure.message });
        }
        context.heartbeat(task?.providerStatus ?? task?.state ?? 'unreachable');
        if (task && finishedStates.has(task.state)) {
          await leases.releaseScene(input.sceneId);
          return taskEvent(adapter.name, task, input);
        }
        await context.sleep(config.providers.pollIntervalMs);
      }
    },

    async cancelProviderTask(input: PollTaskInput): Promise<void> {
      const { adapter, model } = await ownerOf(input.sceneId);
      try {
        await adapter.cancel(input.taskId, model);
        await leases.releaseScene(input.sceneId);
      } catch (err) {
        throw asFailure(err, adapter.name);
      }
    },
  };
}

export type ProviderCalls = Pick<ReturnType<typeof createProviderCalls>, 'submit'>;
