import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setHandler,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Step, StepEvent } from './events';
import { StepInbox } from './inbox';
import { lastFrameCompleteSignal, progressQuery, stitchCompleteSignal, videoCompleteSignal } from './messages';
import { initialProgress, type ProjectProgress, type SceneProgress } from './progress';

export interface WorkflowSettings {
  /** First retry delay of a failed activity (service call or database write). */
  retryInitialIntervalMs: number;
  retryMaximumIntervalMs: number;
  /** Attempts per activity before the project is failed. */
  retryMaximumAttempts: number;
}

export const defaultWorkflowSettings: WorkflowSettings = {
  retryInitialIntervalMs: 1_000,
  retryMaximumIntervalMs: 60_000,
  retryMaximumAttempts: 12,
};

export interface ProjectWorkflowInput {
  projectId: string;
  userId: string | null;
  /** Scene ids in film order; prompts stay in the database, out of the workflow's history. */
  sceneIds: string[];
  settings?: Partial<WorkflowSettings>;
}

/** A service reported that a task failed. */
class StepFailed extends Error {
  constructor(
    readonly step: Step,
    readonly sceneId: string | undefined,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * One film, start to finish: each scene's video (seeded by the previous scene's last frame), then
 * its last frame, then the stitched film and the user's notification. Every wait is for a callback
 * signal matched by task id; every side effect is an activity, so the database shows real progress.
 */
export async function projectWorkflow(input: ProjectWorkflowInput): Promise<ProjectProgress> {
  const { projectId, userId } = input;
  const settings = { ...defaultWorkflowSettings, ...input.settings };
  const progress = initialProgress(projectId, input.sceneIds);
  const inbox = new StepInbox();

  const receive = (step: Step) => (event: StepEvent) => {
    if (inbox.put(step, event) === 'duplicate') {
      log.info('Duplicate callback ignored', { step, taskId: event.taskId, sceneId: event.sceneId });
    }
  };
  setHandler(videoCompleteSignal, receive('video'));
  setHandler(lastFrameCompleteSignal, receive('lastFrame'));
  setHandler(stitchCompleteSignal, receive('stitch'));
  setHandler(progressQuery, () => progress);

  const retry: ActivityOptions['retry'] = {
    initialInterval: settings.retryInitialIntervalMs,
    maximumInterval: settings.retryMaximumIntervalMs,
    backoffCoefficient: 2,
    maximumAttempts: settings.retryMaximumAttempts,
  };
  const services = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });
  const records = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds', retry });

  /** Requests a task, then waits for its callback; a failed task becomes a StepFailed. */
  async function completed(step: Step, sceneId: string | undefined, request: () => Promise<{ taskId: string }>) {
    const { taskId } = await request();
    progress.waitingFor = { step, taskId };
    await condition(() => inbox.has(step, taskId));
    progress.waitingFor = null;
    const event = inbox.take(step, taskId)!;
    if (event.outcome === 'failed' || !event.url) {
      throw new StepFailed(step, sceneId, event.error ?? `${step} callback carried no URL`);
    }
    return { ...event, url: event.url };
  }

  async function produceScene(scene: SceneProgress, startFrameUrl: string | null) {
    const { sceneId } = scene;
    progress.currentScene = scene.index;
    scene.status = 'generating';
    const video = await completed('video', sceneId, () =>
      services.requestSceneVideo({ projectId, sceneId, startFrameUrl, attempt: 1 }),
    );
    await records.saveSceneVideo({
      sceneId,
      taskId: video.taskId,
      videoUrl: video.url,
      thumbnailUrl: video.thumbnailUrl,
      detail: video.detail,
    });
    Object.assign(scene, { status: 'extracting_frame', videoUrl: video.url, thumbnailUrl: video.thumbnailUrl });

    const frame = await completed('lastFrame', sceneId, () =>
      services.requestLastFrame({ projectId, sceneId, videoUrl: video.url, attempt: 1 }),
    );
    await records.completeScene({ sceneId, taskId: frame.taskId, lastFrameUrl: frame.url, detail: frame.detail });
    Object.assign(scene, { status: 'completed', lastFrameUrl: frame.url });
    return frame.url;
  }

  try {
    await records.markProjectGenerating(projectId);
    progress.status = 'generating';

    let startFrameUrl: string | null = null;
    for (const scene of progress.scenes) {
      startFrameUrl = await produceScene(scene, startFrameUrl);
    }
    progress.currentScene = null;

    await records.markProjectStitching(projectId);
    progress.status = 'stitching';
    const film = await completed('stitch', undefined, () =>
      services.requestStitch({
        projectId,
        scenes: progress.scenes.map((s) => ({ sceneId: s.sceneId, videoUrl: s.videoUrl! })),
        attempt: 1,
      }),
    );
    const thumbnailUrl = film.thumbnailUrl ?? progress.scenes[0]?.thumbnailUrl;
    await records.completeProject({
      projectId,
      taskId: film.taskId,
      finalVideoUrl: film.url,
      thumbnailUrl,
      detail: film.detail,
    });
    Object.assign(progress, { status: 'completed', finalVideoUrl: film.url });

    await services.notifyUser({
      projectId,
      userId,
      type: 'project.completed',
      finalVideoUrl: film.url,
      thumbnailUrl,
    });
    return progress;
  } catch (err) {
    if (!(err instanceof StepFailed || err instanceof ActivityFailure)) throw err;
    const reason = failureReason(err);
    const sceneId = err instanceof StepFailed ? err.sceneId : progress.scenes[progress.currentScene ?? -1]?.sceneId;
    log.warn('Project failed', { projectId, sceneId, reason });
    Object.assign(progress, { status: 'failed', failureReason: reason, waitingFor: null });
    const scene = progress.scenes.find((s) => s.sceneId === sceneId);
    if (scene) scene.status = 'failed';

    const cause =
      err instanceof StepFailed
        ? { kind: 'task' as const, step: err.step }
        : { kind: 'activity' as const, activityType: err.activityType ?? 'unknown', failureType: (err.cause as ApplicationFailure | undefined)?.type ?? undefined };
    await records.failProject({ projectId, sceneId, reason, cause });
    await services.notifyUser({ projectId, userId, type: 'project.failed', reason }).catch((notifyErr) => {
      log.warn('Could not notify the user of the failure', { projectId, error: String(notifyErr) });
    });
    // Failing the run makes the project stand out in the Web UI and in `temporal workflow list`.
    throw ApplicationFailure.nonRetryable(reason, 'ProjectFailed', { projectId, sceneId });
  }
}

function failureReason(err: StepFailed | ActivityFailure): string {
  if (err instanceof StepFailed) return `${err.step} failed: ${err.message}`;
  const cause = err.cause?.message ?? err.message;
  return `${err.activityType ?? 'activity'} failed: ${cause}`;
}
