import { z } from 'zod';
import { projectIdSchema, sceneIdSchema, taskIdSchema } from '../domain/ids';
import { isStorableText, unstorableTextMessage } from '../domain/text';
import type { WebhookEndpointName } from './endpoints';

/**
 * The bodies the video, last-frame and stitch services POST back. Only what the pipeline needs is
 * required (task id, status, project, scene, and the URL the step produced); every other field is
 * kept as sent, stored with the event and the scene, and never a reason to reject a callback (text
 * PostgreSQL cannot store is replaced there, see `toStepEvent`; the ids and URLs must be storable).
 */
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .refine(isStorableText, unstorableTextMessage)
  .meta({ pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9]', description: 'An http(s) URL, without NUL characters or unpaired UTF-16 surrogates.' });

/**
 * Services report a failure's reason as `error` (a string, or an object such as `{ code, message }`),
 * `error_message` or `message`, or not at all: a failure is accepted either way, so the step can move
 * on at once instead of waiting for its deadline.
 */
const reasonField = z.unknown().optional();

const common = {
  task_id: taskIdSchema,
  project_id: projectIdSchema,
};

const failed = <T extends z.ZodRawShape>(shape: T) =>
  z.looseObject({ ...common, ...shape, status: z.literal('failed'), error: reasonField, error_message: reasonField, message: reasonField });

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

export const unknownFailureReason = 'the service reported the task failed without a reason';

/** The service's reason for a failed task, from whichever field it used; bounded for logs and history. */
export function failureReason(payload: Record<string, unknown>): string {
  const text = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value.trim() || undefined;
    if (typeof value === 'number') return String(value);
    if (value && typeof value === 'object') {
      const { message, error, code } = value as Record<string, unknown>;
      return text(message) ?? text(error) ?? text(code) ?? (Object.keys(value).length ? JSON.stringify(value) : undefined);
    }
    return undefined;
  };
  const reason = text(payload.error) ?? text(payload.error_message) ?? text(payload.message) ?? unknownFailureReason;
  return reason.length > 1000 ? `${reason.slice(0, 1000)}…` : reason;
}
