import assert from 'node:assert/strict';
import { answerFor } from '../../src/http/webhooks/answers';
import type { CallbackTarget } from '../../src/storage/event-store';
import { failureReason, lastFrameCompletePayload, stitchCompletePayload, unknownFailureReason, videoCompletePayload } from '../../src/contracts/webhooks';
import { toStepEvent } from '../../src/contracts/webhooks';

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

  it("keeps a stitch callback's extra scene_id only when PostgreSQL can store it (found by the fuzz test: a NUL there was a 500)", () => {
    const body = (sceneId: string) => stitchCompletePayload.parse({ task_id: '😀', status: 'failed', project_id: 'proj-1', scene_id: sceneId });
    assert.equal(toStepEvent('stitch-complete', body('a\u0000b')).sceneId, undefined);
    assert.equal(toStepEvent('stitch-complete', body('\ud800')).sceneId, undefined);
    assert.equal(toStepEvent('stitch-complete', body('scene-1')).sceneId, 'scene-1');
  });

  it('needs only task id, status, project, scene and the produced URL', () => {
    assert.ok(lastFrameCompletePayload.safeParse({ task_id: 't', status: 'completed', project_id: 'p', scene_id: 's', last_frame_url: 'https://x/f.png' }).success);
    assert.ok(stitchCompletePayload.safeParse({ task_id: 't', status: 'completed', project_id: 'p', final_video_url: 'https://x/f.mp4' }).success);
    const missing = videoCompletePayload.safeParse({ task_id: 't', status: 'completed', project_id: 'p', scene_id: 's' });
    assert.equal(missing.success, false);
    assert.deepEqual(missing.error.issues.map((i) => i.path.join('.')), ['video_url']);
  });

  it('accepts failure reports with or without a reason, taking it from error, error_message or message', () => {
    const reasonOf = (body: Record<string, unknown>) =>
      toStepEvent('video-complete', videoCompletePayload.parse({ task_id: 't', status: 'failed', project_id: 'p', scene_id: 's', ...body })).error;
    assert.equal(reasonOf({ error: { code: 'nsfw', message: 'content policy' } }), 'content policy');
    assert.equal(reasonOf({ error: { code: 'E42' } }), 'E42');
    assert.equal(reasonOf({ error: 'Timeout' }), 'Timeout');
    assert.equal(reasonOf({ error_message: 'GPU out of memory' }), 'GPU out of memory');
    assert.equal(reasonOf({ message: 'queue full' }), 'queue full');
    assert.equal(reasonOf({}), unknownFailureReason);
    assert.equal(reasonOf({ error: null }), unknownFailureReason);
    assert.equal(reasonOf({ error: [null, null] }), '[null,null]', 'any shape is accepted and shown as sent');
    const plain = stitchCompletePayload.parse({ task_id: 't', status: 'failed', project_id: 'p', error: 'out of disk' });
    assert.equal(toStepEvent('stitch-complete', plain).error, 'out of disk');
    // The reason fields leave the stored detail; on a success a `message` is just more detail.
    assert.deepEqual(toStepEvent('stitch-complete', plain).detail, {});
    const ok = videoCompletePayload.parse({ ...seedVideo, message: 'done' });
    assert.equal(toStepEvent('video-complete', ok).detail.message, 'done');
  });

  it('reads a reason nested 100,000 levels deep (1 MiB) without overflowing the stack: a short reason, cut where it gets deep', () => {
    const levels = 100_000;
    const deepObject = JSON.parse(`${'{"error":'.repeat(levels)}"deep"${'}'.repeat(levels)}`);
    const deepArray = JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
    for (const error of [deepObject, deepArray, { message: deepObject }]) {
      const event = toStepEvent('video-complete', videoCompletePayload.parse({ task_id: 't', status: 'failed', project_id: 'p', scene_id: 's', error }));
      assert.ok(event.error!.length <= 1001, `${event.error!.length} characters`);
      assert.match(event.error!, /nested too deeply/);
    }
    // Real services nest two or three levels: those reasons are still found.
    assert.equal(failureReason({ error: { error: { error: { message: 'quota exceeded' } } } }), 'quota exceeded');
  });

  it('refuses URLs that are not http(s) and unknown statuses', () => {
    assert.equal(videoCompletePayload.safeParse({ ...seedVideo, video_url: 'javascript:alert(1)' }).success, false);
    assert.equal(videoCompletePayload.safeParse({ ...seedVideo, status: 'processing' }).success, false);
  });

  describe('answers', () => {
    const target = (t: Partial<CallbackTarget> = {}): CallbackTarget => ({ sceneIndex: 0, sceneStatus: 'generating', lastScene: false, projectStatus: 'generating', ...t });
    const stored = (t?: Partial<CallbackTarget>) => ({ id: 'e', outcome: 'received' as const, deliveries: 1, target: target(t) });
    const notifying = { notifies: true };
    type Answer = Record<string, unknown>;

    it('answer in the guide\'s shapes when the event will change the scene', () => {
      const payload = videoCompletePayload.parse(seedVideo);
      assert.deepEqual(answerFor('video-complete', { payload, outcome: 'signaled', stored: stored() }, notifying), {
        received: true,
        status: 'completed',
        scene_updated: true,
        last_frame_triggered: true,
      });
      const stitched = stitchCompletePayload.parse({ task_id: 't', status: 'completed', project_id: 'p', final_video_url: 'https://x/f.mp4' });
      assert.deepEqual(answerFor('stitch-complete', { payload: stitched, outcome: 'signaled', stored: stored({ sceneIndex: null, projectStatus: 'stitching' }) }, notifying), {
        received: true,
        status: 'completed',
        project_updated: true,
        user_notified: true,
        final_video_url: 'https://x/f.mp4',
      });
      const frame = lastFrameCompletePayload.parse({ task_id: 't', status: 'failed', project_id: 'p', scene_id: 's', error: 'x' });
      assert.deepEqual(answerFor('last-frame-complete', { payload: frame, outcome: 'signaled', stored: stored() }, notifying), {
        received: true,
        status: 'failed',
        scene_updated: true,
        next_scene_triggered: false,
        stitch_triggered: false,
      });
    });

    it('never overstate: no notification service, a stray scene, a completed scene, the last scene', () => {
      const stitched = stitchCompletePayload.parse({ task_id: 't', status: 'completed', project_id: 'p', final_video_url: 'https://x/f.mp4' });
      const unnotified: Answer = answerFor('stitch-complete', { payload: stitched, outcome: 'signaled', stored: stored({ sceneIndex: null, projectStatus: 'stitching' }) }, { notifies: false });
      assert.equal(unnotified.user_notified, false);
      assert.equal(unnotified.project_updated, true);

      const payload = videoCompletePayload.parse(seedVideo);
      const stray: Answer = answerFor('video-complete', { payload, outcome: 'signaled', stored: stored({ sceneIndex: null, sceneStatus: null }) }, notifying);
      assert.deepEqual(stray, { received: true, status: 'completed', scene_updated: false, last_frame_triggered: false, ignored: 'no such scene in this project' });
      const done: Answer = answerFor('video-complete', { payload, outcome: 'signaled', stored: stored({ sceneStatus: 'completed' }) }, notifying);
      assert.equal(done.scene_updated, false);

      const frame = lastFrameCompletePayload.parse({ task_id: 't', status: 'completed', project_id: 'p', scene_id: 's', last_frame_url: 'https://x/f.png' });
      const last: Answer = answerFor('last-frame-complete', { payload: frame, outcome: 'signaled', stored: stored({ sceneIndex: 2, sceneStatus: 'extracting_frame', lastScene: true }) }, notifying);
      assert.equal(last.next_scene_triggered, false);
      assert.equal(last.stitch_triggered, true);
      const repeat: Answer = answerFor('last-frame-complete', { payload: frame, outcome: 'duplicate', stored: stored() }, notifying);
      assert.equal(repeat.scene_updated, false);
      assert.equal(repeat.duplicate, true);
    });
  });
});
