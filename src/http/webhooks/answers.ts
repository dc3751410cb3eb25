import type { WebhookEndpointName } from '../../webhooks/endpoints';
import type { WebhookPayload } from '../../webhooks/payloads';
import type { WebhookState } from './pipeline';

/**
 * The answers the services expect. Each boolean says what the project's workflow has durably accepted
 * (the signal is in its Temporal history), not that the database row or the next request has already
 * been written: those follow within moments, and survive any crash once the signal is accepted.
 */
export function answerFor(endpoint: WebhookEndpointName, state: Pick<WebhookState, 'payload' | 'outcome'>) {
  const { payload, outcome } = state;
  const applied = outcome === 'signaled';
  const completed = applied && payload.status === 'completed';
  const extra = outcome === 'duplicate' ? { duplicate: true } : outcome === 'ignored' ? { ignored: 'project already finished' } : {};
  switch (endpoint) {
    case 'video-complete':
      return { received: true, status: payload.status, scene_updated: applied, last_frame_triggered: completed, ...extra };
    case 'last-frame-complete':
      return { received: true, status: payload.status, scene_updated: applied, next_scene_triggered: completed, ...extra };
    case 'stitch-complete':
      return {
        received: true,
        status: payload.status,
        project_updated: applied,
        user_notified: completed,
        final_video_url: 'final_video_url' in payload ? payload.final_video_url : null,
        ...extra,
      };
  }
}
