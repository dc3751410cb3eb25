import type { StepEvent } from '../workflows/events';
import type { WebhookEndpointName } from './endpoints';
import { errorMessage, type WebhookPayload } from './payloads';

/** The field that carries each step's product. */
const productField = {
  'video-complete': 'video_url',
  'last-frame-complete': 'last_frame_url',
  'stitch-complete': 'final_video_url',
} as const satisfies Record<WebhookEndpointName, string>;

/** Turns a validated webhook body into the signal the project workflow understands. */
export function toStepEvent(endpoint: WebhookEndpointName, payload: WebhookPayload): StepEvent {
  const { task_id, project_id, status, ...rest } = payload as Record<string, unknown> & WebhookPayload;
  const { scene_id, thumbnail_url, error, [productField[endpoint]]: url, ...detail } = rest;
  return {
    taskId: task_id,
    projectId: project_id,
    sceneId: typeof scene_id === 'string' ? scene_id : undefined,
    outcome: status,
    url: typeof url === 'string' ? url : undefined,
    thumbnailUrl: typeof thumbnail_url === 'string' ? thumbnail_url : undefined,
    error: status === 'failed' ? errorMessage(error as Parameters<typeof errorMessage>[0]) : undefined,
    detail,
  };
}
