import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ProjectProgress, ProjectStatus, SceneProgress } from '../contracts/progress';
import type { SceneFrameRecord, SceneVideoRecord } from '../contracts/records';
import type { Step, StepEvent } from '../contracts/steps';
import { callbackSignals, currentSceneKey, progressQuery, projectStatusKey, type ProjectWorkflow, type ProjectWorkflowInput } from '../contracts/workflow-api';
import { resolveSettings } from '../contracts/workflow-settings';
import { activityProxies } from './activity-proxies';
import { reportFailure } from './failure-report';
import { handleOperatorUpdates, type OperatorInterrupts } from './operator-updates';
import { mediaRouting } from './media-steps';
import { initialProgress } from './progress';
import { providerTasks } from './provider-tasks';
import { reviewGate } from './review-gate';
import { runStep, StepFailed, StepInbox, type StepRunnerContext } from './step-runner';

export type { ProjectWorkflowInput } from '../contracts/workflow-api';

/**
 * One film, start to finish: each scene's video (seeded by the previous scene's last frame), then its
 * last frame, then the stitched film and the user's notification. Every wait is for a callback signal
 * matched by task id, with a deadline; every side effect is an activity, so the database shows real
 * progress. A failed project stays open for an operator's `retryScene`; `cancelProject` (or
 * `temporal workflow cancel`) stops it; long films continue as new between scenes.
 */
