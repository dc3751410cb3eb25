import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { createErrorLog } from '../../src/storage/error-log';
import { getJson, postJson, postWebhook, uniqueId } from '../support/http';
import { asOperator } from '../support/clients';
import { videoDone } from '../support/payloads';
import { waitFor } from '../support/projects';
import { testAdminToken, testStack } from '../support/test-stack';

const auth = { authorization: `Bearer ${testAdminToken}` };

async function adminGet<T = any>(url: string) {
  const res = await fetch(url, { headers: auth });
  return { status: res.status, body: (await res.json()) as T };
}


describe('the event store, replay and the error log', function () {
  this.timeout(60_000);
  let stack: Stack;
  let url: string;

  before(async () => {
    stack = await testStack();
    url = stack.gatewayUrl;
  });

  describe('admin API authentication', () => {
    it('refuses every admin path without the bearer token, or with a wrong one', async () => {
      for (const path of ['/api/v1/webhooks/events', '/api/v1/errors', '/api/v1/errors/stats']) {
        const none = await getJson(`${url}${path}`);
        assert.equal(none.status, 401, path);
        assert.equal(none.body.error, 'unauthorized');
        const wrong = await fetch(`${url}${path}`, { headers: { authorization: 'Bearer not-the-token' } });
        assert.equal(wrong.status, 401, path);
      }
      const replay = await postJson(`${url}/api/v1/webhooks/events/00000000-0000-4000-8000-000000000000/replay`, {});
      assert.equal(replay.status, 401);
    });

    it('lets the admin token into the project API too (the operator sees every film)', async () => {
      assert.equal((await getJson(`${url}/api/v1/projects/${uniqueId('none')}`, asOperator)).status, 404);
    });
  });

  describe('early webhooks', () => {
    it('keeps a webhook that arrives before its project, and applies it once the project is created', async () => {
      const projectId = uniqueId('early');
      const early = videoDone(projectId);
      assert.equal((await postWebhook(url, 'video-complete', early)).status, 404);
      const stored = await stack.prisma.webhookEvent.findFirstOrThrow({ where: { taskId: early.task_id } });
      assert.equal(stored.outcome, 'pending_project');

      await postJson(`${url}/api/v1/projects`, { project_id: projectId, scenes: [{ prompt: 'late project' }] }, asOperator);
      const applied = await stack.prisma.webhookEvent.findUniqueOrThrow({ where: { id: stored.id } });
      assert.equal(applied.outcome, 'signaled');
      // Accepted signals reach the history once the workflow task in flight completes: read it at the end.
      const handle = stack.client.workflow.getHandle(`project-${projectId}`);
      await handle.result();
      const history = await handle.fetchHistory();
      const signalled = history.events!.flatMap((e) => e.workflowExecutionSignaledEventAttributes ?? []);
      const payloads = signalled.map((a) => JSON.parse(Buffer.from(a.input!.payloads![0].data!).toString()));
      assert.ok(payloads.some((p) => p.taskId === early.task_id), 'the early event reached the workflow');
    });
  });

  describe('listing, inspecting and replaying events', () => {
    let projectId: string;
    before(async () => {
      projectId = uniqueId('events');
      await postJson(`${url}/api/v1/projects`, { project_id: projectId, scenes: [{ prompt: 'a' }, { prompt: 'b' }] }, asOperator);
      await stack.client.workflow.getHandle(`project-${projectId}`).result();
    });

    it('lists a project\'s events newest first, filtered and paginated', async () => {
      const all = await adminGet(`${url}/api/v1/webhooks/events?project_id=${projectId}`);
      assert.equal(all.status, 200);
      assert.equal(all.body.data.length, 5); // 2 videos, 2 last frames, 1 stitch
      assert.equal(all.body.data[0].endpoint, 'stitch-complete');
      assert.equal(all.body.data[0].raw_body, undefined, 'lists leave raw bodies out');
      assert.ok(all.body.data.every((e: any) => e.outcome === 'signaled'));

      const videos = await adminGet(`${url}/api/v1/webhooks/events?project_id=${projectId}&endpoint=video-complete`);
      assert.equal(videos.body.data.length, 2);
      const none = await adminGet(`${url}/api/v1/webhooks/events?project_id=${projectId}&outcome=duplicate`);
      assert.deepEqual(none.body.data, []);

      const first = await adminGet(`${url}/api/v1/webhooks/events?project_id=${projectId}&limit=2`);
      assert.equal(first.body.data.length, 2);
      const second = await adminGet(`${url}/api/v1/webhooks/events?project_id=${projectId}&limit=2&cursor=${first.body.next_cursor}`);
      const third = await adminGet(`${url}/api/v1/webhooks/events?project_id=${projectId}&limit=2&cursor=${second.body.next_cursor}`);
      const ids = [...first.body.data, ...second.body.data, ...third.body.data].map((e: any) => e.id);
      assert.deepEqual(ids, all.body.data.map((e: any) => e.id));
      assert.equal(third.body.next_cursor, null);

      const bad = await adminGet(`${url}/api/v1/webhooks/events?endpoint=nope&limit=0`);
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.details.fields.map((f: any) => f.field).sort(), ['endpoint', 'limit']);
    });

    it('shows one event with its raw body and headers, without the signature', async () => {
      const { body: list } = await adminGet(`${url}/api/v1/webhooks/events?project_id=${projectId}&endpoint=stitch-complete`);
      const { status, body } = await adminGet(`${url}/api/v1/webhooks/events/${list.data[0].id}`);
      assert.equal(status, 200);
      assert.equal(JSON.parse(body.raw_body).project_id, projectId);
      assert.equal(body.headers['user-agent'], 'reelay-simulator/1');
      assert.equal(body.headers['x-webhook-signature'], undefined);
      assert.equal((await adminGet(`${url}/api/v1/webhooks/events/00000000-0000-4000-8000-000000000000`)).status, 404);
      assert.equal((await adminGet(`${url}/api/v1/webhooks/events/not-a-uuid`)).status, 400);
    });

    it('replays a stored event to its workflow: ignored once the project has finished', async () => {
      const { body: list } = await adminGet(`${url}/api/v1/webhooks/events?project_id=${projectId}&endpoint=video-complete`);
      const replay = await postJson(`${url}/api/v1/webhooks/events/${list.data[0].id}/replay`, {}, auth);
      assert.equal(replay.status, 200);
      assert.deepEqual(replay.body, { id: list.data[0].id, outcome: 'ignored', replayed: false });
    });

    it('replays an event that could not be applied, once its project exists', async () => {
      const lateProject = uniqueId('replay');
      const early = videoDone(lateProject);
      await postWebhook(url, 'video-complete', early);
      const stored = await stack.prisma.webhookEvent.findFirstOrThrow({ where: { taskId: early.task_id } });
      // The project appears without the gateway's help (another gateway, a restore, ...): replay by hand.
      await stack.prisma.project.create({ data: { id: lateProject, workflowId: `project-${lateProject}`, requestHash: 'x', status: 'generating' } });
      const handle = await stack.client.workflow.start('projectWorkflow', {
        workflowId: `project-${lateProject}`,
        taskQueue: stack.config.temporal.taskQueue,
        args: [{ projectId: lateProject, userId: null, sceneIds: [] }],
      });
      const replay = await postJson(`${url}/api/v1/webhooks/events/${stored.id}/replay`, {}, auth);
      assert.deepEqual(replay.body, { id: stored.id, outcome: 'signaled', replayed: true });
      // A film without scenes soon fails (the stitch refuses it; the failure and its error-log entry are
      // one transaction): wait for it and end the workflow, so nothing this test started writes to the
      // error log while the next tests count it.
      await waitFor(async () => (await stack.prisma.project.findUniqueOrThrow({ where: { id: lateProject } })).status === 'failed', 30_000, 'the scene-less film to fail');
      await handle.terminate('test over');
    });
  });

  describe('the error log', () => {
    it('records each webhook failure with context and without secrets, and lists them filtered', async () => {
      const since = new Date(Date.now() - 1000).toISOString();
      await postJson(`${url}/api/webhooks/video-complete`, videoDone('p'), { 'x-webhook-signature': 'f'.repeat(64) });
      await postWebhook(url, 'video-complete', { task_id: 't' });
      const signatures = await adminGet(`${url}/api/v1/errors?type=webhook&code=invalid_signature&since=${encodeURIComponent(since)}`);
      assert.equal(signatures.status, 200);
      const [entry] = signatures.body.data;
      assert.equal(entry.type, 'webhook');
      assert.equal(entry.code, 'invalid_signature');
      assert.equal(entry.severity, 'warning');
      assert.equal(entry.context.endpoint, 'video-complete');
      assert.ok(entry.context.requestId);
      assert.doesNotMatch(JSON.stringify(entry), /ffffffffffff/, 'the signature is not kept');
      const validation = await adminGet(`${url}/api/v1/errors?code=validation_failed&severity=warning&since=${encodeURIComponent(since)}`);
      assert.equal(validation.body.data.length, 1);
      assert.match(validation.body.data[0].message, /status/);
      // The guide's filter: every webhook failure, whatever its reason.
      const webhook = await adminGet(`${url}/api/v1/errors?type=webhook&since=${encodeURIComponent(since)}`);
      const codes = webhook.body.data.map((e: any) => e.code);
      assert.ok(codes.includes('invalid_signature') && codes.includes('validation_failed'), codes.join());
      assert.ok(webhook.body.data.every((e: any) => e.type === 'webhook'));
      const future = await adminGet(`${url}/api/v1/errors?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
      assert.deepEqual(future.body.data, []);
    });

    it('counts errors by type, code and severity over the last hour and day', async () => {
      const before = await adminGet(`${url}/api/v1/errors/stats`);
      assert.equal(before.status, 200);
      // One unsigned webhook: one error-log entry, type webhook, code invalid_signature, severity warning.
      assert.equal((await postJson(`${url}/api/webhooks/stitch-complete`, '{}')).status, 401);
      const after = await adminGet(`${url}/api/v1/errors/stats`);
      assert.equal(after.status, 200);
      for (const period of ['last_hour', 'last_day']) {
        const count = (body: any, group: string, key?: string): number => (key ? (body[period][group][key] ?? 0) : body[period][group]);
        for (const [group, key] of [['total'], ['by_type', 'webhook'], ['by_code', 'invalid_signature'], ['by_severity', 'warning']]) {
          assert.equal(count(after.body, group, key), count(before.body, group, key) + 1, `${period} ${group} ${key ?? ''}`);
        }
      }
    });

    it('scrubs anything that looks like a credential from the context', async () => {
      const errors = createErrorLog(stack.prisma);
      const code = uniqueId('scrub');
      await errors.addGlobalError({
        type: 'system',
        code,
        severity: 'error',
        message: 'boom',
        context: { apiKey: 'k-123', nested: { Authorization: 'Bearer x', ok: 1 }, webhookSecret: 's' },
      });
      const [row] = await stack.prisma.errorLog.findMany({ where: { code } });
      assert.deepEqual(row.context, { apiKey: '[redacted]', nested: { Authorization: '[redacted]', ok: 1 }, webhookSecret: '[redacted]' });
    });

    it('prunes rows older than the retention', async () => {
      const errors = createErrorLog(stack.prisma);
      const code = uniqueId('old');
      const type = 'system';
      await stack.prisma.errorLog.create({ data: { type, code, severity: 'info', message: 'old', createdAt: new Date(Date.now() - 40 * 86_400_000) } });
      await stack.prisma.errorLog.create({ data: { type, code, severity: 'info', message: 'recent', createdAt: new Date(Date.now() - 10 * 86_400_000) } });
      assert.ok((await errors.prune(30)) >= 1);
      const left = await stack.prisma.errorLog.findMany({ where: { code } });
      assert.deepEqual(left.map((r) => r.message), ['recent']);
    });

    it('paginates the error list, newest first, until next_cursor is null', async () => {
      const code = uniqueId('page');
      for (const [message, secondsAgo] of [['first', 3], ['second', 2], ['third', 1]] as const) {
        await stack.prisma.errorLog.create({ data: { type: 'system', code, severity: 'info', message, createdAt: new Date(Date.now() - secondsAgo * 1000) } });
      }
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: any } = await adminGet(`${url}/api/v1/errors?code=${code}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(page.status, 200);
        pages.push(page.body.data.map((e: any) => e.message));
        cursor = page.body.next_cursor;
      } while (cursor && pages.length < 5);
      assert.deepEqual(pages, [['third'], ['second'], ['first']]);
    });
  });
});
