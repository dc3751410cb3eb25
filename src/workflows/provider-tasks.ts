import { ActivityFailure, isCancellation, log, proxyActivities } from '@temporalio/workflow';
import type { ProviderTaskActivities, TaskAnswer } from '../contracts/services';
import type { StepEvent } from '../contracts/steps';
import type { WorkflowSettings } from '../contracts/workflow-settings';

/**
 * What the workflow does for a provider's task beyond asking for it: watch one that sends no callback,
 * and stop the one in progress when the film is cancelled. Only films made with a provider other than
 * the guide's services get answers that ask for either, so a guide film's history is what it always was.
 */
export function providerTasks(projectId: string, settings: WorkflowSettings) {
  // Temporal's guidance for a task polled every few seconds for minutes: one long activity that
  // heartbeats as it polls; a worker that dies stops heartbeating, and another takes the watch over
  // within pollHeartbeatTimeoutMs, asking about the same task (nothing is submitted again).
  // https://docs.temporal.io/develop/typescript/failure-detection#activity-heartbeats
  const { pollProviderTask } = proxyActivities<ProviderTaskActivities>({
    startToCloseTimeout: '1 day',
    heartbeatTimeout: settings.pollHeartbeatTimeoutMs,
    retry: { initialInterval: settings.retryInitialIntervalMs, maximumInterval: settings.retryMaximumIntervalMs, backoffCoefficient: 2 },
  });
  const { cancelProviderTask } = proxyActivities<ProviderTaskActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: settings.retryInitialIntervalMs, maximumInterval: settings.retryMaximumIntervalMs, maximumAttempts: 5 },
  });
  let inProgress: { sceneId: string; taskId: string } | undefined;

  return {
    /** The watch's result as a callback; a watch that fails for good reports the task failed, so the step asks anew. */
    poll: async (taskId: string, sceneId: string | undefined): Promise<StepEvent> => {
      try {
        return await pollProviderTask({ projectId, sceneId: sceneId!, taskId });
      } catch (err) {
        if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
        return { taskId, projectId, sceneId, outcome: 'failed', error: err.cause?.message ?? err.message, detail: {} };
      }
    },

    taskRequested: (answer: TaskAnswer, sceneId: string | undefined): void => {
      inProgress = answer.cancellable && sceneId ? { sceneId, taskId: answer.taskId } : undefined;
    },

    /** The scene's video is done: nothing left to stop. */
    videoDone(): void {
      inProgress = undefined;
    },

    /** Stops the task in progress at its provider, if any (the film was cancelled). */
    async cancelInProgress(): Promise<void> {
      if (!inProgress) return;
      await cancelProviderTask({ projectId, ...inProgress }).catch((err) =>
        log.warn('Could not cancel the task at its provider', { projectId, ...inProgress, error: String(err) }),
      );
      inProgress = undefined;
    },
  };
}
