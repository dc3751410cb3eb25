import { z } from 'zod';
import type { SceneFrameRecord, SceneVideoRecord } from './records';
import type { TakeRequest } from './review-api';
import type { PollTaskInput, ProviderSlotInput } from './providers';
import type { Step, StepEvent } from './steps';

/**
 * The outbound side: what the project workflow asks its service activities for, and the requests those
 * activities send to the video, last-frame, stitch and notification services. The simulator reads the
 * same schemas, so it refuses exactly what a real service would.
 */
export type ServiceName = Step | 'notification';
export const serviceNames = ['video', 'lastFrame', 'stitch', 'notification'] as const satisfies readonly ServiceName[];

/** What a service answers when asked for a task: its id, and its state when the task already existed. */
export interface TaskAnswer {
  taskId: string;
  /** The service's word on the task, when it already existed (asked again with the same key). */
  taskStatus?: string;
  /** The task's callback, when it had already arrived before this request (a run reset by an operator). */
  storedCallback?: StepEvent;
  /**
   * A provider's task (src/providers): `poll` when no callback will come and the workflow must have the
   * task watched (pollProviderTask); `cancellable` when cancelling the film should stop it at the provider.
   * Absent for the guide's services, whose films run exactly as before.
   */
  completion?: 'poll';
  cancellable?: boolean;
}

export interface RequestSceneVideoInput {
  projectId: string;
  sceneId: string;
  /** The previous scene's last frame; null for the first scene. */
  startFrameUrl: string | null;
  /** Requests made for the scene's steps so far, this one included (shown on the scene). */
  sceneAttempts: number;
  /** Which task of the step this is: the idempotency key, so asking again for the same task is safe. */
  taskNumber: number;
  /**
   * The previous scene's completion, written before the request: the workflow's last write rides along
   * with its next request, so a callback costs one workflow task (see contracts/records.ts).
   */
  previousScene?: SceneFrameRecord;
  /** A review film's take: its number, and the prompt, seed and inputs it is made with over the scene's. */
  take?: TakeRequest;
}

export interface RequestLastFrameInput {
  projectId: string;
  sceneId: string;
  videoUrl: string;
  sceneAttempts: number;
  taskNumber: number;
  /** The scene's video, written before the request (riding along, as above). */
  video?: SceneVideoRecord;
}

export interface RequestStitchInput {
  projectId: string;
  scenes: { sceneId: string; videoUrl: string }[];
  taskNumber: number;
  /** The last scene's completion, written before the request (riding along, as above). */
  lastScene?: SceneFrameRecord;
  /** Also moves the project to `stitching` (riding along, as above). */
  startsStitching?: boolean;
}

export interface NotifyUserInput {
  projectId: string;
  userId: string | null;
  type: 'project.completed' | 'project.failed' | 'scene.ready_for_review';
  finalVideoUrl?: string | null;
  thumbnailUrl?: string | null;
  reason?: string;
  /** Counts failures announced for the project, so each one is sent once, however often retried. */
  sequence?: number;
  /** A review film: the scene awaiting review (null: the stitch), and which cut a completion is. */
  sceneIndex?: number | null;
  cut?: number;
}

/** Where each service takes its requests. */
export const servicePaths = {
  video: '/api/tasks',
  lastFrame: '/api/extract',
  stitch: '/api/stitch',
  notification: '/api/notifications',
} as const satisfies Record<ServiceName, string>;

/**
 * A video Reelay hands a service: always a URL a callback named, so http(s) (webhooks.ts refuses any
 * other). A service that reads it with ffmpeg or a URL library must never be handed `file:` or `concat:`.
 */
const mediaUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** The request bodies, as the services' guide defines them. */
export const serviceRequests = {
  video: z.object({
    project_id: z.string(),
    scene_id: z.string(),
    scene_index: z.number().int().min(0),
    prompt: z.string().min(1),
    duration: z.number().positive().nullable().optional(),
    start_frame_url: z.string().nullable(),
    webhook_url: z.url(),
  }),
  lastFrame: z.object({
    project_id: z.string(),
    scene_id: z.string(),
    video_url: mediaUrl,
    webhook_url: z.url(),
  }),
  stitch: z.object({
    project_id: z.string(),
    scenes: z.array(z.object({ scene_id: z.string(), video_url: mediaUrl })).min(1),
    webhook_url: z.url(),
  }),
  notification: z.object({
    project_id: z.string(),
    user_id: z.string().nullable(),
    type: z.string(),
    final_video_url: z.string().nullable(),
    thumbnail_url: z.string().nullable(),
    reason: z.string().optional(),
    scene_index: z.number().int().min(0).nullable().optional(),
    cut: z.number().int().min(1).optional(),
  }),
} satisfies Record<ServiceName, z.ZodType>;

export type ServiceRequest = { [S in ServiceName]: z.infer<(typeof serviceRequests)[S]> };

/**
 * Every task-creating service answers with the id its webhook will carry. Asked again with the same
 * Idempotency-Key, it answers with the same task and, ideally, its `status` (`failed` or `unknown`
 * tell Reelay to start a new task rather than keep waiting for that one).
 */
export const taskAccepted = z.looseObject({ task_id: z.string().min(1), status: z.string().optional() });

/** Stable across Temporal's retries of one activity and across re-asks for the same task; new per task. */
export const idempotencyKey = (projectId: string, step: string, subject: string, taskNumber: number): string =>
  `reelay:${projectId}:${step}:${subject}:${taskNumber}`;

/** The service activities, as the workflow calls them. */
export interface ServiceActivities {
  /** Asks the video service for one scene, seeded by the previous scene's last frame. */
  requestSceneVideo(input: RequestSceneVideoInput): Promise<TaskAnswer>;
  requestLastFrame(input: RequestLastFrameInput): Promise<TaskAnswer>;
  requestStitch(input: RequestStitchInput): Promise<TaskAnswer>;
  /** Optional: when no notification service is configured the user is simply not notified. */
  notifyUser(input: NotifyUserInput): Promise<{ notified: boolean }>;
}

/** Watching and stopping a provider's task (films made with a provider other than the guide's services). */
export interface ProviderTaskActivities {
  /** Asks the provider about the task until it ends (heartbeating), and returns its result as a callback would. */
  pollProviderTask(input: PollTaskInput): Promise<StepEvent>;
  /** Stops the task at the provider, where it allows that (the film was cancelled). */
  cancelProviderTask(input: PollTaskInput): Promise<void>;
  /** Waits (as retries: no history event per try) until the scene's task holds a slot under its provider's cap. */
  awaitProviderSlot(input: ProviderSlotInput): Promise<void>;
}
