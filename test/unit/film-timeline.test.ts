import assert from 'node:assert/strict';
import { timelineOf } from '../../src/http/admin/films';

const at = (s: number) => new Date(Date.UTC(2026, 10, 30, 8, 0, s));
const scenes = [
  { id: 's0', index: 0, status: 'completed' },
  { id: 's1', index: 1, status: 'generating' },
];
const callback = (endpoint: string, sceneId: string | null, status: string, second: number) => ({ endpoint: endpoint as never, sceneId, status, receivedAt: at(second) });

describe('a film timeline, from the callbacks that ended each step', () => {
  it('chains the steps: each starts when the one before it ended, and the running one has no end yet', () => {
    const steps = timelineOf(at(0), scenes, [
      callback('video_complete', 's0', 'completed', 10),
      callback('video_complete', 's0', 'completed', 11), // a duplicate delivery changes nothing
      callback('last_frame_complete', 's0', 'completed', 12),
    ]);
    assert.deepEqual(
      steps.map((s) => [s.step, s.scene_index, s.duration_ms, s.outcome]),
      [
        ['video', 0, 10_000, 'completed'],
        ['lastFrame', 0, 2_000, 'completed'],
        ['video', 1, null, 'running'],
      ],
    );
    assert.equal(steps[2].started_at, at(12).toISOString());
  });

  it('ends on the failed step of a failed scene, timed by its failure callback; a retried step that then completed counts as completed', () => {
    const failed = timelineOf(at(0), [{ id: 's0', index: 0, status: 'failed' }], [callback('video_complete', 's0', 'failed', 4)]);
    assert.deepEqual(failed.map((s) => [s.step, s.duration_ms, s.outcome]), [['video', 4_000, 'failed']]);

    const recovered = timelineOf(at(0), [{ id: 's0', index: 0, status: 'completed' }], [
      callback('video_complete', 's0', 'failed', 4),
      callback('video_complete', 's0', 'completed', 9),
      callback('last_frame_complete', 's0', 'completed', 10),
      callback('stitch_complete', null, 'completed', 15),
    ]);
    assert.deepEqual(recovered.map((s) => [s.step, s.duration_ms, s.outcome]), [
      ['video', 9_000, 'completed'],
      ['lastFrame', 1_000, 'completed'],
      ['stitch', 5_000, 'completed'],
    ]);
  });

  it('is empty for a film without scenes, and only the first step runs before any callback', () => {
    assert.deepEqual(timelineOf(at(0), [], []), []);
    assert.deepEqual(timelineOf(at(0), scenes, []).map((s) => s.outcome), ['running']);
  });
});
