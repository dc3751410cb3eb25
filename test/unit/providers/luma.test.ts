import assert from 'node:assert/strict';
import { startLumaStandIn, type LumaStandIn } from '../../../src/dev/providers/luma-stand-in';
import { ProviderCallError, type SubmitRequest, type VideoProviderAdapter } from '../../../src/providers/adapter';
import { createLumaAdapter } from '../../../src/providers/luma';
import { callbackUrl, deliveryOf, settingsFrom, startWebhookReceiver, type Received } from './callback-receiver';

describe('Luma adapter against its stand-in (unsigned callbacks, confirmed by GET)', () => {
  let standIn: LumaStandIn;
  let adapter: VideoProviderAdapter;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let attempt = 0;

  const request = (overrides: Partial<SubmitRequest> = {}): SubmitRequest => {
    const fingerprint = `p1/s2/${++attempt}`;
    return {
      model: 'ray-2',
      prompt: 'A tiger walking in snow',
      durationSeconds: 5,
      startFrameUrl: 'https://frames.example/last.png',
      options: { aspect_ratio: '16:9' },
      callbackUrl: callbackUrl(receiver.url, 'luma', fingerprint),
      fingerprint,
      ...overrides,
    };
  };
  const callback = (id: string, state: string) => (r: Received) => {
    const body = JSON.parse(r.body.toString()) as { id: string; state: string };
    return body.id === id && body.state === state;
  };

  before(async () => {
    standIn = await startLumaStandIn({ taskMs: 300 });
    adapter = createLumaAdapter(settingsFrom(standIn.env));
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await standIn.stop();
    await receiver.close();
  });

  it('submits through the official client: keyframes.frame0 for the start frame, the callback URL unchanged, a length Luma accepts', async () => {
    const sent = request({ durationSeconds: 8 });
    const { taskId } = await adapter.submit(sent);
    const task = standIn.server.tasks.get(taskId)!;
    assert.equal(task.startFrameUrl, 'https://frames.example/last.png');
    assert.deepEqual(task.request, {
      generation_type: 'video',
      aspect_ratio: '16:9',
      model: 'ray-2',
      prompt: 'A tiger walking in snow',
      duration: '9s',
      keyframes: { frame0: { type: 'image', url: 'https://frames.example/last.png' } },
      callback_url: sent.callbackUrl,
    });
    const textOnly = await adapter.submit(request({ startFrameUrl: null }));
    assert.equal((standIn.server.tasks.get(textOnly.taskId)!.request as { keyframes?: unknown }).keyframes, undefined);
  });

  it('confirms a callback through GET /generations/{id}: the task, its video, thumbnail and seconds of video', async () => {
    const { taskId } = await adapter.submit(request());
    const dreaming = await adapter.verifyWebhook!(deliveryOf(await receiver.next(callback(taskId, 'dreaming'))));
    assert.ok(dreaming.ok, JSON.stringify(dreaming));
    const verdict = await adapter.verifyWebhook!(deliveryOf(await receiver.next(callback(taskId, 'completed'))));
    assert.ok(verdict.ok, JSON.stringify(verdict));
    assert.equal(verdict.deliveryId, `${taskId}:completed`);
    assert.equal(verdict.task.id, taskId);
    assert.equal(verdict.task.state, 'succeeded');
    assert.equal(verdict.task.videoUrl, `${standIn.server.url}/outputs/${taskId}.mp4`);
    assert.equal(verdict.task.thumbnailUrl, `${standIn.server.url}/outputs/${taskId}.png`);
    assert.deepEqual(verdict.task.cost, { amount: 5, unit: 'video_seconds' });
  });

  it('gives a repeated callback, and a late one of an earlier state, the deliveryId of what Luma confirms', async () => {
    const { taskId } = await adapter.submit(request());
    const completed = await receiver.next(callback(taskId, 'completed'));
    const dreaming = await receiver.next(callback(taskId, 'dreaming'));
    const [first, again, late] = await Promise.all([completed, completed, dreaming].map((r) => adapter.verifyWebhook!(deliveryOf(r))));
    assert.ok(first.ok && again.ok && late.ok);
    assert.equal(again.deliveryId, first.deliveryId);
    assert.equal(late.deliveryId, first.deliveryId, 'the late "dreaming" call is confirmed as the completed generation it now is');
  });

  describe('never trusts the body', () => {
    let slow: LumaStandIn;
    let slowAdapter: VideoProviderAdapter;
    let delivered: Received;
    before(async () => {
      slow = await startLumaStandIn({ taskMs: 60_000 });
      slowAdapter = createLumaAdapter(settingsFrom(slow.env));
      const { taskId } = await slowAdapter.submit(request());
      delivered = await receiver.next(callback(taskId, 'dreaming'));
    });
    after(() => slow.stop());
    const forged = (changes: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(delivered.body.toString()), ...changes });

    it('a forged "completed" for a generation still dreaming is unconfirmed, whatever video it names', async () => {
      const verdict = await slowAdapter.verifyWebhook!(deliveryOf(delivered, { body: forged({ state: 'completed', assets: { video: 'https://evil.example/v.mp4' } }) }));
      assert.deepEqual(verdict.ok ? 'accepted' : verdict.reason, 'unconfirmed');
    });

    it('a generation Luma does not know is unconfirmed; a body without an id is malformed', async () => {
      const unknown = await slowAdapter.verifyWebhook!(deliveryOf(delivered, { body: forged({ id: '00000000-0000-4000-8000-000000000000' }) }));
      assert.deepEqual(unknown.ok ? 'accepted' : unknown.reason, 'unconfirmed');
      const noId = await slowAdapter.verifyWebhook!(deliveryOf(delivered, { body: '{"state":"completed"}' }));
      assert.deepEqual(noId.ok ? 'accepted' : noId.reason, 'malformed');
    });

    it('a real generation posted to another scene’s callback (another fp) is unconfirmed', async () => {
      const query = new URLSearchParams(delivered.url.search);
      query.set('fp', 'p9/s9/1');
      const verdict = await slowAdapter.verifyWebhook!(deliveryOf(delivered, { query: query.toString() }));
      assert.deepEqual(verdict.ok ? 'accepted' : verdict.reason, 'unconfirmed');
      assert.ok((await slowAdapter.verifyWebhook!(deliveryOf(delivered))).ok, 'the true callback is confirmed');
    });

    it('finds a generation by its fingerprint, reads it, and cancels it with DELETE', async () => {
      const since = new Date();
      const sent = request();
      const { taskId } = await slowAdapter.submit(sent);
      await slowAdapter.submit(request());
      assert.equal(await slowAdapter.findSubmitted!(sent.fingerprint, since), taskId);
      assert.equal(await slowAdapter.findSubmitted!('p1/s2/never', since), undefined);
      assert.equal(await slowAdapter.findSubmitted!(sent.fingerprint, new Date(Date.now() + 3_600_000)), undefined);
      assert.ok(['queued', 'running'].includes((await slowAdapter.getTask(taskId)).state));
      await slowAdapter.cancel(taskId);
      await slowAdapter.cancel(taskId); // already gone: nothing to stop
      const gone = await slowAdapter.getTask(taskId).then(() => undefined, (err: unknown) => err);
      assert.ok(gone instanceof ProviderCallError);
      assert.equal(gone.detail.status, 404);
      assert.equal(gone.retryable, false);
    });
  });

  it('validates a choice, naming the field', () => {
    const check = (model: string, options: Record<string, unknown> = {}, hasStartFrame = false) => adapter.validate({ model, options, hasStartFrame });
    assert.deepEqual(check('ray-2'), [], 'Luma starts from text');
    assert.deepEqual(check('ray-flash-2', { loop: true, resolution: '720p' }, true), []);
    assert.match(check('ray-9')[0], /^model: .*ray-2, ray-flash-2/);
    assert.match(check('ray-2', { loop: 'yes' })[0], /^options\.loop: must be a boolean/);
    assert.match(check('ray-2', { aspect_ratio: '2:1' })[0], /^options\.aspect_ratio: must be one of/);
    assert.match(check('ray-2', { callback_url: 'https://x' })[0], /^options\.callback_url: /);
  });

  it('surfaces a 429 at once as a retryable ProviderCallError with Retry-After, and a wrong key as a refusal', async () => {
    const busy = await startLumaStandIn({ taskMs: 60_000, maxRunning: 1 });
    try {
      const busyAdapter = createLumaAdapter(settingsFrom(busy.env));
      await busyAdapter.submit(request());
      const refused = await busyAdapter.submit(request()).then(() => undefined, (err: unknown) => err);
      assert.ok(refused instanceof ProviderCallError, String(refused));
      assert.equal(refused.retryable, true);
      assert.equal(refused.detail.status, 429);
      assert.equal(refused.detail.retryAfterMs, 1_000);
      assert.equal(busy.throttled(), 1, 'asked once: the client did not retry by itself');

      const stranger = createLumaAdapter(settingsFrom({ ...busy.env, LUMAAI_API_KEY: 'luma-wrong' }));
      const denied = await stranger.getTask('x').then(() => undefined, (err: unknown) => err);
      assert.ok(denied instanceof ProviderCallError);
      assert.equal(denied.retryable, false);
      assert.equal(denied.detail.status, 401);
    } finally {
      await busy.stop();
    }
  });
});
