import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '../../src/platform/logger';
import type { Stack } from '../../src/dev/start-stack';
import { extraGateways } from '../support/extra-gateway';
import { getJson, postJson, postWebhook, uniqueId } from '../support/http';
import { startProject, waitFor } from '../support/projects';
import { testSecrets, testStack, testWebhookLog } from '../support/test-stack';

const metricValue = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
};

/** The JSON lines of a log file once `expected` holds for them: the file stream writes asynchronously. */
async function logLines(file: string, expected: (lines: any[]) => boolean): Promise<any[]> {
  return waitFor(async () => {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (!text.endsWith('\n')) return undefined; // nothing yet, or a line still being written
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    return expected(lines) && lines;
  }, 10_000, `the expected lines in ${file}`);
}

describe('observability: metrics, logs, OpenAPI and CORS', function () {
  this.timeout(60_000);
  let stack: Stack;
  const gateway = extraGateways(() => stack);

  before(async () => {
    stack = await testStack();
  });

  describe('GET /metrics', () => {
    const read = async () => (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    /** The gateway's metrics before and after a one-scene film this file makes. */
    let beforeFilm: string;
    let afterFilm: string;
    /** The access log's lines for the webhooks the gateway answered while the film ran, whoever sent them. */
    let duringFilm: any[];
    const filmId = uniqueId('metrics-film');

    before(async () => {
      const started = Date.now();
      beforeFilm = await read();
      const handle = await startProject(stack, { projectId: filmId, scenes: ['a lighthouse'] });
      assert.equal((await handle.result()).status, 'completed');
      afterFilm = await read();
      const ended = Date.now();
      const lines = await logLines(testWebhookLog, (all) => all.filter((l) => l.project_id === filmId).length >= 3);
      // A request is counted when it ends, and its line gives when it began and how long it took.
      duringFilm = lines.filter((l) => {
        const end = Date.parse(l.time) + l.latency_ms;
        return end >= started && end <= ended;
      });
    });

    it('counts webhooks by endpoint and outcome, with a latency histogram', async () => {
      for (const endpoint of ['video-complete', 'last-frame-complete', 'stitch-complete']) {
        const success = `reelay_webhook_requests_total{endpoint="${endpoint}",outcome="success"}`;
        const answered = duringFilm.filter((l) => l.endpoint === endpoint && l.outcome === 'success');
        assert.equal(answered.filter((l) => l.project_id === filmId).length, 1, `one ${endpoint} callback for a one-scene film`);
        // Films earlier files left running may call back meanwhile: the counter rose by exactly what was answered.
        assert.equal(metricValue(afterFilm, success) - metricValue(beforeFilm, success), answered.length, `${endpoint} successes counted once each`);
      }
      const before = await read();
      const invalid = 'reelay_webhook_requests_total{endpoint="stitch-complete",outcome="invalid_signature"}';
      const notFound = 'reelay_webhook_requests_total{endpoint="stitch-complete",outcome="not_found"}';
      const validation = 'reelay_webhook_requests_total{endpoint="stitch-complete",outcome="validation_error"}';
      await postJson(`${stack.gatewayUrl}/api/webhooks/stitch-complete`, '{}');
      await postWebhook(stack.gatewayUrl, 'stitch-complete', { task_id: 't', status: 'completed', project_id: uniqueId('none'), final_video_url: 'https://x/y.mp4' });
      await postWebhook(stack.gatewayUrl, 'stitch-complete', { task_id: 't' });
      const after = await read();
      assert.equal(metricValue(after, invalid) - metricValue(before, invalid), 1);
      assert.equal(metricValue(after, notFound) - metricValue(before, notFound), 1);
      assert.equal(metricValue(after, validation) - metricValue(before, validation), 1);
      assert.match(after, /reelay_webhook_duration_seconds_bucket\{le="0.05",endpoint="stitch-complete",outcome="invalid_signature"\}/);
      for (const name of ['reelay_rate_limit_hits_total', 'reelay_signal_failures_total', 'reelay_rate_limiter_errors_total', 'reelay_gateway_process_resident_memory_bytes']) {
        assert.match(after, new RegExp(`# TYPE ${name} `), name);
      }
    });

    it('counts rate-limit hits', async () => {
      const g = await gateway({ REDIS_URL: '', RATE_LIMIT_STITCH_COMPLETE: '1' });
      await postJson(`${g.url}/api/webhooks/stitch-complete`, '{}');
      await postJson(`${g.url}/api/webhooks/stitch-complete`, '{}');
      const text = await (await fetch(`${g.url}/metrics`)).text();
      assert.equal(metricValue(text, 'reelay_rate_limit_hits_total{endpoint="stitch-complete"}'), 1);
      assert.equal(metricValue(text, 'reelay_webhook_requests_total{endpoint="stitch-complete",outcome="rate_limited"}'), 1);
    });

    it('counts signal failures and answers 503 with Retry-After when Temporal is unreachable, keeping the event', async () => {
      const connection = await Connection.connect({ address: stack.temporalAddress });
      const temporal = new Client({ connection, namespace: stack.config.temporal.namespace });
      const g = await gateway({}, { temporal });
      await connection.close(); // Temporal "goes away" for this gateway
      const body = { task_id: uniqueId('t'), status: 'completed', project_id: uniqueId('p'), final_video_url: 'https://x/y.mp4' };
      const res = await postWebhook(g.url, 'stitch-complete', body);
      assert.equal(res.status, 503);
      assert.equal(res.body.error, 'signal_failed');
      assert.equal(res.headers.get('retry-after'), '5');
      const text = await (await fetch(`${g.url}/metrics`)).text();
      assert.equal(metricValue(text, 'reelay_signal_failures_total{endpoint="stitch-complete"}'), 1);
      const stored = await stack.prisma.webhookEvent.findFirstOrThrow({ where: { taskId: body.task_id } });
      assert.equal(stored.outcome, 'signal_failed', 'kept for the retry or a replay');
      const [logged] = await stack.prisma.errorLog.findMany({ where: { type: 'webhook', code: 'signal_failed', context: { path: ['taskId'], equals: body.task_id } } });
      assert.equal(logged.severity, 'error');
    });

    it("exposes the worker's Temporal SDK metrics", async () => {
      const res = await fetch(`http://127.0.0.1:${stack.config.workerMetricsPort}/metrics`);
      const text = await res.text();
      // The film made above completed a workflow and ran its activities on this worker.
      assert.match(text, /^temporal_workflow_completed(_total)?\{[^}]*\} [1-9]/m);
      assert.match(text, /^temporal_(local_)?activity_execution_latency[^ ]*\{[^}]*\} [1-9]/m);
    });
  });

  describe('logs', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'reelay-logs-'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('writes JSON lines with a request id, debug lines for DEBUG=webhooks:*, and never a secret or a stack trace', async () => {
      const file = path.join(dir, 'webhooks.log');
      const logger = createLogger({ level: 'info', file, consoleLevel: 'silent' });
      const g = await gateway({ DEBUG: 'webhooks:*' }, { logger });
      const body = JSON.stringify({ task_id: 't', status: 'completed', project_id: uniqueId('p'), final_video_url: 'https://x/y.mp4' });
      await postJson(`${g.url}/api/webhooks/stitch-complete`, body, { 'x-webhook-signature': 'a'.repeat(64), 'x-request-id': 'req-123' });
      await postWebhook(g.url, 'stitch-complete', JSON.parse(body));
      const lines = await logLines(file, (written) => written.filter((l) => l.msg === 'request').length === 2);
      assert.ok(lines.some((l) => l.requestId === 'req-123' && l.status === 401 && l.msg === 'request'));
      assert.ok(lines.some((l) => l.level === 20 && l.msg === 'webhook signature verified'), 'debug line from the pipeline');
      const text = JSON.stringify(lines);
      for (const secret of Object.values(testSecrets)) assert.ok(!text.includes(secret), 'no secret in the logs');
      assert.ok(!text.includes('a'.repeat(64)), 'no signature in the logs');
      assert.doesNotMatch(text, /"stack"|at .+\.ts:\d+/);
    });

    it('logs an error by type and message, without its stack', async () => {
      const file = path.join(dir, 'errors.log');
      const logger = createLogger({ level: 'info', file, consoleLevel: 'silent' });
      logger.error({ err: new Error('kaboom') }, 'failed');
      const [line] = await logLines(file, (written) => written.length === 1);
      assert.equal(line.msg, 'failed');
      assert.deepEqual(line.err, { type: 'Error', message: 'kaboom' });
    });
  });

  describe('GET /openapi.json', () => {
    it('describes every path, from the schemas that validate requests', async () => {
      const { status, body } = await getJson<any>(`${stack.gatewayUrl}/openapi.json`);
      assert.equal(status, 200);
      assert.equal(body.openapi, '3.0.3');
      for (const p of [
        '/api/v1/projects',
        '/api/v1/projects/{id}',
        '/api/webhooks/video-complete',
        '/api/webhooks/last-frame-complete',
        '/api/webhooks/stitch-complete',
        '/api/v1/webhooks/events',
        '/api/v1/webhooks/events/{id}',
        '/api/v1/webhooks/events/{id}/replay',
        '/api/v1/errors',
        '/api/v1/errors/stats',
        '/health',
        '/metrics',
      ]) {
        assert.ok(body.paths[p], p);
      }
      const scenes = body.paths['/api/v1/projects'].post.requestBody.content['application/json'].schema.properties.scenes;
      assert.equal(scenes.maxItems, 200);
      assert.equal(scenes.minItems, 1);
      const video = body.paths['/api/webhooks/video-complete'].post;
      assert.ok(video.responses['401'] && video.responses['429']);
      assert.ok(body.components.securitySchemes.adminToken);
    });
  });

  describe('CORS', () => {
    const preflight = (url: string, origin: string) =>
      fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });

    it('is off by default, everywhere', async () => {
      const res = await preflight(`${stack.gatewayUrl}/api/v1/projects`, 'https://app.example.com');
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    });

    it('allows configured origins on the API paths, never on the webhook paths', async () => {
      const g = await gateway({ CORS_ORIGINS: 'https://app.example.com' });
      const api = await preflight(`${g.url}/api/v1/projects`, 'https://app.example.com');
      assert.equal(api.headers.get('access-control-allow-origin'), 'https://app.example.com');
      const other = await preflight(`${g.url}/api/v1/projects`, 'https://evil.example.com');
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      const webhook = await preflight(`${g.url}/api/webhooks/video-complete`, 'https://app.example.com');
      assert.equal(webhook.headers.get('access-control-allow-origin'), null);
    });
  });
});
