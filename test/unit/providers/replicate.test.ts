import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { startReplicateStandIn, type ReplicateStandIn } from '../../../src/dev/providers/replicate-stand-in';
import { ProviderCallError, type SubmitRequest, type VideoProviderAdapter } from '../../../src/providers/adapter';
import { createReplicateAdapter } from '../../../src/providers/replicate';
import { callbackUrl, deliveryOf, settingsFrom, startWebhookReceiver, type Received } from './callback-receiver';

describe('Replicate adapter against its stand-in', () => {
  let standIn: ReplicateStandIn;
  let adapter: VideoProviderAdapter;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let attempt = 0;

  const request = (overrides: Partial<SubmitRequest> = {}): SubmitRequest => {
    const fingerprint = `p1/s1/${++attempt}`;
    return {
      model: 'minimax/hailuo-02',
      prompt: 'A lighthouse at dawn',
      durationSeconds: 5,
      startFrameUrl: 'https://frames.example/last.png',
      options: { resolution: '768p' },
      callbackUrl: callbackUrl(receiver.url, 'replicate', fingerprint),
      fingerprint,
      ...overrides,
    };
  };
  const webhookFor = (taskId: string) => receiver.next((r) => (JSON.parse(r.body.toString()) as { id: string }).id === taskId);

  before(async () => {
    standIn = await startReplicateStandIn({ taskMs: 300 });
    adapter = createReplicateAdapter(settingsFrom(standIn.env));
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await standIn.stop();
    await receiver.close();
  });

  it('submits through the official client: the official-model route, the start frame in the model’s input, the callback unchanged', async () => {
    const sent = request();
    const { taskId } = await adapter.submit(sent);
    const task = standIn.server.tasks.get(taskId)!;
    assert.equal(task.model, 'minimax/hailuo-02');
    assert.deepEqual(task.request, {
      input: { resolution: '768p', prompt: 'A lighthouse at dawn', first_frame_image: 'https://frames.example/last.png', duration: 6, reelay_fingerprint: sent.fingerprint },
      webhook: sent.callbackUrl,
      webhook_events_filter: ['completed'],
    });
  });

  it('sends a community model (owner/name:version) to /v1/predictions with its version, the image where start_frame_input says', async () => {
    const version = 'a'.repeat(64);
    const { taskId } = await adapter.submit(request({ model: `someone/video-model:${version}`, options: { start_frame_input: 'init_image' } }));
    const sent = standIn.server.tasks.get(taskId)!.request as { version: string; input: Record<string, unknown> };
    assert.equal(sent.version, version);
    assert.equal(sent.input.init_image, 'https://frames.example/last.png');
    assert.equal(sent.input.start_frame_input, undefined);
  });

  it('receives the signed completed webhook: verified, with the task, its video and its compute seconds', async () => {
    const { taskId } = await adapter.submit(request());
    const verdict = await adapter.verifyWebhook!(deliveryOf(await webhookFor(taskId)));
    assert.ok(verdict.ok, JSON.stringify(verdict));
    assert.equal(verdict.task.id, taskId);
    assert.equal(verdict.task.state, 'succeeded');
    assert.equal(verdict.task.videoUrl, `${standIn.server.url}/outputs/${taskId}.mp4`);
    assert.equal(verdict.task.cost?.unit, 'compute_seconds');
    assert.ok(verdict.task.cost.amount > 0);
    assert.match(verdict.deliveryId, /^msg_/);
  });

  describe('refuses what Replicate did not sign', () => {
    let delivered: Received;
    before(async () => {
      delivered = await webhookFor((await adapter.submit(request())).taskId);
    });
    const sign = (secret: string, at: Date, body = delivered.body.toString()) => {
      const id = delivered.headers['webhook-id'] as string;
      return { 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) };
    };

    it('a signature made with another secret', async () => {
      const verdict = await adapter.verifyWebhook!(deliveryOf(delivered, { headers: sign(`whsec_${Buffer.from('x'.repeat(24)).toString('base64')}`, new Date()) }));
      assert.deepEqual(verdict.ok ? 'accepted' : verdict.reason, 'invalid_signature');
    });

    it('a body changed after signing', async () => {
      const body = delivered.body.toString().replace('"succeeded"', '"failed"');
      const verdict = await adapter.verifyWebhook!(deliveryOf(delivered, { body }));
      assert.deepEqual(verdict.ok ? 'accepted' : verdict.reason, 'invalid_signature');
    });

    it('a stale timestamp, even correctly signed', async () => {
      const verdict = await adapter.verifyWebhook!(deliveryOf(delivered, { headers: sign(standIn.secret(), new Date(Date.now() - 10 * 60_000)) }));
      assert.deepEqual(verdict.ok ? 'accepted' : verdict.reason, 'timestamp_out_of_tolerance');
    });

    it('a missing signature', async () => {
      const verdict = await adapter.verifyWebhook!(deliveryOf(delivered, { headers: { 'webhook-signature': undefined } }));
      assert.deepEqual(verdict.ok ? 'accepted' : verdict.reason, 'missing_signature');
    });
  });

  it('gives a retried delivery the same deliveryId (the webhook-id Replicate keeps across retries)', async () => {
    const flaky = await startWebhookReceiver((n) => (n === 1 ? 500 : 200));
    try {
      const sent = request();
      sent.callbackUrl = callbackUrl(flaky.url, 'replicate', sent.fingerprint);
      await adapter.submit(sent);
      await flaky.next((r) => flaky.received.indexOf(r) === 1);
      const [first, retry] = await Promise.all(flaky.received.slice(0, 2).map((r) => adapter.verifyWebhook!(deliveryOf(r))));
      assert.ok(first.ok && retry.ok);
      assert.equal(retry.deliveryId, first.deliveryId);
      assert.notEqual(flaky.received[0].headers['webhook-signature'], flaky.received[1].headers['webhook-signature']);
    } finally {
      await flaky.close();
    }
  });

  it('verifies the Standard Webhooks specification’s own example (the scheme Replicate signs with)', async () => {
    // https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md: its test vector.
    const example = createReplicateAdapter(settingsFrom({ ...standIn.env, REPLICATE_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }));
    const headers: Record<string, string> = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    const delivery = (body: string) => ({ header: (name: string) => headers[name], rawBody: Buffer.from(body), query: new URLSearchParams() });
    const realNow = Date.now;
    Date.now = () => 1614265330_000 + 10_000; // the example's moment: its timestamp is from 2021
    try {
      const signed = await example.verifyWebhook!(delivery('{"test": 2432232314}'));
      // The signature matches; the body is the spec's, not a prediction.
      assert.deepEqual(signed.ok ? 'accepted' : signed.reason, 'malformed');
      const altered = await example.verifyWebhook!(delivery('{"test": 2432232315}'));
      assert.deepEqual(altered.ok ? 'accepted' : altered.reason, 'invalid_signature');
    } finally {
      Date.now = realNow;
    }
  });

  it('fetches the signing secret from GET /v1/webhooks/default/secret, and again once it was rotated', async () => {
    const before = await webhookFor((await adapter.submit(request())).taskId);
    assert.ok((await adapter.verifyWebhook!(deliveryOf(before))).ok);
    standIn.rotateSecret();
    const after = await webhookFor((await adapter.submit(request())).taskId);
    const verdict = await adapter.verifyWebhook!(deliveryOf(after));
    assert.ok(verdict.ok, JSON.stringify(verdict));
  });

  it('reads, finds and cancels a prediction', async () => {
    const slow = await startReplicateStandIn({ taskMs: 60_000 });
    try {
      const slowAdapter = createReplicateAdapter(settingsFrom(slow.env));
      const since = new Date();
      const sent = request({ callbackUrl: undefined });
      const { taskId } = await slowAdapter.submit(sent);
      await slowAdapter.submit(request({ callbackUrl: undefined }));
      assert.equal(await slowAdapter.findSubmitted!(sent.fingerprint, since), taskId);
      assert.equal(await slowAdapter.findSubmitted!('p1/s1/never', since), undefined);
      assert.equal(await slowAdapter.findSubmitted!(sent.fingerprint, new Date(Date.now() + 3_600_000)), undefined);
      assert.ok(['queued', 'running'].includes((await slowAdapter.getTask(taskId)).state));
      await slowAdapter.cancel(taskId);
      const cancelled = await slowAdapter.getTask(taskId);
      assert.equal(cancelled.state, 'cancelled');
      assert.equal(cancelled.providerStatus, 'canceled');
      await slowAdapter.cancel(taskId); // nothing left to stop: still fine
    } finally {
      await slow.stop();
    }
  });

  it('validates a choice, naming the field and what to do', () => {
    const check = (model: string, options: Record<string, unknown> = {}, hasStartFrame = true) => adapter.validate({ model, options, hasStartFrame });
    assert.deepEqual(check('minimax/hailuo-02', { resolution: '768p', prompt_optimizer: false }), []);
    assert.deepEqual(check('minimax/hailuo-02', {}, false), [], 'hailuo starts from text');
    assert.match(check('not a model')[0], /^model: /);
    assert.match(check('kwaivgi/kling-v2.1', {}, false)[0], /^start_image_url: .*opening image/);
    assert.match(check('minimax/hailuo-02', { resolution: '4k' })[0], /^options\.resolution: must be one of/);
    assert.match(check('minimax/hailuo-02', { colour: 'red' })[0], /^options\.colour: .*allowed: resolution/);
    assert.match(check('minimax/hailuo-02', { prompt: 'x' })[0], /^options\.prompt: set by Reelay/);
    assert.match(check('someone/new-model')[0], /^options\.start_frame_input: .*someone\/new-model/);
    assert.deepEqual(check('someone/new-model', { start_frame_input: 'image' }), []);
    assert.deepEqual(check('someone/new-model', {}, false), []);
  });

  it('surfaces a 429 at once as a retryable ProviderCallError with the provider’s Retry-After, and a wrong key as a refusal', async () => {
    const busy = await startReplicateStandIn({ taskMs: 60_000, maxRunning: 1 });
    try {
      const busyAdapter = createReplicateAdapter(settingsFrom(busy.env));
      await busyAdapter.submit(request());
      const started = Date.now();
      const refused = await busyAdapter.submit(request()).then(() => undefined, (err: unknown) => err);
      assert.ok(refused instanceof ProviderCallError, String(refused));
      assert.equal(refused.retryable, true);
      assert.equal(refused.detail.status, 429);
      assert.equal(refused.detail.retryAfterMs, 1_000);
      assert.ok(Date.now() - started < 1_000, 'the client did not wait and retry on its own');
      assert.equal(busy.throttled(), 1, 'asked once: the client did not retry the 429 by itself');
      assert.equal(busy.server.tasks.size, 1);

      const stranger = createReplicateAdapter(settingsFrom({ ...busy.env, REPLICATE_API_TOKEN: 'r8_wrong' }));
      const denied = await stranger.getTask('x').then(() => undefined, (err: unknown) => err);
      assert.ok(denied instanceof ProviderCallError);
      assert.equal(denied.retryable, false);
      assert.equal(denied.detail.status, 401);
    } finally {
      await busy.stop();
    }
  });
});
