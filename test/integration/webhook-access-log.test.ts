import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { closeAccessLogFile } from '../../src/platform/access-log-file';
import type { Stack } from '../../src/dev/start-stack';
import { signBody } from '../../src/contracts/webhooks';
import { extraGateways } from '../support/extra-gateway';
import { postJson, postWebhook, uniqueId } from '../support/http';
import { asOperator } from '../support/clients';
import { videoDone } from '../support/payloads';
import { waitFor } from '../support/projects';
import { testSecrets, testStack, testWebhookLog } from '../support/test-stack';
import { assertWellFormed, grep, linesOf, type AccessLine } from '../support/access-log';

describe('the webhook access log (logs/webhooks.log)', function () {
  this.timeout(60_000);
  let stack: Stack;
  let dir: string;
  const gateway = extraGateways(() => stack);

  before(async () => {
    stack = await testStack();
    dir = await mkdtemp(path.join(os.tmpdir(), 'reelay-access-log-'));
  });
  after(async () => {
    await closeAccessLogFile(); // files of this test's gateways only would do, but nothing else writes now
    await rm(dir, { recursive: true, force: true });
  });

  it("is written by npm start's gateway, outside the repository in tests: a line per webhook the services send, found by grep", async () => {
    assert.equal(stack.config.webhookLog.file, testWebhookLog);
    assert.ok(!testWebhookLog.startsWith(path.resolve(__dirname, '..', '..')), 'not in the repository');

    const projectId = uniqueId('logged');
    const created = await postJson(`${stack.gatewayUrl}/api/v1/projects`, { project_id: projectId, scenes: [{ prompt: 'one' }] }, asOperator);
    assert.equal(created.status, 201);
    await stack.client.workflow.getHandle(`project-${projectId}`).result();

    const sent = stack.simulator!.webhooks.filter((w) => w.projectId === projectId);
    assert.deepEqual(sent.map((w) => w.endpoint).sort(), ['last-frame-complete', 'stitch-complete', 'video-complete']);
    for (const webhook of sent) {
      const [line, ...more] = await waitFor(async () => {
        const found = await grep(webhook.taskId, testWebhookLog);
        return found.length ? found : undefined;
      }, 5_000, `a line for ${webhook.taskId}`);
      assert.deepEqual(more, [], `one line for ${webhook.taskId}`);
      const entry = JSON.parse(line) as AccessLine;
      assertWellFormed(entry);
      assert.equal(entry.endpoint, webhook.endpoint);
      assert.equal(entry.task_id, webhook.taskId);
      assert.equal(entry.project_id, projectId);
      assert.equal(entry.outcome, 'success');
      assert.equal(entry.status, 200);
      assert.equal(entry.verified, true);
      assert.equal(entry.deliveries, 1);
      if (webhook.endpoint === 'stitch-complete') assert.equal(entry.scene_id, undefined);
      else assert.equal(typeof entry.scene_id, 'string');
    }
  });

  it('writes exactly one JSON line per request, whatever the outcome: 200, duplicate, 400, 401, 404, 415, 429 and 503', async () => {
    const file = path.join(dir, 'outcomes', 'webhooks.log'); // its folder does not exist yet
    const env = { WEBHOOK_LOG: file, REDIS_URL: '', RATE_LIMIT_LAST_FRAME_COMPLETE: '1' };
    const g = await gateway(env);
    const projectId = uniqueId('finished');
    await postJson(`${stack.gatewayUrl}/api/v1/projects`, { project_id: projectId, scenes: [{ prompt: 'one' }] }, asOperator);
    await stack.client.workflow.getHandle(`project-${projectId}`).result();

    const late = videoDone(projectId, { task_id: uniqueId('task_123') });
    const unknownProject = videoDone(uniqueId('nobody'));
    const wrongSecret = videoDone(projectId);
    const sent: { requestId: string; status: number }[] = [];
    const send = async (requestId: string, request: (headers: Record<string, string>) => Promise<{ status: number }>) => {
      const res = await request({ 'x-request-id': requestId });
      sent.push({ requestId, status: res.status });
    };
    const signed = (endpoint: 'video-complete', body: unknown, secret: string = testSecrets[endpoint]) => (headers: Record<string, string>) =>
      postJson(`${g.url}/api/webhooks/${endpoint}`, JSON.stringify(body), { ...headers, 'x-webhook-signature': signBody(secret, JSON.stringify(body)) });

    await send('ignored', signed('video-complete', late));
    await send('duplicate', signed('video-complete', late));
    await send('bad-signature', signed('video-complete', wrongSecret, 'not-the-secret-at-all-0000'));
    await send('invalid', signed('video-complete', { task_id: 'task_invalid', status: 'completed', project_id: projectId }));
    await send('unknown-project', signed('video-complete', unknownProject));
    await send('not-json', (headers) =>
      fetch(`${g.url}/api/webhooks/stitch-complete`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: 'hi' }),
    );
    await send('unsigned', (headers) => postJson(`${g.url}/api/webhooks/last-frame-complete`, '{}', headers));
    await send('limited', (headers) => postJson(`${g.url}/api/webhooks/last-frame-complete`, '{}', headers));

    // A gateway whose Temporal has gone away, writing to the same file: 503.
    const connection = await Connection.connect({ address: stack.temporalAddress });
    const unreachable = await gateway(env, { temporal: new Client({ connection, namespace: stack.config.temporal.namespace }) });
    await connection.close();
    const stitch = { task_id: uniqueId('stc'), status: 'completed', project_id: uniqueId('p'), final_video_url: 'https://x/y.mp4' };
    const failed = await postWebhook(unreachable.url, 'stitch-complete', stitch);
    assert.equal(failed.status, 503);

    assert.deepEqual(
      sent.map((s) => s.status),
      [200, 200, 401, 400, 404, 415, 401, 429],
    );
    await closeAccessLogFile(file); // flushed: every line is on disk
    const lines = await linesOf(file);
    assert.equal(lines.length, sent.length + 1, 'one line per request, no more');
    lines.forEach(assertWellFormed);
    const byId = new Map(lines.map((l) => [l.request_id, l]));
    for (const { requestId, status } of sent) assert.equal(byId.get(requestId)?.status, status, requestId);

    const pick = (id: string) => byId.get(id)!;
    assert.deepEqual(
      { ...pick('ignored'), time: undefined, latency_ms: undefined, ip: undefined, event_id: undefined, trace_id: undefined },
      {
        time: undefined,
        endpoint: 'video-complete',
        task_id: late.task_id,
        project_id: projectId,
        scene_id: 'scene-1',
        task_status: 'completed',
        outcome: 'ignored',
        status: 200,
        latency_ms: undefined,
        request_id: 'ignored',
        trace_id: undefined,
        ip: undefined,
        verified: true,
        event_id: undefined,
        deliveries: 1,
      },
    );
    assert.match(pick('ignored').trace_id ?? '', /^[0-9a-f]{32}$/, 'the suite traces: the line names its trace');
    assert.equal(pick('duplicate').outcome, 'duplicate');
    assert.equal(pick('duplicate').deliveries, 2);
    assert.equal(pick('duplicate').event_id, pick('ignored').event_id);

    // Refused after the body was read: the ids it claims are logged, marked unverified.
    assert.equal(pick('bad-signature').outcome, 'invalid_signature');
    assert.equal(pick('bad-signature').verified, false);
    assert.equal(pick('bad-signature').task_id, wrongSecret.task_id);
    assert.equal(pick('bad-signature').project_id, projectId);
    assert.equal(pick('invalid').outcome, 'validation_failed');
    assert.equal(pick('invalid').task_id, 'task_invalid');
    assert.equal(pick('invalid').scene_id, undefined, 'the body had none');
    assert.equal(pick('unknown-project').outcome, 'project_not_found');
    assert.equal(pick('unknown-project').project_id, unknownProject.project_id);

    // Refused before the body was read: no ids, and nothing claims it was verified.
    for (const id of ['not-json', 'limited']) {
      const line = pick(id);
      for (const field of ['task_id', 'project_id', 'scene_id', 'verified'] as const) assert.equal(line[field], undefined, `${id}: ${field}`);
    }
    assert.equal(pick('not-json').outcome, 'unsupported_media_type');
    assert.equal(pick('not-json').endpoint, 'stitch-complete');
    assert.equal(pick('limited').outcome, 'rate_limited');
    assert.equal(pick('limited').endpoint, 'last-frame-complete');
    assert.equal(pick('unsigned').outcome, 'invalid_signature');

    const unavailable = lines.find((l) => l.task_id === stitch.task_id)!;
    assert.equal(unavailable.outcome, 'signal_failed');
    assert.equal(unavailable.status, 503);

    // The guide's recipe: grep "task_123" logs/webhooks.log
    const found = await grep(late.task_id, file);
    assert.equal(found.length, 2, 'the delivery and its duplicate');
    assert.deepEqual(found.map((l) => JSON.parse(l).request_id), ['ignored', 'duplicate']);
    assert.deepEqual(await grep(uniqueId('task_never_sent'), file), []);
  });

  it('with DEBUG=webhooks:*, puts the per-stage debug lines in the main log under the same request id', async () => {
    const file = path.join(dir, 'debug', 'webhooks.log');
    const entries: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void entries.push(JSON.parse(line)) });
    const g = await gateway({ WEBHOOK_LOG: file, DEBUG: 'webhooks:*' }, { logger });
    const body = videoDone(uniqueId('nobody'));
    const res = await postWebhook(g.url, 'video-complete', body);
    assert.equal(res.status, 404);
    await closeAccessLogFile(file);
    const [line, ...more] = await linesOf(file);
    assert.deepEqual(more, [], 'debug lines stay out of the access log');
    assert.equal(line.task_id, body.task_id);
    const stages = entries.filter((e) => e.requestId === line.request_id && e.level === 20).map((e) => e.msg);
    assert.ok(stages.includes('webhook signature verified'), `stages: ${stages.join(', ')}`);
    assert.ok(stages.includes('webhook payload valid'), `stages: ${stages.join(', ')}`);
  });

  it('rotates at WEBHOOK_LOG_MAX_BYTES, keeping WEBHOOK_LOG_FILES rotated files beside webhooks.log', async () => {
    const folder = path.join(dir, 'rotation');
    const file = path.join(folder, 'webhooks.log');
    const maxBytes = 1500;
    const g = await gateway({ WEBHOOK_LOG: file, WEBHOOK_LOG_MAX_BYTES: String(maxBytes), WEBHOOK_LOG_FILES: '2', REDIS_URL: '', RATE_LIMIT_ENABLED: 'false' });
    const count = 40;
    for (let i = 0; i < count; i++) {
      const res = await postJson(`${g.url}/api/webhooks/stitch-complete`, { task_id: `task_rot_${String(i).padStart(2, '0')}` }, { 'x-request-id': `rot-${i}` });
      assert.equal(res.status, 401);
    }
    await closeAccessLogFile(file);

    assert.deepEqual((await readdir(folder)).sort(), ['webhooks.log', 'webhooks.log.1', 'webhooks.log.2']);
    const [current, newer, older] = await Promise.all(['webhooks.log', 'webhooks.log.1', 'webhooks.log.2'].map((name) => linesOf(path.join(folder, name))));
    for (const name of ['webhooks.log.1', 'webhooks.log.2']) {
      const { size } = await stat(path.join(folder, name));
      // Rotated once a write reaches the limit: never past it by more than that one line.
      assert.ok(size >= maxBytes && size < maxBytes + 400, `${name}: ${size} bytes`);
    }
    assert.ok((await stat(file)).size < maxBytes);
    // Oldest first across the files, with nothing lost between them, ending with the last request.
    const kept = [...older, ...newer, ...current].map((l) => l.request_id);
    const first = Number(kept[0].slice('rot-'.length));
    assert.ok(first > 0, 'older lines went with the files beyond WEBHOOK_LOG_FILES');
    assert.deepEqual(kept, Array.from({ length: count - first }, (_, i) => `rot-${first + i}`));
    // The newest line is in webhooks.log, or in webhooks.log.1 when it was the write that reached the limit.
    const last = [...newer, ...current].at(-1)!;
    assert.equal(last.request_id, `rot-${count - 1}`);
    assert.deepEqual(await grep('task_rot_39', current.length ? file : `${file}.1`), [JSON.stringify(last)]);
  });
});
