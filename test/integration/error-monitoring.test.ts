import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import * as Sentry from '@sentry/node';
import { WorkflowFailedError } from '@temporalio/client';
import { signBody } from '../../src/contracts/webhooks';
import { mergeSettings } from '../../src/contracts/workflow-settings';
import { projectWorkflowType, type ProjectWorkflow } from '../../src/contracts/workflow-api';
import type { Stack } from '../../src/dev/start-stack';
import { loadConfig } from '../../src/platform/load-config';
import { closeErrorMonitoring, initErrorMonitoring } from '../../src/platform/error-monitoring';
import { projectRoot } from '../../src/platform/project-root';
import { openDatabase } from '../../src/storage/database';
import { extraGateways } from '../support/extra-gateway';
import { postWebhook, uniqueId } from '../support/http';
import { waitFor } from '../support/projects';
import { startSentryIngest, type SentryIngest } from '../support/sentry-ingest';
import { testAdminToken, testEnv, testSecrets, testStack, testWorkflowSettings } from '../support/test-stack';

/** A credential that must never leave in a report, wherever it was seen. */
const secrets = [...Object.values(testSecrets), testAdminToken];

describe('error monitoring: Sentry, against a local stand-in for its ingest', function () {
  this.timeout(60_000);
  let stack: Stack;
  let ingest: SentryIngest;
  const gateway = extraGateways(() => stack);

  before(async () => {
    stack = await testStack();
    ingest = await startSentryIngest();
  });

  after(async () => {
    await closeErrorMonitoring(); // the SDK is one per process: nothing of it outlives this file
    await ingest?.close();
  });

  /** A gateway whose database has gone away: its admin API answers 500, the unexpected error. */
  async function gatewayWithoutDatabase() {
    const database = openDatabase(stack.databaseUrl);
    await database.close();
    return gateway({}, { database });
  }

  /** A failure callback for a project that does not exist: a warning (project_not_found) and an error (task_failed) in the error log. */
  async function failureCallback() {
    const projectId = uniqueId('sentry');
    const marker = uniqueId('raw-body-only');
    const body = JSON.stringify({ task_id: uniqueId('task'), status: 'failed', scene_id: randomUUID(), project_id: projectId, error: 'GPU out of memory', note: marker });
    const signature = signBody(testSecrets['video-complete'], body);
    const res = await postWebhook(stack.gatewayUrl, 'video-complete', body, { signature });
    assert.equal(res.status, 404);
    return { projectId, body, signature, marker };
  }

  const eventsAbout = (projectId: string) => ingest.events().filter((e) => e.extra?.projectId === projectId);

  it('sends nothing when SENTRY_DSN is unset, even with the SDK’s own SENTRY_DSN variable pointing at the ingest', async () => {
    const config = loadConfig(testEnv(), 'stack');
    assert.equal(config.errorMonitoring, undefined);
    process.env.SENTRY_DSN = ingest.dsn; // what Sentry.init would fall back to, were it ever called
    try {
      assert.equal(initErrorMonitoring(config, { service: 'test' }), false);
      const g = await gatewayWithoutDatabase();
      const res = await fetch(`${g.url}/api/v1/errors`, { headers: { authorization: `Bearer ${testAdminToken}` } });
      assert.equal(res.status, 500);
      const { projectId } = await failureCallback();
      await waitFor(() => stack.prisma.errorLog.findFirst({ where: { code: 'task_failed', context: { path: ['projectId'], equals: projectId } } }), 5_000, 'the error-log row');
      // Whatever a Sentry client in this process had queued (one set up by any path) is sent by the time flush returns.
      assert.equal(Sentry.getClient(), undefined, 'no Sentry client');
      await Sentry.flush(5_000);
      assert.deepEqual(ingest.envelopes, []);
    } finally {
      delete process.env.SENTRY_DSN;
    }
  });

  describe('with SENTRY_DSN set', () => {
    beforeEach(() => {
      const config = loadConfig(testEnv({ SENTRY_DSN: ingest.dsn, SENTRY_ENVIRONMENT: 'integration-test' }), 'stack');
      assert.equal(initErrorMonitoring(config, { service: 'reelay-test' }), true);
    });

    afterEach(() => closeErrorMonitoring());

    it('reports an unexpected gateway error (a 500) with its request id, and none of the request’s credentials', async () => {
      const g = await gatewayWithoutDatabase();
      const requestId = uniqueId('req');
      const res = await fetch(`${g.url}/api/v1/errors`, {
        headers: { authorization: `Bearer ${testAdminToken}`, 'x-request-id': requestId, cookie: `session=${testAdminToken}` },
      });
      assert.equal(res.status, 500);
      assert.equal(((await res.json()) as { request_id: string }).request_id, requestId);

      const event = await waitFor(() => ingest.events().find((e) => e.tags?.requestId === requestId), 10_000, 'the 500 at the ingest');
      assert.equal(event.level, 'error');
      assert.equal(event.environment, 'integration-test');
      assert.match(event.release, /^reelay@\d+\.\d+\.\d+/);
      assert.equal(event.tags.service, 'reelay-test');
      assert.deepEqual({ method: event.extra.method, path: event.extra.path }, { method: 'GET', path: '/api/v1/errors' });
      assert.ok(event.exception.values.length >= 1, 'sent as an exception, with its stack');
      assert.ok(event.exception.values.at(-1).stacktrace.frames.length > 0);
      assert.equal(event.request, undefined, 'no request data: no headers, no body');
      assert.equal(event.breadcrumbs, undefined);
      const envelope = ingest.envelopes.find((e) => e.text.includes(requestId))!;
      for (const secret of secrets) assert.ok(!envelope.text.includes(secret), 'a credential was sent');
    });

    it('reports an error-log entry of severity error with its category and context, never the raw body or signature; a warning stays home', async () => {
      const { projectId, body, signature, marker } = await failureCallback();
      const [event] = await waitFor(() => {
        const found = eventsAbout(projectId);
        return found.length ? found : undefined;
      }, 10_000, 'the task_failed entry at the ingest');
      assert.equal(event.message, 'Video generation failed for scene ' + event.extra.sceneId);
      assert.equal(event.level, 'error');
      assert.deepEqual(event.fingerprint, ['error-log', 'webhook', 'task_failed']);
      assert.deepEqual(
        { category: event.tags.category, code: event.tags.code, severity: event.tags.severity, endpoint: event.tags.endpoint, projectId: event.tags.projectId },
        { category: 'webhook', code: 'task_failed', severity: 'error', endpoint: 'video-complete', projectId },
      );
      assert.equal(event.tags.taskId, event.extra.taskId);
      assert.equal(event.extra.error, 'GPU out of memory');
      assert.ok(event.extra.eventId, 'points into the event store');

      // The same request wrote project_not_found (a warning) first: it is not sent.
      await closeErrorMonitoring(); // sends whatever is still queued
      assert.deepEqual(eventsAbout(projectId).map((e) => e.tags.code), ['task_failed']);
      const logged = await stack.prisma.errorLog.findMany({ where: { context: { path: ['projectId'], equals: projectId } } });
      assert.deepEqual(logged.map((row) => row.code).sort(), ['project_not_found', 'task_failed']);
      const sent = ingest.envelopes.filter((e) => e.text.includes(projectId)).map((e) => e.text).join('\n');
      for (const leak of [body, signature, marker, ...secrets]) assert.ok(!sent.includes(leak), `sent: ${leak.slice(0, 40)}`);
    });

    it('reports an unexpected activity failure in the worker once, with the activity and the project', async () => {
      // A workflow about scenes that are not in the database: its activities fail, not as a service would.
      const projectId = uniqueId('sentry-worker');
      const handle = await stack.client.workflow.start<ProjectWorkflow>(projectWorkflowType, {
        workflowId: `project-${projectId}`,
        taskQueue: stack.config.temporal.taskQueue,
        args: [{ projectId, userId: null, sceneIds: [randomUUID()], settings: mergeSettings(stack.config.workflow, testWorkflowSettings) }],
      });
      // Temporal retries each failing activity until its attempts are spent, and then the run fails.
      await assert.rejects(handle.result(), WorkflowFailedError);
      await closeErrorMonitoring(); // sends whatever is still queued
      // The first activity (recording that the film is generating) fails on each of its attempts; only
      // the first attempt is reported.
      const reports = eventsAbout(projectId).filter((e) => e.exception);
      assert.deepEqual(reports.map((e) => e.tags.activityType), ['setProjectStatus']);
      const [event] = reports;
      assert.equal(event.tags.workflowId, `project-${projectId}`);
      assert.equal(event.extra.projectId, projectId);
      assert.equal(event.exception.values.at(-1).mechanism.handled, true);
    });

    it('reports an unhandled rejection as fatal, sends it, and still ends the process as Node would', async () => {
      const script = `
        const { initErrorMonitoring } = require(${JSON.stringify(path.join(projectRoot, 'src/platform/error-monitoring'))});
        initErrorMonitoring({ errorMonitoring: { dsn: process.env.DSN, environment: 'test' } }, { service: 'child' });
        Promise.reject(new Error('nobody caught this ' + process.env.MARK));`;
      const mark = uniqueId('unhandled');
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, DSN: ingest.dsn, MARK: mark }, stdio: 'ignore' });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 1);
      const event = ingest.events().find((e) => e.exception?.values.some((v: { value: string }) => v.value.includes(mark)));
      assert.ok(event, 'sent before the exit');
      assert.equal(event.level, 'fatal');
      assert.equal(event.tags.service, 'child');
      assert.equal(event.exception.values.at(-1).mechanism.type, 'onunhandledrejection');
    });
  });
});
