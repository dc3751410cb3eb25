import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { callbackBaseUrl, type Config, type ServiceName } from '../config/config';
import type { PrismaClient } from '../db/prisma';
import { webhookUrl } from '../webhooks/endpoints';
import { postJson, serviceErrorTypes } from './http-client';

/** Every task-creating service answers with the id its webhook will carry. */
const taskAccepted = z.looseObject({ task_id: z.string().min(1) });

export interface RequestSceneVideoInput {
  projectId: string;
  sceneId: string;
  /** The previous scene's last frame; null for the first scene. */
  startFrameUrl: string | null;
  /** Counts re-requests of this step (1 for the first); part of the idempotency key. */
  attempt: number;
}

export interface RequestLastFrameInput {
  projectId: string;
  sceneId: string;
  videoUrl: string;
  attempt: number;
}

export interface RequestStitchInput {
  projectId: string;
  scenes: { sceneId: string; videoUrl: string }[];
  attempt: number;
}

export interface NotifyUserInput {
  projectId: string;
  userId: string | null;
  type: 'project.completed' | 'project.failed';
  finalVideoUrl?: string | null;
  thumbnailUrl?: string | null;
  reason?: string;
}

export interface TaskRef {
  taskId: string;
}

/** Stable across Temporal's retries of one activity, new for each deliberate re-request. */
export const idempotencyKey = (projectId: string, step: string, subject: string, attempt: number): string =>
  `reelay:${projectId}:${step}:${subject}:${attempt}`;

export function createServiceCalls(config: Config, prisma: PrismaClient) {
  const service = (name: ServiceName) => {
    const endpoint = config.services[name];
    if (!endpoint) {
      throw ApplicationFailure.nonRetryable(`The ${name} service is not configured`, 'ServiceNotConfigured');
    }
    return endpoint;
  };

  async function createTask(name: ServiceName, path: string, body: unknown, key: string): Promise<string> {
    const answer = taskAccepted.safeParse(await postJson(service(name), path, body, { idempotencyKey: key }));
    if (!answer.success) {
      throw ApplicationFailure.nonRetryable(
        `The ${name} service accepted the request but sent no task_id`,
        serviceErrorTypes.badResponse,
      );
    }
    return answer.data.task_id;
  }

  return {
    /** Asks the video service for one scene, seeded by the previous scene's last frame. */
    async requestSceneVideo({ projectId, sceneId, startFrameUrl, attempt }: RequestSceneVideoInput): Promise<TaskRef> {
      const scene = await prisma.scene.findUniqueOrThrow({ where: { id: sceneId } });
      const taskId = await createTask(
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
        idempotencyKey(projectId, 'video', sceneId, attempt),
      );
      await prisma.scene.update({
        where: { id: sceneId },
        data: { status: 'generating', videoTaskId: taskId, startFrameUrl, attempts: attempt },
      });
      return { taskId };
    },

    async requestLastFrame({ projectId, sceneId, videoUrl, attempt }: RequestLastFrameInput): Promise<TaskRef> {
      const taskId = await createTask(
        'lastFrame',
        '/api/extract',
        {
          project_id: projectId,
          scene_id: sceneId,
          video_url: videoUrl,
          webhook_url: webhookUrl(callbackBaseUrl(config), 'last-frame-complete'),
        },
        idempotencyKey(projectId, 'last-frame', sceneId, attempt),
      );
      await prisma.scene.update({ where: { id: sceneId }, data: { lastFrameTaskId: taskId } });
      return { taskId };
    },

    async requestStitch({ projectId, scenes, attempt }: RequestStitchInput): Promise<TaskRef> {
      const taskId = await createTask(
        'stitch',
        '/api/stitch',
        {
          project_id: projectId,
          scenes: scenes.map((s) => ({ scene_id: s.sceneId, video_url: s.videoUrl })),
          webhook_url: webhookUrl(callbackBaseUrl(config), 'stitch-complete'),
        },
        idempotencyKey(projectId, 'stitch', 'project', attempt),
      );
      await prisma.project.update({ where: { id: projectId }, data: { stitchTaskId: taskId } });
      return { taskId };
    },

    /** Optional: when no notification service is configured the user is simply not notified. */
    async notifyUser(input: NotifyUserInput): Promise<{ notified: boolean }> {
      const endpoint = config.services.notification;
      if (!endpoint) return { notified: false };
      await postJson(
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
        { idempotencyKey: idempotencyKey(input.projectId, 'notify', input.type, 1) },
      );
      return { notified: true };
    },
  };
}
