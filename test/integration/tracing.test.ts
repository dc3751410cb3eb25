import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { signBody } from '../../src/contracts/webhooks';
import { progressQuery } from '../../src/contracts/workflow-api';
import type { Stack } from '../../src/dev/start-stack';
import { createLogger } from '../../src/platform/logger';
import { postJson, uniqueId } from '../support/http';
import { videoDone } from '../support/payloads';
import { requestsFor, startProject, waitFor } from '../support/projects';
import { testSecrets, testSpans, testStack, testWebhookLog } from '../support/test-stack';

/** What reached a service's HTTP server: its own view of the request, headers and all. */
interface ServerRequest {
  url?: string;
  headers: IncomingMessage['headers'];
}

const spanNamed = (spans: ReadableSpan[], name: string) => spans.find((span) => span.name === name);

describe('tracing: one trace per webhook', function () {
  this.timeout(60_000);
  let stack: Stack;
  // The simulator records no headers but Authorization and Idempotency-Key: the server side of Node's
  // HTTP tells what its requests carried.
  const received: ServerRequest[] = [];
  const onRequest = (message: unknown) => {
    const { request } = message as { request: IncomingMessage };
    received.push({ url: request.url, headers: request.headers });
  };

  before(async () => {
    stack = await testStack();
    diagnostics.subscribe('http.server.request.start', onRequest);
  });
  after(() => diagnostics.unsubscribe('http.server.request.start', onRequest));

  it('follows a video callback from the gateway through the signal, the workflow and the activity to the last-frame request, whose traceparent names it', async () => {
    const projectId = uniqueId('traced');
    const videoTaskId = uniqueId('vid');
    // The video task completes without calling back: the callback is the one this test sends.
    stack.simulator!.behaviour = ({ service, body }) =>
      service === 'video' && body.project_id === projectId ? { loseCallback: true, taskId: videoTaskId } : undefined;
    const film = await startProject(stack, { projectId, scenes: ['a harbour at dawn'], settings: { stepTimeoutMs: { video: 60_000, lastFrame: 60_000 } } });
    // The callback comes once the film waits for it, as a real service's does (one arriving before the
    // request that asked for it has returned leaves the next call in the film's own trace).
    await waitFor(async () => (await film.query(progressQuery)).current?.phase === 'waiting', 20_000, 'the film to wait for its video');
    const sceneId = String(requestsFor(stack, projectId, 'video')[0].body.scene_id);

    const requestId = uniqueId('req');
    const raw = JSON.stringify(videoDone(projectId, { task_id: videoTaskId, scene_id: sceneId }));
    const answer = await postJson(`${stack.gatewayUrl}/api/webhooks/video-complete`, raw, {
      'x-webhook-signature': signBody(testSecrets['video-complete'], raw),
      'x-request-id': requestId,
    });
    assert.equal(answer.status, 200);

    // The gateway's span for this request, then every span of its trace down to the outbound call.
    const server = await waitFor(() => testSpans.getFinishedSpans().find((span) => span.attributes['reelay.request_id'] === requestId), 10_000, 'the server span');
    const { traceId } = server.spanContext();
    const inTrace = () => testSpans.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    // Workflow spans leave the sandbox when they end: scheduling the activity ends once its result is back.
    const names = ['SignalWorkflow:videoComplete', 'HandleSignal:videoComplete', 'StartActivity:requestLastFrame', 'RunActivity:requestLastFrame', 'POST /api/extract'];
    const [signal, handling, scheduling, activity, outbound] = await waitFor(
      () => {
        const found = names.map((name) => spanNamed(inTrace(), name));
        return found.every(Boolean) && (found as ReadableSpan[]);
      },
      20_000,
      'the spans of the trace, down to the last-frame request',
    );

    // One chain, each span the child of the one before.
    assert.equal(server.parentSpanId, undefined, 'the webhook starts the trace');
    const chain = [server, signal, handling, scheduling, activity, outbound];
    for (let i = 1; i < chain.length; i++) {
      assert.equal(chain[i].parentSpanId, chain[i - 1].spanContext().spanId, `${chain[i].name} is a child of ${chain[i - 1].name}`);
    }

    assert.equal(server.name, 'POST /api/webhooks/video-complete');
    assert.equal(server.kind, SpanKind.SERVER);
    assert.deepEqual(
      {
        method: server.attributes['http.request.method'],
        route: server.attributes['http.route'],
        status: server.attributes['http.response.status_code'],
        endpoint: server.attributes['reelay.webhook.endpoint'],
        outcome: server.attributes['reelay.webhook.outcome'],
        workflowId: server.attributes.temporalWorkflowId,
        projectId: server.attributes['reelay.project_id'],
        sceneId: server.attributes['reelay.scene_id'],
        taskId: server.attributes['reelay.task_id'],
      },
      {
        method: 'POST',
        route: '/api/webhooks/video-complete',
        status: 200,
        endpoint: 'video-complete',
        outcome: 'success',
        workflowId: `project-${projectId}`,
        projectId,
        sceneId,
        taskId: videoTaskId,
      },
    );
    assert.equal(signal.attributes.temporalWorkflowId, `project-${projectId}`);
    assert.equal(handling.attributes['reelay.task_id'], videoTaskId, 'the workflow span names the callback');

    const [frameRequest] = requestsFor(stack, projectId, 'lastFrame');
    assert.ok(frameRequest, 'the last frame was requested');
    assert.equal(activity.attributes.temporalWorkflowId, `project-${projectId}`);
    assert.equal(activity.attributes['reelay.project_id'], projectId);
    assert.equal(activity.attributes['reelay.scene_id'], sceneId);
    assert.equal(activity.attributes['reelay.step'], 'lastFrame');
    assert.match(String(activity.attributes['reelay.task_id']), /^frm/, 'the task the service answered with');

    assert.equal(outbound.kind, SpanKind.CLIENT);
    assert.equal(outbound.attributes['http.response.status_code'], 202);
    assert.equal(outbound.attributes['url.full'], `${stack.simulator!.url}/api/extract`);
    const reached = received.find((r) => r.url === '/api/extract' && String(r.headers['idempotency-key']).includes(projectId));
    assert.equal(reached?.headers.traceparent, `00-${traceId}-${outbound.spanContext().spanId}-01`, 'the service is told the trace and the calling span');

    // From the webhook log line to the trace.
    const line = await waitFor(async () =>
      (await readFile(testWebhookLog, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.request_id === requestId),
    );
    assert.equal(line.trace_id, traceId);
  });

  it('writes the trace and span ids on log lines written inside a span, and none outside', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'reelay-trace-log-'));
    try {
      const file = path.join(dir, 'reelay.log');
      const logger = createLogger({ level: 'info', file, consoleLevel: 'silent' });
      const ids = trace.getTracer('test').startActiveSpan('work', (span) => {
        logger.info('inside');
        span.end();
        return span.spanContext();
      });
      logger.info('outside');
      logger.flush();
      const lines = await waitFor(async () => {
        const text = await readFile(file, 'utf8').catch(() => '');
        const parsed = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
        return parsed.length === 2 && parsed;
      });
      assert.deepEqual([lines[0].trace_id, lines[0].span_id], [ids.traceId, ids.spanId]);
      assert.ok(!('trace_id' in lines[1]) && !('span_id' in lines[1]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