export const projectWorkflow: ProjectWorkflow = async function projectWorkflow(input: ProjectWorkflowInput): Promise<ProjectProgress> {
  const { projectId } = input;
  // Runs begun after this change take one workflow task per callback: service calls run as local
  // activities, a step's database write rides along with the next request, and the scene being made is
  // shown as current details rather than a search-attribute upsert per scene. Runs begun before keep
  // the shape their history recorded.
  const oneTaskPerCallback = patched('one-workflow-task-per-callback');
  const settings = resolveSettings(input.settings);
  const progress: ProjectProgress = input.resume
    ? { ...input.resume, run: input.resume.run + 1 }
    : initialProgress(projectId, input.userId, input.sceneIds);
  const inbox = new StepInbox(progress.inbox);
  const interrupts: OperatorInterrupts = { requestNow: false, retry: false };
  const film = new CancellationScope();

  const sceneOf = (sceneId?: string) => progress.scenes.find((s) => s.sceneId === sceneId);

  // Messages --------------------------------------------------------------------------------------
  const receive = (step: Step) => (event: StepEvent) => {
    const scene = event.sceneId ? sceneOf(event.sceneId) : undefined;
    if (step !== 'stitch' && (!scene || scene.status === 'completed')) {
      log.info('Stray callback ignored: no such scene, or the scene is done', { step, taskId: event.taskId, sceneId: event.sceneId });
      return;
    }
    const { delivery, dropped } = inbox.put(step, event);
    if (delivery === 'duplicate') log.info('Duplicate callback ignored', { step, taskId: event.taskId, sceneId: event.sceneId });
    for (const old of dropped) log.warn('Unclaimed callback dropped', { taskId: old.taskId, sceneId: old.sceneId });
  };
  for (const step of ['video', 'lastFrame', 'stitch'] as const) setHandler(callbackSignals[step], receive(step));
  setHandler(progressQuery, () => ({ ...progress, inbox: inbox.snapshot() }));
  handleOperatorUpdates(progress, interrupts, film);
  const { services, records, recordsViaServer } = activityProxies(settings, oneTaskPerCallback);
  const provider = providerTasks(projectId, settings);
  const media = mediaRouting(input.media, settings, projectId, records);

  // The story -------------------------------------------------------------------------------------
  const sceneAttempts = (scene: SceneProgress) => scene.steps.video.attempts + scene.steps.lastFrame.attempts;
  const { poll, taskRequested } = provider;
  const runner: StepRunnerContext = { inbox, settings, interrupts, setCurrent: (current) => (progress.current = current), poll, taskRequested };

  function publishStatus(status: ProjectStatus) {
    progress.status = status;
    const scene = oneTaskPerCallback ? [{ key: currentSceneKey, value: progress.currentScene }] : [];
    upsertSearchAttributes([{ key: projectStatusKey, value: status }, ...scene]);
  }

  function publishScene(index: number | null) {
    progress.currentScene = index;
    if (!oneTaskPerCallback) upsertSearchAttributes([{ key: currentSceneKey, value: index }]);
    else setCurrentDetails(index === null ? 'Stitching the film' : `Scene ${index + 1} of ${progress.scenes.length}`);
  }

  // Writes that ride along with the next request (oneTaskPerCallback); written on their own otherwise.
  let pendingVideo: SceneVideoRecord | undefined;
  let pendingScene: SceneFrameRecord | undefined;
  async function flushPendingScene(via = records) {
    if (pendingScene) await via.completeScene(pendingScene);
    pendingScene = undefined;
  }
  const notify = (notice: Parameters<typeof services.notifyUser>[0]) => services.notifyUser(notice);
  const review = reviewGate({ projectId, plan: input.review, progress, records, notify, publishStatus, flush: flushPendingScene });

  async function produceScene(scene: SceneProgress) {
    const { sceneId } = scene;
    publishScene(scene.index);
    const where = { sceneId, sceneIndex: scene.index };
    if (!scene.videoUrl) {
      scene.status = 'generating';
      const startFrameUrl = progress.scenes[scene.index - 1]?.lastFrameUrl ?? null;
      const previousScene = pendingScene;
      const video = await runStep(runner, 'video', where, scene.steps.video, (taskNumber) =>
        services.requestSceneVideo({ projectId, sceneId, startFrameUrl, sceneAttempts: sceneAttempts(scene), taskNumber, previousScene, ...review.videoTake(scene) }),
      );
      review.videoMade(scene, video.detail);
      pendingScene = undefined;
      provider.videoDone();
      const kept = await media.keepSceneVideo(scene.index, { url: video.url, thumbnailUrl: video.thumbnailUrl }, sceneId);
      const saved = { sceneId, taskId: video.taskId, videoUrl: kept.url, thumbnailUrl: kept.thumbnailUrl, detail: video.detail };
      if (oneTaskPerCallback) pendingVideo = saved;
      else await records.saveSceneVideo(saved);
      Object.assign(scene, { status: 'extracting_frame', videoUrl: kept.url, thumbnailUrl: kept.thumbnailUrl });
    }
    const videoUrl = scene.videoUrl!;
    const video = pendingVideo;
    const frame = await media.lastFrame(scene.index, sceneId, videoUrl, video, () =>
      runStep(runner, 'lastFrame', where, scene.steps.lastFrame, (taskNumber) =>
        services.requestLastFrame({ projectId, sceneId, videoUrl, sceneAttempts: sceneAttempts(scene), taskNumber, video }),
      ),
    );
    pendingVideo = undefined;
    pendingScene = { sceneId, taskId: frame.taskId, lastFrameUrl: frame.url, detail: frame.detail };
    if (!oneTaskPerCallback) await flushPendingScene();
    Object.assign(scene, { status: 'completed', lastFrameUrl: frame.url });
    progress.current = null;
    for (const stray of inbox.discardScene(sceneId)) log.info('Stray callback ignored', { taskId: stray.taskId, sceneId });
  }

  async function stitchFilm() {
    publishScene(null);
    if (!oneTaskPerCallback) await records.setProjectStatus({ projectId, status: 'stitching' });
    publishStatus('stitching');
    const lastScene = pendingScene;
    const film = await media.stitch(progress.scenes.map((s) => s.videoUrl!), lastScene, () =>
      runStep(runner, 'stitch', { sceneIndex: null }, progress.stitch, (taskNumber) =>
        services.requestStitch({
          projectId,
          scenes: progress.scenes.map((s) => ({ sceneId: s.sceneId, videoUrl: s.videoUrl! })),
          taskNumber,
          ...(oneTaskPerCallback ? { lastScene, startsStitching: true } : {}),
        }),
      ),
    );
    pendingScene = undefined;
    const thumbnailUrl = film.thumbnailUrl ?? progress.scenes[0]?.thumbnailUrl;
    await records.completeProject({ projectId, taskId: film.taskId, finalVideoUrl: film.url, thumbnailUrl, detail: film.detail, ...review.cut() });
    progress.finalVideoUrl = film.url;
    progress.current = null;
    publishStatus('completed');
    await notify({ projectId, userId: progress.userId, type: 'project.completed', finalVideoUrl: film.url, thumbnailUrl, ...review.cut() });
  }

  /** Between scenes, when the history grows long: hand the state to a fresh run. */
  async function continueAsNewIfDue() {
    const info = workflowInfo();
    if (!info.continueAsNewSuggested && info.historyLength < settings.continueAsNewAfterEvents) return;
    await condition(allHandlersFinished);
    await flushPendingScene();
    log.info('Continuing as new', { projectId, run: progress.run, historyLength: info.historyLength });
    await continueAsNew<typeof projectWorkflow>({ ...input, resume: { ...progress, current: null, inbox: inbox.snapshot() } });
  }

  async function recordFailure(err: StepFailed | ActivityFailure) {
    const step = err instanceof StepFailed ? err.step : (progress.current?.step ?? 'video');
    const sceneId = err instanceof StepFailed ? err.sceneId : step === 'stitch' ? undefined : progress.scenes[progress.currentScene ?? -1]?.sceneId;
    const { reason, detail, cause } = reportFailure(err, step);
    log.warn('Project failed', { projectId, sceneId, step, reason, detail });
    progress.failure = { reason, step, sceneId, at: new Date().toISOString() };
    progress.current = null;
    const scene = sceneOf(sceneId);
    if (scene) scene.status = 'failed';
    await records.failProject({ projectId, sceneId, reason, detail, cause });
    publishStatus('failed');
    progress.failuresNotified += 1;
    await services
      .notifyUser({ projectId, userId: progress.userId, type: 'project.failed', reason, sequence: progress.failuresNotified })
      .catch((notifyErr) => log.warn('Could not notify the user of the failure', { projectId, error: String(notifyErr) }));
  }

  /** An operator asked to retry: the failed step starts again with fresh attempts and a new task. */
  async function resumeAfterFailure() {
    const { step, sceneId } = progress.failure!;
    const scene = sceneOf(sceneId);
    if (scene) {
      scene.steps[step as 'video' | 'lastFrame'].attempts = 0;
      scene.status = step === 'video' ? 'generating' : 'extracting_frame';
    } else {
      progress.stitch.attempts = 0;
    }
    const status = step === 'stitch' ? 'stitching' : 'generating';
    progress.failure = undefined;
    await records.resumeProject({ projectId, status, sceneId, sceneStatus: scene?.status });
    publishStatus(status);
    log.info('Project resumed by an operator', { projectId, step, sceneId });
  }

  async function makeFilm() {
    if (progress.status === 'pending') {
      await records.setProjectStatus({ projectId, status: 'generating' });
      publishStatus('generating');
    }
    for (;;) {
      try {
        await review.run({ produce: produceScene, stitch: stitchFilm, betweenScenes: continueAsNewIfDue });
        return;
      } catch (err) {
        if (!(err instanceof StepFailed || err instanceof ActivityFailure) || isCancellation(err)) throw err;
        await recordFailure(err);
        const retried = settings.failedProjectRetentionMs > 0 && (await condition(() => interrupts.retry, settings.failedProjectRetentionMs));
        if (!retried) {
          // Failing the run makes the project stand out in the Web UI and in `temporal workflow list`.
          throw ApplicationFailure.nonRetryable(progress.failure!.reason, 'ProjectFailed', { projectId, failure: progress.failure });
        }
        interrupts.retry = false;
        await resumeAfterFailure();
      }
    }
  }

  try {
    await film.run(makeFilm);
    return progress;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // `cancelProject`, or `temporal workflow cancel`: record it even though this run is being cancelled.
    const reason = interrupts.cancelReason ?? 'workflow cancelled';
    await CancellationScope.nonCancellable(async () => {
      // A regular activity here: a local one in the same workflow task as the cancelling update made
      // the server reject that update now and then ("unexpected workflow task failure").
      await flushPendingScene(recordsViaServer);
      await provider.cancelInProgress();
      await recordsViaServer.cancelProject({ projectId, reason });
      progress.current = null;
      progress.failure = undefined;
      publishStatus('cancelled');
    });
    log.info('Project cancelled', { projectId, reason });
    return progress;
  }
};

