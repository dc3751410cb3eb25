import { storableCopy } from '../domain/text';
import type { StepEvent } from '../workflows/events';
import type { WebhookEndpointName } from './endpoints';
import { failureReason, webhookPayloadSchemas, type WebhookPayload } from './payloads';

/** The field that carries each step's product. */
const productField = {
  'video-complete': 'video_url',
  'last-frame-complete': 'last_frame_url',
  'stitch-complete': 'final_video_url',
} as const satisfies Record<WebhookEndpointName, string>;

/** Turns a validated webhook body into the signal the project workflow understands. */
export function toStepEvent(endpoint: WebhookEndpointName, payload: WebhookPayload): StepEvent {
  const { task_id, project_id, status, ...rest } = payload;
  const { scene_id, thumbnail_url, [productField[endpoint]]: url, ...extra } = rest;
  // A failure's reason fields become `error`; on a success they are just more detail.
  const { error, error_message, message, ...failureDetail } = extra;
  const failed = status === 'failed';
  return {
    taskId: task_id,
    projectId: project_id,
    sceneId: typeof scene_id === 'string' ? scene_id : undefined,
    outcome: status,
    url: typeof url === 'string' ? url : undefined,
    thumbnailUrl: typeof thumbnail_url === 'string' ? thumbnail_url : undefined,
    // Extra fields are never a reason to refuse a callback; what jsonb cannot hold is replaced.
    error: failed ? storableCopy(failureReason({ error, error_message, message })) : undefined,
    detail: storableCopy(failed ? failureDetail : extra),
  };
}

/** A stored webhook body as the signal it became; stored bodies were validated on the way in, parsed again here. */
export function storedStepEvent(endpoint: WebhookEndpointName, rawBody: string): StepEvent {
  return toStepEvent(endpoint, webhookPayloadSchemas[endpoint].parse(JSON.parse(rawBody)));
}
