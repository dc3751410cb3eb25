import type { ServiceRequest as SimulatedTaskRequest } from '../../contracts/services';
import type { WebhookEndpointName } from '../../contracts/steps';
import type { LastFrameCompletePayload, StitchCompletePayload, VideoCompletePayload } from '../../contracts/webhooks';
import { sceneFps, sceneSeconds } from './media/ffmpeg-render';
import { mediaSize } from './media/scene-picture';

type Completed<T> = Extract<T, { status: 'completed' }>;

/**
 * Realistic completed-task bodies, shaped like the seed's examples, naming the media the simulator serves
 * under its own URL (made only when fetched; see media/) and saying what they are: 3-second 640x360 scenes.
 */
export function simulatedCallback(
  endpoint: WebhookEndpointName,
  taskId: string,
  request: SimulatedTaskRequest['video'] | SimulatedTaskRequest['lastFrame'] | SimulatedTaskRequest['stitch'],
  mediaBase: string,
): Completed<VideoCompletePayload | LastFrameCompletePayload | StitchCompletePayload> {
  const timestamp = new Date().toISOString();
  switch (endpoint) {
    case 'video-complete': {
      const r = request as SimulatedTaskRequest['video'];
      return {
        task_id: taskId,
        status: 'completed',
        scene_id: r.scene_id,
        project_id: r.project_id,
        video_url: `${mediaBase}/media/videos/${taskId}.mp4`,
        thumbnail_url: `${mediaBase}/media/thumbnails/${taskId}.png`,
        duration: sceneSeconds,
        fps: sceneFps,
        ...mediaSize,
        quality_score: 0.92,
        metadata: { model: 'simulated-video-1', scene_index: r.scene_index, start_frame_url: r.start_frame_url },
        timestamp,
      };
    }
    case 'last-frame-complete': {
      const r = request as SimulatedTaskRequest['lastFrame'];
      return {
        task_id: taskId,
        status: 'completed',
        scene_id: r.scene_id,
        project_id: r.project_id,
        last_frame_url: `${mediaBase}/media/frames/${taskId}.png`,
        ...mediaSize,
        format: 'png',
        metadata: { source_video_url: r.video_url },
        timestamp,
      };
    }
    case 'stitch-complete': {
      const r = request as SimulatedTaskRequest['stitch'];
      return {
        task_id: taskId,
        status: 'completed',
        project_id: r.project_id,
        final_video_url: `${mediaBase}/media/films/${taskId}.mp4`,
        thumbnail_url: `${mediaBase}/media/thumbnails/${taskId}.png`,
        duration: r.scenes.length * sceneSeconds,
        total_scenes: r.scenes.length,
        // No file_size: the film is not made until someone fetches it.
        format: 'mp4',
        resolution: `${mediaSize.width}x${mediaSize.height}`,
        metadata: { scene_ids: r.scenes.map((s) => s.scene_id) },
        timestamp,
      };
    }
  }
}

/** The body a service sends when a task fails (the seed's `task.failed` / `extraction.failed`). */
export function simulatedFailure(taskId: string, request: { project_id: string; scene_id?: string }, message: string) {
  return {
    task_id: taskId,
    status: 'failed' as const,
    project_id: request.project_id,
    ...(request.scene_id ? { scene_id: request.scene_id } : {}),
    ...(message ? { error: { code: 'simulated_failure', message } } : {}),
    timestamp: new Date().toISOString(),
  };
}
