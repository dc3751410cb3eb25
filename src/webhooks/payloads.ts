import { z } from 'zod';
import { projectIdSchema, sceneIdSchema, taskIdSchema } from '../domain/ids';
import type { WebhookEndpointName } from './endpoints';

/**
 * The bodies the video, last-frame and stitch services POST back. Only what the pipeline needs is
 * required (task id, status, project, scene, and the URL the step produced); every other field is
 * kept as sent, stored with the event and the scene, and never a reason to reject a callback.
 */
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** Services report failures as a string or as `{ code, message }`. */
const errorField = z.union([
  z.string().min(1),
  z.looseObject({ message: z.string().min(1), code: z.union([z.string(), z.number()]).optional() }),
]);

const common = {
  task_id: taskIdSchema,
  project_id: projectIdSchema,
};

const failed = <T extends z.ZodRawShape>(shape: T) =>
  z.looseObject({ ...common, ...shape, status: z.literal('failed'), error: errorField });

export const videoCompletePayload = z.discriminatedUnion('status', [
  z.looseObject({
    ...common,
    status: z.literal('completed'),
    scene_id: sceneIdSchema,
    video_url: httpUrl,
    thumbnail_url: httpUrl.optional(),
  }),
  failed({ scene_id: sceneIdSchema }),
]);

export const lastFrameCompletePayload = z.discriminatedUnion('status', [
  z.looseObject({
    ...common,
    status: z.literal('completed'),
    scene_id: sceneIdSchema,
    last_frame_url: httpUrl,
  }),
  failed({ scene_id: sceneIdSchema }),
]);

export const stitchCompletePayload = z.discriminatedUnion('status', [
  z.looseObject({
    ...common,
    status: z.literal('completed'),
    final_video_url: httpUrl,
    thumbnail_url: httpUrl.optional(),
  }),
  failed({}),
]);

export const webhookPayloadSchemas = {
  'video-complete': videoCompletePayload,
  'last-frame-complete': lastFrameCompletePayload,
  'stitch-complete': stitchCompletePayload,
} as const satisfies Record<WebhookEndpointName, z.ZodType>;

export type VideoCompletePayload = z.infer<typeof videoCompletePayload>;
export type LastFrameCompletePayload = z.infer<typeof lastFrameCompletePayload>;
export type StitchCompletePayload = z.infer<typeof stitchCompletePayload>;
export type WebhookPayload = VideoCompletePayload | LastFrameCompletePayload | StitchCompletePayload;

export function errorMessage(error: z.infer<typeof errorField>): string {
  return typeof error === 'string' ? error : error.message;
}
