import assert from 'node:assert/strict';
import { estimateVideoCost } from '../../../src/providers/prices';

/** A video priced before it is submitted, in the unit its provider will report (docs/review.md#the-spend-limit). */
describe("a video's estimate from the providers' price lists", () => {
  it("prices Luma in seconds of video, the length asked for as Luma's adapter rounds it (5 s by default)", () => {
    assert.deepEqual(estimateVideoCost('luma', { model: 'ray-2', options: {} }), { amount: 5, unit: 'video_seconds' });
    assert.deepEqual(estimateVideoCost('luma', { model: 'ray-flash-2', durationSeconds: 8, options: {} }), { amount: 9, unit: 'video_seconds' });
  });

  it("prices Runway in credits per second of the model's nearest length", () => {
    assert.deepEqual(estimateVideoCost('runway', { model: 'gen4_turbo', durationSeconds: 10, options: {} }), { amount: 50, unit: 'credits' });
    assert.deepEqual(estimateVideoCost('runway', { model: 'gen4.5', options: {} }), { amount: 60, unit: 'credits' });
    assert.equal(estimateVideoCost('runway', { model: 'wan3', options: {} }), undefined, 'a model with no known price');
  });

  it("prices fal's per-video models in dollars (the first 5 s, then each second) and its per-second ones in seconds", () => {
    const pro = 'fal-ai/kling-video/v2.5-turbo/pro/image-to-video';
    assert.deepEqual(estimateVideoCost('fal', { model: pro, options: {} }), { amount: 0.35, unit: 'usd' });
    assert.deepEqual(estimateVideoCost('fal', { model: pro, durationSeconds: 9, options: {} }), { amount: 0.7, unit: 'usd' });
    const v3 = 'fal-ai/kling-video/v3/pro/image-to-video';
    assert.deepEqual(estimateVideoCost('fal', { model: v3, durationSeconds: 8, options: {} }), { amount: 0.896, unit: 'usd' });
    assert.deepEqual(estimateVideoCost('fal', { model: v3, durationSeconds: 8, options: { generate_audio: true } }), { amount: 1.344, unit: 'usd' });
    assert.deepEqual(estimateVideoCost('fal', { model: 'fal-ai/kling-video/v1/standard/image-to-video', options: {} }), { amount: 5, unit: 'video_seconds' });
  });

  it("knows no price for the guide's services or Replicate (which reports compute seconds)", () => {
    assert.equal(estimateVideoCost('guide', { model: '', options: {} }), undefined);
    assert.equal(estimateVideoCost('replicate', { model: 'minimax/hailuo-02', options: {} }), undefined);
  });
});
