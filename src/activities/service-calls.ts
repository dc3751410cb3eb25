import { ApplicationFailure } from '@temporalio/common';
import {
  idempotencyKey,
  taskAccepted,
  type NotifyUserInput,
  type RequestLastFrameInput,
  type RequestSceneVideoInput,
  type RequestStitchInput,
  type ServiceActivities,
  type ServiceRequest,
  type TaskAnswer,
} from '../contracts/services';
import { defaultProvider } from '../contracts/providers';
import { spanAttributes } from '../contracts/span-attributes';
import { stepNames, webhookUrl, type Step } from '../contracts/steps';
import { storedStepEvent } from '../contracts/webhooks';
import { callbackBaseUrl, type Config } from '../platform/config';
import { annotateActiveSpan } from '../platform/tracing';
import type { LinkSharer } from '../media/asset-links';
import type { Database } from '../storage/database';
import type { ProviderCalls } from './provider-calls';
import { createSceneRows, withTake } from './scene-rows';
import { serviceErrorTypes, type ServiceClient } from './service-client';
import type { StepMetrics } from './step-metrics';

/**
 * The activities that call the services: each asks for one task (or sends one notification) under an
 * idempotency key, and records on the scene what it asked for. Reelay's own asset links go out
 * `share`d (signed for whoever receives them) and are recorded stable.
 */
