import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { callbackBaseUrl, type Config, type ServiceName } from '../config/config';
import type { Database } from '../db/database';
import { webhookEndpointDbValue, webhookUrl } from '../webhooks/endpoints';
import { createEventStore } from '../webhooks/event-store';
import { storedStepEvent } from '../webhooks/step-event';
import type { TaskAnswer } from '../workflows/step-runner';
import type { ServiceBreakers } from './circuit-breakers';
import { createSceneRows } from './scene-rows';
import { postJson, serviceErrorTypes } from './http-client';

/**
 * Every task-creating service answers with the id its webhook will carry. Asked again with the same
 * Idempotency-Key, it answers with the same task and, ideally, its `status` (`failed` or `unknown`
 * tell Reelay to start a new task rather than keep waiting for that one).
 */
const taskAccepted = z.looseObject({ task_id: z.string().min(1), status: z.string().optional() });

export interface RequestSceneVideoInput {
  projectId: string;
  sceneId: string;
  /** The previous scene's last frame; null for the first scene. */
  startFrameUrl: string | null;
  /** Requests made for the scene's steps so far, this one included (shown on the scene). */
  sceneAttempts: number;
  /** Which task of the step this is: the idempotency key, so asking again for the same task is safe. */
  taskNumber: number;
}

export interface RequestLastFrameInput {
  projectId: string;
  sceneId: string;
  videoUrl: string;
  sceneAttempts: number;
  taskNumber: number;
}

export interface RequestStitchInput {
  projectId: string;
  scenes: { sceneId: string; videoUrl: string }[];
  taskNumber: number;
}

export interface NotifyUserInput {
  projectId: string;
  userId: string | null;
  type: 'project.completed' | 'project.failed';
  finalVideoUrl?: string | null;
  thumbnailUrl?: string | null;
  reason?: string;
  /** Counts failures announced for the project, so each one is sent once, however often retried. */
  sequence?: number;
}

/** Which callback each task-creating service sends. */
const callbackEndpoint = { video: 'video-complete', lastFrame: 'last-frame-complete', stitch: 'stitch-complete' } as const;
type TaskService = keyof typeof callbackEndpoint;

/** Stable across Temporal's retries of one activity and across re-asks for the same task; new per task. */
export const idempotencyKey = (projectId: string, step: string, subject: string, taskNumber: number): string =>
  `reelay:${projectId}:${step}:${subject}:${taskNumber}`;

export function createServiceCalls(config: Config, database: Database, breakers: ServiceBreakers) {
  const { prisma, pool } = database;
  const call = breakers.call.bind(breakers);
  const events = createEventStore(database);
  const scenes = createSceneRows(pool);
  const service = (name: ServiceName) => {
    const endpoint = config.services[name];
    if (!endpoint) {
      throw ApplicationFailure.nonRetryable(`The ${name} service is not configured`, 'ServiceNotConfigured');
    }
    return endpoint;
  };

  async function createTask(
    name: TaskService,
    path: string,
    body: unknown,
    key: string,
    subject: { projectId: string; sceneId?: string },
  ): Promise<TaskAnswer> {
    const answer = taskAccepted.safeParse(await call(name, () => postJson(service(name), path, body, { idempotencyKey: key })));
    if (!answer.success) {
      throw ApplicationFailure.nonRetryable(
        `The ${name} service accepted the request but sent no task_id`,
        serviceErrorTypes.badResponse,
      );
    }
    const taskId = answer.data.task_id;
    // Asked again for a task whose callback already came (a run reset with Temporal), hand the
    // workflow that callback: the service will not send it twice.
    const endpoint = callbackEndpoint[name];
    const stored = await events.callbackOf({ endpoint: webhookEndpointDbValue[endpoint], ...subject, taskId });
    return {
      taskId,
      taskStatus: answer.data.status,
      ...(stored ? { storedCallback: storedStepEvent(endpoint, stored.rawBody) } : {}),
    };
  }

  return {
    /** Asks the video service for one scene, seeded by the previous scene's last frame. */
    async requestSceneVideo({ projectId, sceneId, startFrameUrl, sceneAttempts, taskNumber }: RequestSceneVideoInput): Promise<TaskAnswer> {
      const scene = await scenes.prompt(sceneId);
      const task = await createTask(
        'video',
        '/api/tasks',
        {
          project_id: projectId,
          scene_id: sceneId,
          scene_index: scene.index,
          prompt: scene.prompt,
          duration: scene.duration,
          start_frame_url: startFrameUrl,
          webhook_url: webhookUrl(callbackBaseUrl(config), 'video-complete'),
        },
        idempotencyKey(projectId, 'video', sceneId, taskNumber),
        { projectId, sceneId },
      );
      await scenes.videoRequested(sceneId, { taskId: task.taskId, startFrameUrl, attempts: sceneAttempts });
      return task;
    },

    async requestLastFrame({ projectId, sceneId, videoUrl, sceneAttempts, taskNumber }: RequestLastFrameInput): Promise<TaskAnswer> {
      const task = await createTask(
        'lastFrame',
        '/api/extract',
        {
          project_id: projectId,
          scene_id: sceneId,
          video_url: videoUrl,
          webhook_url: webhookUrl(callbackBaseUrl(config), 'last-frame-complete'),
        },
        idempotencyKey(projectId, 'last-frame', sceneId, taskNumber),
        { projectId, sceneId },
      );
      await scenes.lastFrameRequested(sceneId, { taskId: task.taskId, attempts: sceneAttempts });
      return task;
    },

    async requestStitch({ projectId, scenes, taskNumber }: RequestStitchInput): Promise<TaskAnswer> {
      const task = await createTask(
        'stitch',
        '/api/stitch',
        {
          project_id: projectId,
          scenes: scenes.map((s) => ({ scene_id: s.sceneId, video_url: s.videoUrl })),
          webhook_url: webhookUrl(callbackBaseUrl(config), 'stitch-complete'),
        },
        idempotencyKey(projectId, 'stitch', 'project', taskNumber),
        { projectId },
      );
      await prisma.project.update({ where: { id: projectId }, data: { stitchTaskId: task.taskId } });
      return task;
    },

    /** Optional: when no notification service is configured the user is simply not notified. */
    async notifyUser(input: NotifyUserInput): Promise<{ notified: boolean }> {
      const endpoint = config.services.notification;
      if (!endpoint) return { notified: false };
      await call('notification', () => postJson(
        endpoint,
        '/api/notifications',
        {
          project_id: input.projectId,
          user_id: input.userId,
          type: input.type,
          final_video_url: input.finalVideoUrl ?? null,
          thumbnail_url: input.thumbnailUrl ?? null,
          ...(input.reason ? { reason: input.reason } : {}),
        },
        { idempotencyKey: idempotencyKey(input.projectId, 'notify', input.type, input.sequence ?? 1) },
      ));
      return { notified: true };
    },
  };
}
