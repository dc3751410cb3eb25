import assert from 'node:assert/strict';
import { startRunwayStandIn } from '../../../src/dev/providers/runway-stand-in';
import type { ProviderStandIn } from '../../../src/dev/providers/stand-in-server';
import { ProviderCallError, type VideoProviderAdapter } from '../../../src/providers/adapter';
import { createRunwayAdapter } from '../../../src/providers/runway';
import { eventually, settingsFrom } from './callback-receiver';

const frame = 'https://frames.example/scene-1-last.png';

describe('Runway adapter against the Runway stand-in', () => {
  let runway: ProviderStandIn;
  let adapter: VideoProviderAdapter;

  before(async () => {
    runway = await startRunwayStandIn({ taskMs: 300, failPrompts: /explode/ });
    adapter = createRunwayAdapter(settingsFrom(runway.env));
  });
  after(() => runway.stop());

  const finished = (taskId: string) =>
    eventually(async () => {
      const task = await adapter.getTask(taskId);
      return task.state === 'queued' || task.state === 'running' ? undefined : task;
    });

  it('starts image-to-video through the official client and polls the task to its video and its credits', async () => {
    const { taskId } = await adapter.submit({ model: 'gen4.5', prompt: 'A lighthouse at dusk', durationSeconds: 6, startFrameUrl: frame, options: { seed: 7 }, fingerprint: 'p1/s1/1' });
    assert.deepEqual(runway.server.tasks.get(taskId)!.request, {
      model: 'gen4.5',
      promptText: 'A lighthouse at dusk',
      promptImage: frame,
      ratio: '1280:720',
      duration: 6,
      seed: 7,
      endpoint: 'image_to_video',
    });
    const early = await adapter.getTask(taskId);
    assert.ok(early.state === 'queued' || early.state === 'running', early.state);
    const done = await finished(taskId);
    assert.equal(done.state, 'succeeded');
    assert.equal(done.videoUrl, runway.server.tasks.get(taskId)!.videoUrl);
    assert.deepEqual(done.cost, { amount: 60, unit: 'credits' });
  });

  it('makes a first scene without a start frame through text_to_video, at the nearest length the model makes', async () => {
    const { taskId } = await adapter.submit({ model: 'veo3.1', prompt: 'Opening shot', durationSeconds: 5, startFrameUrl: null, options: {}, fingerprint: 'p1/s0/1' });
    const request = runway.server.tasks.get(taskId)!.request;
    assert.equal(request.endpoint, 'text_to_video');
    assert.equal('promptImage' in request, false);
    assert.equal(request.duration, 4);
  });

  it('reports a failed task with Runway’s failure code and reason', async () => {
    const { taskId } = await adapter.submit({ model: 'gen4_turbo', prompt: 'explode', startFrameUrl: frame, options: {}, fingerprint: 'p1/s2/1' });
    const done = await finished(taskId);
    assert.equal(done.state, 'failed');
    assert.match(done.error!, /^INTERNAL\.BAD_OUTPUT\.CODE01: The model could not generate/);
    assert.deepEqual(done.cost, { amount: 0, unit: 'credits' });
  });

  it('reports THROTTLED (waiting at Runway) as queued with Runway’s word for it', async () => {
    const limited = await startRunwayStandIn({ taskMs: 60_000, concurrency: 1 });
    try {
      const limitedAdapter = createRunwayAdapter(settingsFrom(limited.env));
      await limitedAdapter.submit({ model: 'gen4.5', prompt: 'first', startFrameUrl: frame, options: {}, fingerprint: 'a' });
      const { taskId } = await limitedAdapter.submit({ model: 'gen4.5', prompt: 'second', startFrameUrl: frame, options: {}, fingerprint: 'b' });
      const task = await limitedAdapter.getTask(taskId);
      assert.deepEqual({ state: task.state, providerStatus: task.providerStatus }, { state: 'queued', providerStatus: 'THROTTLED' });
    } finally {
      await limited.stop();
    }
  });

  it('cancels a running task with DELETE, and a second cancel finds nothing left to stop', async () => {
    const slow = await startRunwayStandIn({ taskMs: 60_000 });
    try {
      const slowAdapter = createRunwayAdapter(settingsFrom(slow.env));
      const { taskId } = await slowAdapter.submit({ model: 'gen4.5', prompt: 'Long take', startFrameUrl: frame, options: {}, fingerprint: 'c' });
      await slowAdapter.cancel(taskId);
      const task = await slowAdapter.getTask(taskId);
      assert.equal(task.state, 'cancelled');
      await slowAdapter.cancel(taskId); // deletes the ended task
      await slowAdapter.cancel(taskId); // 404: nothing left
    } finally {
      await slow.stop();
    }
  });

  it('refuses bad choices, naming the field', () => {
    const problems = (model: string, options: Record<string, unknown> = {}, hasStartFrame = true) => adapter.validate({ model, options, hasStartFrame });
    assert.deepEqual(problems('gen4.5'), []);
    assert.deepEqual(problems('gen4.5', {}, false), []);
    assert.match(problems('gen4_turbo', {}, false).join(), /^start_image_url: gen4_turbo makes video from an image only/);
    assert.match(problems('gen5').join(), /^model: "gen5" is not a Runway video model/);
    assert.match(problems('gen4.5', { ratio: '4:3' }).join(), /^options\.ratio: must be one of 1280:720/);
    assert.match(problems('gen4.5', { seed: -1 }).join(), /^options\.seed: /);
    assert.match(problems('gen4.5', { style: 'noir' }).join(), /^options\.style: not an input/);
    assert.match(problems('gen4.5', { promptText: 'x' }).join(), /^options\.promptText: set by Reelay/);
    assert.deepEqual(problems('seedance2', { ratio: '1440:1440' }), [], 'a model without a table entry passes its options on');
  });

  it('surfaces a wrong key and a wrong API version as refusals, and a 429 as retryable with retryAfterMs', async () => {
    for (const [env, status] of [[{ RUNWAYML_API_SECRET: 'key_wrong' }, 401], [{ RUNWAY_API_VERSION: '2023-01-01' }, 400]] as const) {
      const wrong = createRunwayAdapter(settingsFrom({ ...runway.env, ...env }));
      const refused = await wrong.submit({ model: 'gen4.5', prompt: 'x', startFrameUrl: frame, options: {}, fingerprint: 'f' }).catch((e: unknown) => e);
      assert.ok(refused instanceof ProviderCallError);
      assert.deepEqual({ retryable: refused.retryable, status: refused.detail.status }, { retryable: false, status });
    }

    const busy = await startRunwayStandIn({ taskMs: 60_000, maxRunning: 1 });
    try {
      const busyAdapter = createRunwayAdapter(settingsFrom(busy.env));
      await busyAdapter.submit({ model: 'gen4.5', prompt: 'one', startFrameUrl: frame, options: {}, fingerprint: 'f1' });
      const started = Date.now();
      const limited = await busyAdapter.submit({ model: 'gen4.5', prompt: 'two', startFrameUrl: frame, options: {}, fingerprint: 'f2' }).catch((e: unknown) => e);
      assert.ok(limited instanceof ProviderCallError);
      assert.deepEqual({ retryable: limited.retryable, status: limited.detail.status }, { retryable: true, status: 429 });
      assert.ok(limited.detail.retryAfterMs! > 0);
      assert.ok(Date.now() - started < 1_000, 'the SDK did not retry the 429 by itself');
      assert.equal(busy.server.tasks.size, 1);
    } finally {
      await busy.stop();
    }
  });

  it('is polled: no webhook to verify, and no list of tasks to find a resubmitted one in', () => {
    assert.equal(adapter.completion, 'poll');
    assert.equal('verifyWebhook' in adapter, false);
    assert.equal('findSubmitted' in adapter, false);
  });
});
