import assert from 'node:assert/strict';
import { startFalStandIn, type FalStandIn } from '../../../src/dev/providers/fal-stand-in';
import { ProviderCallError, type VideoProviderAdapter, type WebhookDelivery } from '../../../src/providers/adapter';
import { createFalAdapter } from '../../../src/providers/fal';
import { eventually, settingsFrom, startWebhookReceiver } from './callback-receiver';

const i2v = 'fal-ai/kling-video/v2.5-turbo/pro/image-to-video';
const perSecond = 'fal-ai/kling-video/v1/standard/image-to-video';
const frame = 'https://frames.example/scene-1-last.png';

describe('fal adapter against the fal stand-in', () => {
  let fal: FalStandIn;
  let adapter: VideoProviderAdapter;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  before(async () => {
    fal = await startFalStandIn({ taskMs: 300, webhookRetryDelaysMs: [100, 100], maxRunning: 3 });
    adapter = createFalAdapter(settingsFrom(fal.env), { cooldownMs: 0 });
  });
  after(() => fal.stop());
  beforeEach(async () => (receiver = await startWebhookReceiver()));
  afterEach(() => receiver.close());

  const callback = (scene: string) => `${receiver.url}/api/webhooks/providers/fal?project=p1&scene=${scene}&fp=p1%2F${scene}%2F1&token=t0k3n`;
  const verify = (delivery: WebhookDelivery) => adapter.verifyWebhook!(delivery);
  const delivery = (requestId: string, body: string, headers: Record<string, string>): WebhookDelivery => ({
    rawBody: Buffer.from(body),
    query: new URLSearchParams(),
    header: (name) => headers[name.toLowerCase()],
  });

  it('submits through the official client; the signed webhook verifies and names the task and its video', async () => {
    const { taskId } = await adapter.submit({
      model: i2v,
      prompt: 'A lighthouse at dusk',
      durationSeconds: 7,
      startFrameUrl: frame,
      options: { cfg_scale: 0.7 },
      callbackUrl: callback('s1'),
      fingerprint: 'p1/s1/1',
    });
    const seen = fal.server.tasks.get(taskId)!;
    assert.equal(seen.model, i2v);
    assert.deepEqual(seen.request, { prompt: 'A lighthouse at dusk', image_url: frame, duration: '5', cfg_scale: 0.7, fal_webhook: callback('s1') });

    const [received] = await receiver.deliveries(1);
    assert.equal(received.query.get('fp'), 'p1/s1/1', 'the callback URL reaches fal unchanged');
    const verdict = await verify(received);
    assert.ok(verdict.ok, JSON.stringify(verdict));
    assert.equal(verdict.task.id, taskId);
    assert.equal(verdict.task.state, 'succeeded');
    assert.equal(verdict.task.videoUrl, seen.videoUrl);
    assert.match(verdict.task.videoUrl!, /\/outputs\/.+\.mp4$/);
  });

  it('sends a first scene without a start frame to the same model family’s text-to-video endpoint', async () => {
    const { taskId } = await adapter.submit({ model: i2v, prompt: 'Opening shot', startFrameUrl: null, options: {}, fingerprint: 'p1/s0/1' });
    const seen = fal.server.tasks.get(taskId)!;
    assert.equal(seen.model, 'fal-ai/kling-video/v2.5-turbo/pro/text-to-video');
    assert.equal('image_url' in seen.request, false);
  });

  it('reads a task while it runs and after it ends, with the billable seconds fal reports on the result', async () => {
    const { taskId } = await adapter.submit({ model: perSecond, prompt: 'Waves', durationSeconds: 10, startFrameUrl: frame, options: {}, fingerprint: 'p1/s2/1' });
    const early = await adapter.getTask(taskId, perSecond);
    assert.ok(early.state === 'queued' || early.state === 'running', early.state);
    const done = await eventually(async () => {
      const task = await adapter.getTask(taskId, perSecond);
      return task.state === 'succeeded' ? task : undefined;
    });
    assert.equal(done.videoUrl, fal.server.tasks.get(taskId)!.videoUrl);
    assert.deepEqual(done.cost, { amount: 10, unit: 'video_seconds' });
  });

  it('reports a failed request with fal’s error, by webhook and by getTask', async () => {
    const failing = await startFalStandIn({ taskMs: 100, failPrompts: /explode/ });
    try {
      const failingAdapter = createFalAdapter(settingsFrom(failing.env));
      const { taskId } = await failingAdapter.submit({ model: i2v, prompt: 'explode', startFrameUrl: frame, options: {}, callbackUrl: callback('s3'), fingerprint: 'p1/s3/1' });
      const verdict = await failingAdapter.verifyWebhook!((await receiver.deliveries(1))[0]);
      assert.ok(verdict.ok);
      assert.equal(verdict.task.state, 'failed');
      assert.match(verdict.task.error!, /422.*could not generate/);
      const task = await failingAdapter.getTask(taskId, i2v);
      assert.equal(task.state, 'failed');
    } finally {
      await failing.stop();
    }
  });

  it('cancels a request, and a second cancel finds nothing left to stop', async () => {
    const slow = await startFalStandIn({ taskMs: 60_000 });
    try {
      const slowAdapter = createFalAdapter(settingsFrom(slow.env));
      const { taskId } = await slowAdapter.submit({ model: i2v, prompt: 'Long take', startFrameUrl: frame, options: {}, fingerprint: 'p1/s4/1' });
      await slowAdapter.cancel(taskId, i2v);
      assert.equal(slow.server.tasks.get(taskId)!.state, 'cancelled');
      assert.equal((await slowAdapter.getTask(taskId, i2v)).state, 'cancelled');
      await slowAdapter.cancel(taskId, i2v);
    } finally {
      await slow.stop();
    }
  });

  it('refuses a wrong signature, a stale timestamp and missing headers, each with its reason', async () => {
    const body = JSON.stringify({ request_id: 'r-1', gateway_request_id: 'r-1', status: 'OK', payload: { video: { url: 'https://v.example/a.mp4' } } });
    const good = fal.signDelivery('r-1', body);
    assert.ok((await verify(delivery('r-1', body, good))).ok);

    const tampered = await verify(delivery('r-1', body.replace('a.mp4', 'b.mp4'), good));
    assert.deepEqual(tampered.ok ? 'accepted' : tampered.reason, 'invalid_signature');
    const otherRequest = await verify(delivery('r-2', body, { ...good, 'x-fal-webhook-request-id': 'r-2' }));
    assert.deepEqual(otherRequest.ok ? 'accepted' : otherRequest.reason, 'invalid_signature');
    const stale = await verify(delivery('r-1', body, fal.signDelivery('r-1', body, Math.floor(Date.now() / 1000) - 301)));
    assert.deepEqual(stale.ok ? 'accepted' : stale.reason, 'timestamp_out_of_tolerance');
    const { ['x-fal-webhook-signature']: _dropped, ...unsigned } = good;
    const missing = await verify(delivery('r-1', body, unsigned));
    assert.deepEqual(missing.ok ? 'accepted' : missing.reason, 'missing_signature');
    const notJson = await verify(delivery('r-1', 'not json', fal.signDelivery('r-1', 'not json')));
    assert.deepEqual(notJson.ok ? 'accepted' : notJson.reason, 'malformed');
  });

  it('gives a retried delivery (fal re-signs it with a new timestamp) the same deliveryId', async () => {
    await receiver.close();
    receiver = await startWebhookReceiver((n) => (n === 1 ? 500 : 200));
    await adapter.submit({ model: i2v, prompt: 'Retry me', startFrameUrl: frame, options: {}, callbackUrl: callback('s5'), fingerprint: 'p1/s5/1' });
    const [first, second] = await receiver.deliveries(2);
    assert.deepEqual(first.rawBody, second.rawBody);
    const [a, b] = [await verify(first), await verify(second)];
    assert.ok(a.ok && b.ok);
    assert.equal(a.deliveryId, b.deliveryId);
  });

  it('fetches fal’s keys again when fal rotates its signing key, and not for every forged signature', async () => {
    const body = JSON.stringify({ request_id: 'r-9', status: 'OK', payload: { video: { url: 'https://v.example/9.mp4' } } });
    const guarded = createFalAdapter(settingsFrom(fal.env)); // the default 30 s cooldown between refetches
    assert.ok((await guarded.verifyWebhook!(delivery('r-9', body, fal.signDelivery('r-9', body)))).ok);
    const fetches = fal.jwksFetches;
    const forged = { ...fal.signDelivery('r-9', body), 'x-fal-webhook-signature': 'ab'.repeat(64) };
    for (let i = 0; i < 5; i++) assert.equal((await guarded.verifyWebhook!(delivery('r-9', body, forged))).ok, false);
    assert.equal(fal.jwksFetches, fetches, 'forged signatures within the cooldown fetch nothing');

    assert.ok((await verify(delivery('r-9', body, fal.signDelivery('r-9', body)))).ok);
    fal.rotateKey();
    const before = fal.jwksFetches;
    const rotated = await verify(delivery('r-9', body, fal.signDelivery('r-9', body)));
    assert.ok(rotated.ok, 'a delivery signed with the new key verifies');
    assert.equal(fal.jwksFetches, before + 1);
  });

  it('refuses bad choices, naming the field', () => {
    const problems = (model: string, options: Record<string, unknown> = {}, hasStartFrame = true) => adapter.validate({ model, options, hasStartFrame });
    assert.deepEqual(problems(i2v), []);
    assert.deepEqual(problems(i2v, {}, false), [], 'the text-to-video sibling makes the first scene');
    assert.match(problems('fal-ai/kling-video/v2.5-turbo/standard/image-to-video', {}, false).join(), /^start_image_url: .*needs an opening image/);
    assert.match(problems('fal-ai/kling-video/v2.5-turbo/pro/text-to-video').join(), /^model: .*text only/);
    assert.match(problems('not a model').join(), /^model: /);
    assert.match(problems(i2v, { cfg_scale: 3 }).join(), /^options\.cfg_scale: must be a number from 0 to 1/);
    assert.match(problems(i2v, { motion: 'fast' }).join(), /^options\.motion: not an input of/);
    assert.match(problems(i2v, { prompt: 'x' }).join(), /options\.prompt: set by Reelay/);
    assert.match(problems('someone/new-model').join(), /^options\.start_frame_input: /);
    assert.deepEqual(problems('someone/new-model', { start_frame_input: 'first_frame_url' }), []);
  });

  it('puts the start frame where options.start_frame_input says for a model it does not know', async () => {
    const { taskId } = await adapter.submit({ model: 'someone/new-model', prompt: 'x', startFrameUrl: frame, options: { start_frame_input: 'first_frame_url' }, fingerprint: 'p1/s6/1' });
    assert.deepEqual(fal.server.tasks.get(taskId)!.request, { prompt: 'x', first_frame_url: frame, fal_webhook: undefined });
  });

  it('surfaces a wrong key as a refusal and a 429 as retryable with retryAfterMs', async () => {
    const wrongKey = createFalAdapter(settingsFrom({ ...fal.env, FAL_KEY: 'not-the-key' }));
    const refused = await wrongKey.submit({ model: i2v, prompt: 'x', startFrameUrl: frame, options: {}, fingerprint: 'f' }).catch((e: unknown) => e);
    assert.ok(refused instanceof ProviderCallError);
    assert.equal(refused.retryable, false);
    assert.equal(refused.detail.status, 401);

    const busy = await startFalStandIn({ taskMs: 60_000, maxRunning: 1 });
    try {
      const busyAdapter = createFalAdapter(settingsFrom(busy.env));
      await busyAdapter.submit({ model: i2v, prompt: 'one', startFrameUrl: frame, options: {}, fingerprint: 'f1' });
      const started = Date.now();
      const limited = await busyAdapter.submit({ model: i2v, prompt: 'two', startFrameUrl: frame, options: {}, fingerprint: 'f2' }).catch((e: unknown) => e);
      assert.ok(limited instanceof ProviderCallError);
      assert.equal(limited.retryable, true);
      assert.equal(limited.detail.status, 429);
      assert.equal(limited.detail.retryAfterMs, 2_000);
      assert.ok(Date.now() - started < 1_000, 'the client did not retry the 429 by itself');
      assert.equal(busy.server.tasks.size, 1);
    } finally {
      await busy.stop();
    }
  });

  it('cannot list requests, so it offers no findSubmitted', () => {
    assert.equal('findSubmitted' in adapter, false);
    assert.equal(adapter.completion, 'webhook');
  });
});
