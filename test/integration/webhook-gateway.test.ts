import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Stack } from '../../src/dev/start-stack';
import { signBody } from '../../src/contracts/webhooks';
import { getJson, postJson, postWebhook, uniqueId } from '../support/http';
import { asOperator } from '../support/clients';
import { videoDone } from '../support/payloads';
import { startProject, waitFor } from '../support/projects';
import { testSecrets, testStack } from '../support/test-stack';


describe('the webhook gateway', function () {
  this.timeout(60_000);
  let stack: Stack;
  let url: string;

  before(async () => {
    stack = await testStack();
    url = stack.gatewayUrl;
  });

  describe('signatures', () => {
    it('rejects a webhook without a signature with 401 and a JSON error', async () => {
      const res = await postJson(`${url}/api/webhooks/video-complete`, videoDone('p'));
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, {
        error: 'invalid_signature',
        code: 'invalid_signature',
        message: 'Missing signature: send X-Webhook-Signature, or the Standard Webhooks headers',
      });
    });

    it('rejects a signature made with another secret, or with another endpoint\'s secret', async () => {
      const body = videoDone('p');
      assert.equal((await postWebhook(url, 'video-complete', body, { secret: 'not-the-secret-at-all-0000' })).status, 401);
      assert.equal((await postWebhook(url, 'video-complete', body, { secret: testSecrets['stitch-complete'] })).status, 401);
    });

    it('rejects signatures of the wrong length or alphabet with 401, never a crash', async () => {
      const body = videoDone('p');
      const good = signBody(testSecrets['video-complete'], JSON.stringify(body));
      for (const signature of ['00', good.slice(0, 63), `${good}00`, 'z'.repeat(64), ' ', 'é'.repeat(64), good.toUpperCase().replace(/./, 'G')]) {
        const res = await postWebhook(url, 'video-complete', body, { signature });
        assert.equal(res.status, 401, `signature ${JSON.stringify(signature)}`);
      }
    });

    it('checks the signature over the exact bytes sent: re-serialised JSON does not verify', async () => {
      const raw = JSON.stringify(videoDone('p'), null, 2);
      const signature = signBody(testSecrets['video-complete'], JSON.stringify(JSON.parse(raw)));
      const res = await postJson(`${url}/api/webhooks/video-complete`, raw, { 'x-webhook-signature': signature });
      assert.equal(res.status, 401);
    });
    it('checks the signature over the exact bytes sent, bytes that are not UTF-8 included', async () => {
      const projectId = uniqueId('bytes');
      const text = Buffer.from(JSON.stringify(videoDone(projectId, { note: '@' })));
      const raw = Buffer.concat([text.subarray(0, text.indexOf('"@"') + 1), Buffer.from([0xff]), text.subarray(text.indexOf('"@"') + 2)]);
      const headers = { 'content-type': 'application/json', 'x-webhook-signature': signBody(testSecrets['video-complete'], raw) };
      const res = await fetch(`${url}/api/webhooks/video-complete`, { method: 'POST', headers, body: raw });
      assert.equal(res.status, 404, 'verified and valid, about a project that does not exist yet');
    });

    it('verifies a gzip-compressed webhook over the JSON it decompresses to', async () => {
      const raw = JSON.stringify(videoDone(uniqueId('gzip')));
      const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-webhook-signature': signBody(testSecrets['video-complete'], raw) };
      const res = await fetch(`${url}/api/webhooks/video-complete`, { method: 'POST', headers, body: gzipSync(raw) });
      assert.equal(res.status, 404, 'verified and valid, about a project that does not exist yet');
    });
  });

  describe('bad input', () => {
    it('answers 404 with a JSON error for a correctly signed webhook about an unknown project', async () => {
      const projectId = uniqueId('nobody');
      const res = await postWebhook(url, 'video-complete', videoDone(projectId));
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { error: 'project_not_found', code: 'project_not_found', message: `No project ${projectId}` });
      const stored = await stack.prisma.webhookEvent.findFirst({ where: { projectId } });
      assert.equal(stored?.outcome, 'pending_project', 'the early event is kept, not lost');
    });

    it('names each missing or invalid field in a 400', async () => {
      const res = await postWebhook(url, 'video-complete', { task_id: 't', status: 'completed', project_id: 'p', video_url: 'ftp://x' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'validation_failed');
      const fields = (res.body.details as any).fields.map((f: any) => f.field);
      assert.deepEqual(fields.sort(), ['scene_id', 'video_url']);
    });

    it('answers malformed JSON with 400 and a non-JSON content type with 415', async () => {
      const malformed = await postWebhook(url, 'stitch-complete', '{"task_id": ');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error, 'malformed_json');
      const text = await fetch(`${url}/api/webhooks/stitch-complete`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
      assert.equal(text.status, 415);
      assert.equal(((await text.json()) as any).error, 'unsupported_media_type');
    });

    it('counts a webhook whose sender goes away in the middle of a compressed body, instead of waiting for it forever', async () => {
      const badRequests = async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith('reelay_webhook_requests_total{endpoint="stitch-complete",outcome="bad_request"}'));
        return Number(line?.split(' ').pop() ?? 0);
      };
      const before = await badRequests();
      const { port, hostname } = new URL(url);
      const half = gzipSync(JSON.stringify({ padding: 'x'.repeat(100_000) })).subarray(0, 64);
      const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': '100000' };
      const sending = request({ hostname, port, method: 'POST', path: '/api/webhooks/stitch-complete', headers });
      sending.on('error', () => undefined); // the request is abandoned on purpose
      sending.write(half);
      await new Promise((resolve) => setTimeout(resolve, 200));
      sending.destroy();
      await waitFor(async () => (await badRequests()) > before, 5000, 'the abandoned webhook to be counted');
    });

    it('answers 404 for an unknown project id and an unknown route, 405 with Allow for a wrong or unknown method, all as JSON', async () => {
      const project = await getJson(`${url}/api/v1/projects/${uniqueId('missing')}`, asOperator);
      assert.equal(project.status, 404);
      assert.equal(project.body.error, 'project_not_found');
      assert.equal((await getJson(`${url}/api/v1/nothing-here`)).body.error, 'not_found');
      const wrongMethod = await fetch(`${url}/api/webhooks/video-complete`, { method: 'DELETE' });
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.get('allow'), 'POST, HEAD, GET');
      assert.equal(((await wrongMethod.json()) as any).error, 'method_not_allowed');
      // A method the router does not know is still the client's mistake, not a 501.
      const unknownMethod = await fetch(`${url}/api/v1/projects`, { method: 'PROPFIND' });
      assert.equal(unknownMethod.status, 405);
      assert.match(unknownMethod.headers.get('allow') ?? '', /POST/);
    });

    it('rejects an invalid project with a 400 that names every bad field', async () => {
      const res = await postJson(`${url}/api/v1/projects`, { project_id: 'bad id!', scenes: [{ prompt: '' }, { prompt: 'ok', duration: -1 }] }, asOperator);
      assert.equal(res.status, 400);
      const fields = (res.body.details as any).fields.map((f: any) => f.field);
      assert.deepEqual(fields.sort(), ['project_id', 'scenes.0.prompt', 'scenes.1.duration']);
      const tooMany = await postJson(`${url}/api/v1/projects`, { scenes: Array.from({ length: 201 }, () => ({ prompt: 'x' })) }, asOperator);
      assert.equal(tooMany.status, 400);
      assert.equal((tooMany.body.details as any).fields[0].field, 'scenes');
      const none = await postJson(`${url}/api/v1/projects`, { scenes: [] }, asOperator);
      assert.equal(none.status, 400);
    });
  });

  describe('health', () => {
    it('answers GET on each webhook path with the reachability of Temporal and the database', async () => {
      for (const endpoint of ['video-complete', 'last-frame-complete', 'stitch-complete']) {
        const res = await getJson(`${url}/api/webhooks/${endpoint}`);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { status: 'ok', endpoint, temporal: { reachable: true }, database: { reachable: true } });
      }
    });
  });

  describe('delivery', () => {
    it('answers in the services\' expected shape, and a repeated delivery as a duplicate without a second signal', async () => {
      const projectId = uniqueId('dup');
      await postJson(`${url}/api/v1/projects`, { project_id: projectId, scenes: [{ prompt: 'one' }] }, asOperator);
      await stack.client.workflow.getHandle(`project-${projectId}`).result();

      // A late callback for a finished project is acknowledged, and changes nothing.
      const late = videoDone(projectId);
      const first = await postWebhook(url, 'video-complete', late);
      assert.equal(first.status, 200);
      assert.deepEqual(first.body, {
        received: true,
        status: 'completed',
        scene_updated: false,
        last_frame_triggered: false,
        ignored: 'project already finished',
      });
      const second = await postWebhook(url, 'video-complete', late);
      assert.equal(second.status, 200);
      assert.equal(second.body.duplicate, true);
      const stored = await stack.prisma.webhookEvent.findFirstOrThrow({ where: { taskId: late.task_id } });
      assert.equal(stored.deliveries, 2);
      assert.equal(stored.outcome, 'ignored');
    });

    it('records each of many webhooks arriving at once as signalled before answering it, so a repeat of any is a duplicate', async () => {
      const projectId = uniqueId('burst');
      // The film waits at its first video (that callback held back), so every webhook below reaches an open workflow.
      stack.simulator!.behaviour = ({ service, body }) => (service === 'video' && body.project_id === projectId ? { loseCallback: true } : undefined);
      const handle = await startProject(stack, { projectId, scenes: ['one'], settings: { stepTimeoutMs: { video: 60_000, lastFrame: 3_000, stitch: 3_000 } } });
      try {
        // Callbacks for tasks the film never asked for: each is stored and signalled, and the workflow skips it.
        const bodies = Array.from({ length: 40 }, (_, i) => videoDone(projectId, { task_id: `burst_${i}`, scene_id: `not_a_scene_${i}` }));
        const answers = await Promise.all(bodies.map((body) => postWebhook(url, 'video-complete', body)));
        assert.ok(answers.every((a) => a.status === 200 && a.body.received === true && a.body.duplicate === undefined));
        const stored = await stack.prisma.webhookEvent.findMany({ where: { projectId } });
        assert.equal(stored.length, bodies.length);
        assert.ok(stored.every((e) => e.outcome === 'signaled' && e.signaledAt), 'every one marked before its answer');
        const repeats = await Promise.all(bodies.slice(0, 5).map((body) => postWebhook(url, 'video-complete', body)));
        assert.ok(repeats.every((r) => r.status === 200 && r.body.duplicate === true));
      } finally {
        stack.simulator!.behaviour = () => undefined;
        await handle.terminate('test over');
      }
    });
  });
});
