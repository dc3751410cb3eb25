import assert from 'node:assert/strict';
import { answerFor } from '../../src/http/webhooks/answers';
import { lastFrameCompletePayload, stitchCompletePayload, videoCompletePayload } from '../../src/webhooks/payloads';
import { toStepEvent } from '../../src/webhooks/step-event';

const seedVideo = {
  task_id: 'task_1',
  status: 'completed',
  scene_id: 'scene_1',
  project_id: 'proj_1',
  video_url: 'https://cdn.example.com/v.mp4',
  thumbnail_url: 'https://cdn.example.com/v.jpg',
  duration: 5,
  fps: 24,
  width: 1920,
  height: 1080,
  quality_score: 0.93,
  metadata: { model: 'gen-3' },
  timestamp: '2026-11-28T10:00:00Z',
};

describe('webhook payloads', () => {
  it('accepts the seed video-complete body and keeps every optional field for storage', () => {
    const payload = videoCompletePayload.parse(seedVideo);
    const event = toStepEvent('video-complete', payload);
    assert.deepEqual(event, {
      taskId: 'task_1',
      projectId: 'proj_1',
      sceneId: 'scene_1',
      outcome: 'completed',
      url: 'https://cdn.example.com/v.mp4',
      thumbnailUrl: 'https://cdn.example.com/v.jpg',
      error: undefined,
      detail: { duration: 5, fps: 24, width: 1920, height: 1080, quality_score: 0.93, metadata: { model: 'gen-3' }, timestamp: '2026-11-28T10:00:00Z' },
    });
  });

  it('needs only task id, status, project, scene and the produced URL', () => {
    assert.ok(lastFrameCompletePayload.safeParse({ task_id: 't', status: 'completed', project_id: 'p', scene_id: 's', last_frame_url: 'https://x/f.png' }).success);
    assert.ok(stitchCompletePayload.safeParse({ task_id: 't', status: 'completed', project_id: 'p', final_video_url: 'https://x/f.mp4' }).success);
    const missing = videoCompletePayload.safeParse({ task_id: 't', status: 'completed', project_id: 'p', scene_id: 's' });
    assert.equal(missing.success, false);
    assert.deepEqual(missing.error!.issues.map((i) => i.path.join('.')), ['video_url']);
  });

  it('accepts failure reports with an error string or object, without the produced URL', () => {
    const failed = videoCompletePayload.parse({ task_id: 't', status: 'failed', project_id: 'p', scene_id: 's', error: { code: 'nsfw', message: 'content policy' } });
    assert.equal(toStepEvent('video-complete', failed).error, 'content policy');
    const plain = stitchCompletePayload.parse({ task_id: 't', status: 'failed', project_id: 'p', error: 'out of disk' });
    assert.equal(toStepEvent('stitch-complete', plain).error, 'out of disk');
  });

  it('refuses URLs that are not http(s) and unknown statuses', () => {
    assert.equal(videoCompletePayload.safeParse({ ...seedVideo, video_url: 'javascript:alert(1)' }).success, false);
    assert.equal(videoCompletePayload.safeParse({ ...seedVideo, status: 'processing' }).success, false);
  });

  it('answers in the seed shapes, with booleans reporting what the workflow accepted', () => {
    const payload = videoCompletePayload.parse(seedVideo);
    assert.deepEqual(answerFor('video-complete', { payload, outcome: 'signaled' }), {
      received: true,
      status: 'completed',
      scene_updated: true,
      last_frame_triggered: true,
    });
    const stitched = stitchCompletePayload.parse({ task_id: 't', status: 'completed', project_id: 'p', final_video_url: 'https://x/f.mp4' });
    assert.deepEqual(answerFor('stitch-complete', { payload: stitched, outcome: 'signaled' }), {
      received: true,
      status: 'completed',
      project_updated: true,
      user_notified: true,
      final_video_url: 'https://x/f.mp4',
    });
    const frame = lastFrameCompletePayload.parse({ task_id: 't', status: 'failed', project_id: 'p', scene_id: 's', error: 'x' });
    assert.deepEqual(answerFor('last-frame-complete', { payload: frame, outcome: 'signaled' }), {
      received: true,
      status: 'failed',
      scene_updated: true,
      next_scene_triggered: false,
    });
  });
});
