import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Stack } from '../../src/dev/start-stack';
import { signBody } from '../../src/contracts/webhooks';
import { extraGateways } from '../support/extra-gateway';
import { postJson, postWebhook, uniqueId } from '../support/http';
import { testSecrets, testStack } from '../support/test-stack';

const frameDone = (projectId: string, overrides: Record<string, unknown> = {}) => ({
  task_id: uniqueId('task'),
  status: 'completed',
  scene_id: 'scene-1',
  project_id: projectId,
  last_frame_url: 'https://cdn.example.com/f.png',
  timestamp: new Date().toISOString(),
  ...overrides,
});

/** Sends a webhook signed the Standard Webhooks way, with `standardwebhooks` as a provider would. */
async function postStandard(url: string, body: unknown, secret: string, { at = new Date(), id = `msg_${randomBytes(6).toString('hex')}` } = {}) {
  const raw = JSON.stringify(body);
  const signer = secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(secret, { format: 'raw' });
  return postJson(`${url}/api/webhooks/last-frame-complete`, raw, {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signer.sign(id, at, raw),
  });
}

/** A verified webhook about an unknown project gets 404; an unverified one 401. */
const verified = (status: number) => status === 404;

describe('gateway security: signature schemes, rotation, replay tolerance, body limits', function () {
  this.timeout(60_000);
  let stack: Stack;
  const gateway = extraGateways(() => stack);
  const extra = async (env: Record<string, string | undefined>) => (await gateway(env)).url;

  before(async () => {
    stack = await testStack();
  });

  describe('Standard Webhooks', () => {
    it('accepts a message signed with webhook-id, webhook-timestamp and a v1 signature', async () => {
      const res = await postStandard(stack.gatewayUrl, frameDone(uniqueId('p')), testSecrets['last-frame-complete']);
      assert.ok(verified(res.status), JSON.stringify(res.body));
    });

    it('rejects a wrong secret, a tampered body or a mismatched id with 401', async () => {
      const body = frameDone(uniqueId('p'));
      assert.equal((await postStandard(stack.gatewayUrl, body, 'some-other-secret-0123456789')).status, 401);
      const raw = JSON.stringify(body);
      const at = new Date();
      const signature = new Webhook(testSecrets['last-frame-complete'], { format: 'raw' }).sign('msg_1', at, raw);
      const tampered = await postJson(`${stack.gatewayUrl}/api/webhooks/last-frame-complete`, raw.replace('scene-1', 'scene-2'), {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      });
      assert.equal(tampered.status, 401);
      const otherId = await postJson(`${stack.gatewayUrl}/api/webhooks/last-frame-complete`, raw, {
        'webhook-id': 'msg_2',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      });
      assert.equal(otherId.status, 401);
    });

    it('rejects a signed timestamp older or further in the future than the tolerance (replay protection)', async () => {
      const body = frameDone(uniqueId('p'));
      const old = await postStandard(stack.gatewayUrl, body, testSecrets['last-frame-complete'], { at: new Date(Date.now() - 301_000) });
      assert.equal(old.status, 401);
      assert.equal(old.body.error, 'timestamp_out_of_tolerance');
      const future = await postStandard(stack.gatewayUrl, body, testSecrets['last-frame-complete'], { at: new Date(Date.now() + 301_000) });
      assert.equal(future.body.error, 'timestamp_out_of_tolerance');
      const edge = await postStandard(stack.gatewayUrl, body, testSecrets['last-frame-complete'], { at: new Date(Date.now() - 280_000) });
      assert.ok(verified(edge.status));
    });

    it('honours a configured tolerance and whsec_ (base64) secrets', async () => {
      const whsec = `whsec_${randomBytes(24).toString('base64')}`;
      const url = await extra({ LAST_FRAME_WEBHOOK_SECRET: whsec, WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: '30' });
      const body = frameDone(uniqueId('p'));
      assert.ok(verified((await postStandard(url, body, whsec)).status));
      assert.equal((await postStandard(url, body, whsec, { at: new Date(Date.now() - 60_000) })).status, 401);
    });
  });

  describe('secret rotation', () => {
    it('accepts webhooks signed with any active secret, in both schemes', async () => {
      const next = 'the-next-frame-secret-0123456789';
      const url = await extra({ LAST_FRAME_WEBHOOK_SECRET: `${testSecrets['last-frame-complete']},${next}` });
      const body = frameDone(uniqueId('p'));
      assert.ok(verified((await postWebhook(url, 'last-frame-complete', body)).status), 'old secret, seed scheme');
      assert.ok(verified((await postWebhook(url, 'last-frame-complete', body, { secret: next })).status), 'new secret, seed scheme');
      assert.ok(verified((await postStandard(url, body, next)).status), 'new secret, Standard Webhooks');
      assert.equal((await postWebhook(url, 'last-frame-complete', body, { secret: 'retired-secret-0123456789' })).status, 401);
    });
  });

  describe("the seed scheme's body timestamp", () => {
    it("is not checked by default: a provider's late retry of the same signed body is accepted", async () => {
      const yesterday = frameDone(uniqueId('p'), { timestamp: new Date(Date.now() - 86_400_000).toISOString() });
      assert.ok(verified((await postWebhook(stack.gatewayUrl, 'last-frame-complete', yesterday)).status));
      const { timestamp: _omitted, ...without } = frameDone(uniqueId('p'));
      assert.ok(verified((await postWebhook(stack.gatewayUrl, 'last-frame-complete', without)).status), 'optional');
    });

    it('can be checked when present (WEBHOOK_BODY_TIMESTAMP=check): outside the tolerance is refused', async () => {
      const checked = await extra({ WEBHOOK_BODY_TIMESTAMP: 'check' });
      const res = await postWebhook(checked, 'last-frame-complete', frameDone(uniqueId('p'), { timestamp: new Date(Date.now() - 600_000).toISOString() }));
      assert.equal(res.status, 401);
      assert.equal(res.body.error, 'timestamp_out_of_tolerance');
      const unix = await postWebhook(checked, 'last-frame-complete', frameDone(uniqueId('p'), { timestamp: Math.floor(Date.now() / 1000) }));
      assert.ok(verified(unix.status), 'Unix seconds are read too');
      const { timestamp: _omitted, ...without } = frameDone(uniqueId('p'));
      assert.ok(verified((await postWebhook(checked, 'last-frame-complete', without)).status), 'absent is fine when checked');
    });

    it('can be required (WEBHOOK_BODY_TIMESTAMP=require)', async () => {
      const required = await extra({ WEBHOOK_BODY_TIMESTAMP: 'require' });
      const { timestamp: _omitted, ...without } = frameDone(uniqueId('p'));
      const res = await postWebhook(required, 'last-frame-complete', without);
      assert.equal(res.status, 400);
      assert.deepEqual((res.body.details as any).fields, [{ field: 'timestamp', message: 'required' }]);
    });
  });

  describe('body limits', () => {
    it('answers 413 above 1 MiB by default, and above a configured limit', async () => {
      const big = frameDone(uniqueId('p'), { metadata: { padding: 'x'.repeat(1024 * 1024) } });
      const res = await postWebhook(stack.gatewayUrl, 'last-frame-complete', big);
      assert.equal(res.status, 413);
      assert.equal(res.body.error, 'payload_too_large');
      const small = await extra({ WEBHOOK_MAX_BODY_BYTES: '2048' });
      const medium = frameDone(uniqueId('p'), { metadata: { padding: 'x'.repeat(4096) } });
      assert.equal((await postWebhook(small, 'last-frame-complete', medium)).status, 413);
      assert.ok(verified((await postWebhook(stack.gatewayUrl, 'last-frame-complete', medium)).status));
    });

    it('never answers a signature header it cannot parse with anything but 401', async () => {
      const body = JSON.stringify(frameDone(uniqueId('p')));
      const good = signBody(testSecrets['last-frame-complete'], body);
      const cases: Record<string, string>[] = [
        { 'x-webhook-signature': `${good},${good}` },
        { 'webhook-signature': 'v1,' },
        { 'webhook-signature': 'v1,abc', 'webhook-id': 'x', 'webhook-timestamp': 'yesterday' },
        { 'webhook-signature': 'v2,abc v1', 'webhook-id': 'x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) },
        { 'webhook-signature': 'v1,abc', 'webhook-id': 'x', 'webhook-timestamp': '99999999999999999999' },
      ];
      for (const headers of cases) {
        const res = await postJson(`${stack.gatewayUrl}/api/webhooks/last-frame-complete`, body, headers);
        assert.equal(res.status, 401, JSON.stringify(headers));
      }
    });
  });
});