export function createServiceCalls(
  config: Config,
  database: Database,
  client: ServiceClient,
  steps: StepMetrics,
  providers: ProviderCalls,
  share: LinkSharer,
): ServiceActivities {
  const scenes = createSceneRows(database.pool, steps);
  const callbackUrl = (step: Step) => webhookUrl(callbackBaseUrl(config), stepNames[step].endpoint);

  /** The project's part of a project-wide idempotency key (see projectKeyPart), from its key scope. */
  const keyOwner = (projectId: string, keyScope: string | null | undefined) => (keyScope ? `${projectId}~${keyScope}` : projectId);

  /**
   * The project's part of an idempotency key: its id, and for a film that took a deleted film's id the
   * scope it was given then, so a service that remembers the deleted film's stitch or notification
   * does not answer this film with it. A scene's keys hold the scene's own (new) id.
   */
  async function projectKeyPart(projectId: string): Promise<string> {
    const { rows } = await database.pool.query<{ key_scope: string | null }>({ name: 'project-key-scope', text: 'SELECT key_scope FROM projects WHERE id = $1', values: [projectId] });
    return keyOwner(projectId, rows[0]?.key_scope);
  }

  /**
   * Asks the service for the step's task under the key of task `taskNumber` of `subject` (a scene, or
   * the project under `owner`, its key part). Asked again for a task whose callback already came (a run
   * reset with Temporal), the workflow gets that callback, since the service will not send it twice:
   * each caller looks for it in the write that records the request (withStoredCallback).
   */
  async function createTask<S extends Step>(step: S, body: ServiceRequest[S], taskNumber: number, subject: { projectId: string; sceneId?: string; owner?: string }): Promise<TaskAnswer> {
    const key = idempotencyKey(subject.owner ?? subject.projectId, stepNames[step].keyPart, subject.sceneId ?? 'project', taskNumber);
    const { scene_index: sceneIndex } = body as { scene_index?: number };
    annotateActiveSpan({ [spanAttributes.step]: step, [spanAttributes.projectId]: subject.projectId, [spanAttributes.sceneId]: subject.sceneId, [spanAttributes.sceneIndex]: sceneIndex });
    const answer = taskAccepted.safeParse(await client.post(step, body, key));
    if (!answer.success) {
      throw ApplicationFailure.nonRetryable(`The ${step} service accepted the request but sent no task_id`, serviceErrorTypes.badResponse);
    }
    const taskId = answer.data.task_id;
    annotateActiveSpan({ [spanAttributes.taskId]: taskId });
    return { taskId, taskStatus: answer.data.status };
  }

  /** The task's answer with the callback the gateway already stored for it, if any. */
  function withStoredCallback(step: Step, task: TaskAnswer, rawBody: string | undefined): TaskAnswer {
    return rawBody ? { ...task, storedCallback: storedStepEvent(stepNames[step].endpoint, rawBody) } : task;
  }

  return {
    /** Asks the video service for one scene, seeded by the previous scene's last frame. */
    async requestSceneVideo({ projectId, sceneId, startFrameUrl, sceneAttempts, taskNumber, previousScene, take }: RequestSceneVideoInput): Promise<TaskAnswer> {
      const scene = withTake(await scenes.promptAfter(sceneId, previousScene), take);
      const startFrame = startFrameUrl ?? (scene.index === 0 ? scene.startImageUrl : null);
      const guide = scene.provider === defaultProvider;
      const sharedStartFrame = await share(startFrame);
      const task =
        !guide
          ? await providers.submit({ scene, projectId, sceneId, taskNumber, startFrameUrl: sharedStartFrame })
          : await createTask(
              'video',
              {
                project_id: projectId,
                scene_id: sceneId,
                scene_index: scene.index,
                prompt: scene.prompt,
                duration: scene.duration,
                start_frame_url: sharedStartFrame,
                webhook_url: callbackUrl('video'),
              },
              taskNumber,
              { projectId, sceneId },
            );
      // A provider's task hands back its stored callback itself (provider-calls.ts).
      const stored = await scenes.videoRequested(
        sceneId,
        { taskId: task.taskId, startFrameUrl: startFrame, attempts: sceneAttempts },
        guide ? { endpoint: stepNames.video.stored, projectId } : undefined,
      );
      if (take) await scenes.takeRequested(sceneId, { take, prompt: scene.prompt, taskId: task.taskId, startFrameUrl: startFrame });
      return withStoredCallback('video', task, stored);
    },

    async requestLastFrame({ projectId, sceneId, videoUrl, sceneAttempts, taskNumber, video }: RequestLastFrameInput): Promise<TaskAnswer> {
      const body = { project_id: projectId, scene_id: sceneId, video_url: await share(videoUrl), webhook_url: callbackUrl('lastFrame') };
      const task = await createTask('lastFrame', body, taskNumber, { projectId, sceneId }).catch(async (err: unknown) => {
        // The video is saved even while the last-frame service fails, as it would be without riding along;
        // the request's own failure decides what happens next (a retry, or a 4xx failing the film).
        if (video) await scenes.videoSaved(video).catch(() => undefined);
        throw err;
      });
      const attempt = { taskId: task.taskId, attempts: sceneAttempts };
      const callback = { endpoint: stepNames.lastFrame.stored, projectId };
      // The scene's video (riding along) and the request, in one write.
      const stored = video ? await scenes.videoSavedLastFrameRequested(video, attempt, callback) : await scenes.lastFrameRequested(sceneId, attempt, callback);
      return withStoredCallback('lastFrame', task, stored);
    },

    async requestStitch({ projectId, scenes: sceneVideos, taskNumber, lastScene, startsStitching }: RequestStitchInput): Promise<TaskAnswer> {
      const keyScope = await scenes.stitchStarts(projectId, lastScene, startsStitching === true);
      const task = await createTask(
        'stitch',
        {
          project_id: projectId,
          scenes: await Promise.all(sceneVideos.map(async (s) => ({ scene_id: s.sceneId, video_url: await share(s.videoUrl) }))),
          webhook_url: callbackUrl('stitch'),
        },
        taskNumber,
        { projectId, owner: keyOwner(projectId, keyScope) },
      );
      return withStoredCallback('stitch', task, await scenes.stitchRequested(projectId, task.taskId, stepNames.stitch.stored));
    },

    /** Optional: when no notification service is configured the user is simply not notified. */
    async notifyUser(input: NotifyUserInput): Promise<{ notified: boolean }> {
      if (!config.services.notification) return { notified: false };
      const body: ServiceRequest['notification'] = {
        project_id: input.projectId,
        user_id: input.userId,
        type: input.type,
        final_video_url: (await share(input.finalVideoUrl)) ?? null,
        thumbnail_url: (await share(input.thumbnailUrl)) ?? null,
        ...(input.reason ? { reason: input.reason } : {}),
        ...(input.sceneIndex !== undefined ? { scene_index: input.sceneIndex } : {}),
        ...(input.cut ? { cut: input.cut } : {}),
      };
      // A review film's completions are one per cut, each sent once.
      await client.post('notification', body, idempotencyKey(await projectKeyPart(input.projectId), 'notify', input.type, input.sequence ?? input.cut ?? 1));
      return { notified: true };
    },
  };
}
