import type { WebhookEndpointName } from '../../contracts/steps';
import type { WebhookState } from './webhook-state';

export interface AnswerContext {
  /** Whether a notification service is configured (read from the gateway's own configuration). */
  notifies: boolean;
}

/**
 * The answers the services expect. Each flag is true only when what it names has happened or will
 * happen: the event is in the workflow's Temporal history (signalled, so it survives any crash) and,
 * as the database stood when the callback arrived, it names a scene of the project that is not yet
 * complete (or, for the stitch, a project not yet complete). A repeat, a callback for a finished
 * project or for a scene the project does not have answers false. The one thing the gateway cannot
 * see is a callback for a task the workflow has already replaced; the workflow skips that one.
 */
export function answerFor(endpoint: WebhookEndpointName, state: Pick<WebhookState, 'payload' | 'outcome' | 'stored'>, context: AnswerContext) {
  const { payload, outcome, stored } = state;
  const { sceneIndex, sceneStatus, lastScene, projectStatus } = stored.target;
  const applied = outcome === 'signaled';
  const completed = payload.status === 'completed';
  const sceneUpdated = applied && sceneIndex !== null && sceneStatus !== 'completed';
  const extra =
    outcome === 'duplicate'
      ? { duplicate: true }
      : outcome === 'ignored'
        ? { ignored: 'project already finished' }
        : applied && !sceneUpdated && endpoint !== 'stitch-complete'
          ? { ignored: sceneIndex === null ? 'no such scene in this project' : 'scene already completed' }
          : {};
  switch (endpoint) {
    case 'video-complete':
      return { received: true, status: payload.status, scene_updated: sceneUpdated, last_frame_triggered: sceneUpdated && completed, ...extra };
    case 'last-frame-complete': {
      const advanced = sceneUpdated && completed;
      return {
        received: true,
        status: payload.status,
        scene_updated: sceneUpdated,
        next_scene_triggered: advanced && !lastScene,
        // After the last scene the stitch comes next, not another scene.
        stitch_triggered: advanced && lastScene,
        ...extra,
      };
    }
    case 'stitch-complete': {
      const projectUpdated = applied && projectStatus !== 'completed';
      return {
        received: true,
        status: payload.status,
        project_updated: projectUpdated,
        user_notified: projectUpdated && completed && context.notifies,
        final_video_url: 'final_video_url' in payload ? payload.final_video_url : null,
        ...(applied && !projectUpdated ? { ignored: 'project already completed' } : extra),
      };
    }
  }
}
