import { uniqueId } from './http';

/** A valid video-complete body about `projectId`, for tests that post webhooks by hand. */
export const videoDone = (projectId: string, overrides: Record<string, unknown> = {}) => ({
  task_id: uniqueId('task'),
  status: 'completed',
  scene_id: 'scene-1',
  project_id: projectId,
  video_url: 'https://cdn.example.com/v.mp4',
  thumbnail_url: 'https://cdn.example.com/v.jpg',
  duration: 5,
  fps: 24,
  timestamp: new Date().toISOString(),
  ...overrides,
});
