import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { Stack } from '../../src/dev/start-stack';
import { asOperator } from '../support/clients';
import { getJson, postJson, postWebhook, uniqueId } from '../support/http';
import { requestsFor, startProject, waitFor } from '../support/projects';
import { testEnv, testStack } from '../support/test-stack';

const root = path.resolve(__dirname, '..', '..');

/** An address inside the network (a cloud's metadata service, say) that must never be fetched. */
async function startTrap(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"task_id":"from-the-inside"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("from a service's answer to the inside", function () {
  this.timeout(120_000);
  let stack: Stack;

  before(async () => {
    stack = await testStack();
  });

  const project = async (projectId: string) => (await getJson<any>(`${stack.gatewayUrl}/api/v1/projects/${projectId}`, asOperator)).body;
  const nonEmpty = <T>(list: T[]) => (list.length ? list : undefined);
  const notificationsOf = (projectId: string) => nonEmpty(requestsFor(stack, projectId, 'notification'));
  const errorLogOf = (projectId: string) => stack.prisma.errorLog.findMany({ where: { context: { path: ['projectId'], equals: projectId } } });

  it('does not follow a redirect from a service: the address it points to is never fetched, the project fails saying why', async () => {
    const trap = await startTrap();
    try {
      const projectId = uniqueId('redirected');
      stack.simulator!.behaviour = ({ service, body }) =>
        service === 'video' && body.project_id === projectId ? { redirect: `${trap.url}/latest/meta-data/iam/security-credentials/` } : undefined;
      const handle = await startProject(stack, { projectId, scenes: ['a scene'] });
      await assert.rejects(handle.result(), WorkflowFailedError);
      assert.deepEqual(trap.hits, [], 'the worker fetched the address the redirect named');
      assert.equal(requestsFor(stack, projectId, 'video').length, 1, 'refused at once, not retried');
      const { failure_reason: reason } = await project(projectId);
      assert.match(reason, /the video service answered 303, a redirect, which Reelay does not follow/);
      assert.ok(!reason.includes(trap.url) && !reason.includes(stack.simulator!.url), reason);
      const [logged] = (await errorLogOf(projectId)).filter((row) => row.code === 'activity_failed');
      assert.equal((logged.context as any).detail.location, `${trap.url}/latest/meta-data/iam/security-credentials/`, 'operators see where it pointed');
    } finally {
      await trap.close();
    }
  });

  it("keeps a failed call's URL and the upstream's text out of failure_reason and the notification; the error log has them", async () => {
    const projectId = uniqueId('upstream-text');
    const upstream = 'upstream gpu-07.render.internal (10.20.30.40:8443) refused the job';
    stack.simulator!.behaviour = ({ service, body }) =>
      service === 'video' && body.project_id === projectId ? { reject: 422, rejectBody: upstream } : undefined;
    const handle = await startProject(stack, { projectId, scenes: ['a scene'] });
    await assert.rejects(handle.result(), WorkflowFailedError);

    const shown = await project(projectId);
    assert.equal(shown.failure_reason, 'requestSceneVideo failed: the video service answered 422');
    const [notification] = await waitFor(() => notificationsOf(projectId), 10_000, 'the notification');
    assert.equal(notification.body.reason, shown.failure_reason);
    const simulatorHost = new URL(stack.simulator!.url).host;
    for (const leak of ['gpu-07.render.internal', '10.20.30.40', simulatorHost]) {
      assert.ok(!JSON.stringify(shown).includes(leak), `the project API shows ${leak}`);
      assert.ok(!JSON.stringify(notification.body).includes(leak), `the notification carries ${leak}`);
    }
    const [logged] = (await errorLogOf(projectId)).filter((row) => row.code === 'activity_failed');
    assert.equal((logged.context as any).detail.answer, upstream);
    assert.equal((logged.context as any).detail.status, 422);
    assert.ok(String((logged.context as any).detail.url).startsWith(stack.simulator!.url));
  });

  it("masks host names and addresses in a service's reason for a failed task; the error log keeps the reason as sent", async () => {
    const projectId = uniqueId('task-text');
    const said = 'render node gpu-07.render.internal (10.3.4.5) ran out of memory';
    stack.simulator!.behaviour = ({ service, body }) => (service === 'video' && body.project_id === projectId ? { fail: said } : undefined);
    const handle = await startProject(stack, { projectId, scenes: ['a scene'] });
    await assert.rejects(handle.result(), WorkflowFailedError);

    const shown = await project(projectId);
    assert.equal(shown.failure_reason, 'video failed after 3 attempts: render node [host] ([address]) ran out of memory');
    assert.equal(shown.scenes[0].failure_reason, shown.failure_reason);
    const [notification] = await waitFor(() => notificationsOf(projectId), 10_000, 'the notification');
    assert.equal(notification.body.reason, shown.failure_reason);
    const logged = await errorLogOf(projectId);
    assert.ok(logged.some((row) => row.code === 'task_failed' && (row.context as any).error === said));
    assert.equal((logged.find((row) => row.code === 'step_failed')!.context as any).detail, said);
  });

  it('accepts a signed failure callback whose error nests 100,000 levels deep, with a short reason, never a 500', async () => {
    const projectId = uniqueId('deep-error');
    const taskId = `vid_deep_${projectId}`;
    stack.simulator!.behaviour = ({ service, body, known }) =>
      service === 'video' && body.project_id === projectId && !known ? { loseTask: true, taskId } : undefined;
    const handle = await startProject(stack, { projectId, scenes: ['a scene'] });
    try {
      const [asked] = await waitFor(() => nonEmpty(requestsFor(stack, projectId, 'video')), 10_000, 'the video request');
      const levels = 100_000;
      const raw = `{"task_id":"${taskId}","project_id":"${projectId}","scene_id":"${String(asked.body.scene_id)}","status":"failed","error":${'{"error":'.repeat(levels)}"deep"${'}'.repeat(levels)}}`;
      assert.ok(raw.length > 1_000_000 && raw.length < 1024 * 1024, `${raw.length} bytes, within the default body limit`);
      const answer = await postWebhook(stack.gatewayUrl, 'video-complete', raw);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.scene_updated, true);
      const [logged] = await waitFor(async () => nonEmpty((await errorLogOf(projectId)).filter((row) => row.code === 'task_failed')), 10_000, 'the task_failed row');
      const reason = (logged.context as any).error as string;
      assert.ok(reason.length <= 1001, `a reason of ${reason.length} characters`);
      assert.ok(reason.startsWith('{"error":{"error":'), reason.slice(0, 80));
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });

  it('refuses to start a production worker whose service URL is plain http, naming the variable', async () => {
    const https = 'https://services.example.com';
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/worker.ts'], {
      cwd: root,
      env: {
        ...process.env,
        ...testEnv({
          NODE_ENV: 'production',
          LOG_LEVEL: 'info',
          DATABASE_URL: stack.databaseUrl,
          TEMPORAL_ADDRESS: stack.temporalAddress,
          TEMPORAL_TASK_QUEUE: uniqueId('never-polled'),
          NEXT_PUBLIC_APP_URL: 'https://reelay.example.com',
          VIDEO_GENERATION_SERVICE: 'http://video.internal:8080',
          LAST_FRAME_SERVICE_URL: https,
          STITCH_SERVICE_URL: https,
          NOTIFICATION_SERVICE_URL: https,
        }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const code = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 30_000))]);
    if (code === 'running') {
      child.kill('SIGKILL');
      assert.fail(`the worker started with an http:// service URL in production:\n${output.slice(-2000)}`);
    }
    assert.notEqual(code, 0);
    assert.match(output, /VIDEO_GENERATION_SERVICE: must be an https:\/\/ URL in production/);
    assert.ok(!/LAST_FRAME_SERVICE_URL: must/.test(output), 'https URLs pass');
  });

  describe("the simulator's last-frame service", () => {
    const extract = (videoUrl: string) =>
      postJson(
        `${stack.simulator!.url}/api/extract`,
        { project_id: uniqueId('sim'), scene_id: 's1', video_url: videoUrl, webhook_url: `${stack.gatewayUrl}/api/webhooks/last-frame-complete` },
        { 'idempotency-key': uniqueId('key') },
      );

    it('takes http(s) video URLs only: never file: or concat:, which ffmpeg would read from the disk', async () => {
      for (const videoUrl of ['file:///etc/passwd', 'concat:/etc/passwd|/etc/hostname', 'FILE:///etc/passwd', 'ftp://10.0.0.1/video.mp4']) {
        const answer = await extract(videoUrl);
        assert.equal(answer.status, 422, `${videoUrl}: ${answer.status}`);
        assert.match(JSON.stringify(answer.body), /must be an http\(s\) URL/);
      }
      assert.equal((await extract('https://cdn.example.com/scene.mp4')).status, 202);
    });

    it('answers requests addressed to it by a local name only (a rebinding web page gets a 403)', async () => {
      const { port } = new URL(stack.simulator!.url);
      const statusFor = (host: string) =>
        new Promise<number>((resolve, reject) => {
          request({ host: '127.0.0.1', port, path: '/health', headers: { host } }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          })
            .on('error', reject)
            .end();
        });
      assert.equal(await statusFor(`attacker.example:${port}`), 403);
      assert.equal(await statusFor(`127.0.0.1:${port}`), 200);
      assert.equal(await statusFor(`localhost:${port}`), 200);
    });
  });
});
