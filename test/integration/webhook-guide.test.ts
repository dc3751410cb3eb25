import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Stack } from '../../src/dev/start-stack';
import { progressQuery, requestNowUpdate } from '../../src/contracts/workflow-api';
import { extraGateways } from '../support/extra-gateway';
import { getJson, postJson, postWebhook } from '../support/http';
import { asOperator } from '../support/clients';
import { requestsFor, startProject, waitFor } from '../support/projects';
import { testAdminToken, testStack } from '../support/test-stack';

const run = promisify(execFile);

/**
 * The services' WEBHOOK-GUIDE.md, "Testing Webhooks": its test payload, signed and sent exactly as
 * printed, the host aside. The payload's timestamp is from 2025: a signed body is accepted however
 * old its `timestamp` (the check is opt-in), as a provider's late retry must be.
 */
const guideTestRecipe = `
SECRET="your-video-webhook-secret-change-me"
PAYLOAD='{"task_id":"test_123","status":"completed","scene_id":"scene_001","project_id":"proj_test","video_url":"https://example.com/test.mp4","timestamp":"2025-10-04T10:30:00.000Z"}'
SIGNATURE=$(echo -n "$PAYLOAD" | openssl dgst -sha256 -hmac "$SECRET" -hex | cut -d' ' -f2)

curl -s -X POST "$APP_URL/api/webhooks/video-complete" \\
  -H "Content-Type: application/json" \\
  -H "X-Webhook-Signature: $SIGNATURE" \\
  -d "$PAYLOAD"
`;

async function runRecipe(script: string, env: Record<string, string>): Promise<unknown> {
  const { stdout } = await run('bash', ['-c', script], { env: { ...process.env, ...env } });
  return JSON.parse(stdout);
}

describe("the services' webhook guide, recipe by recipe", function () {
  this.timeout(60_000);
  let stack: Stack;
  const gateway = extraGateways(() => stack);

  before(async () => {
    stack = await testStack();
  });

  it("accepts the guide's test payload signed with its openssl recipe, stores it, and says what it changed", async () => {
    // The guide's secret on the video endpoint; the guide's project exists (with scenes of its own).
    const { url } = await gateway({ VIDEO_WEBHOOK_SECRET: 'your-video-webhook-secret-change-me' });
    // The film waits at its video step (its callback held back) until the recipe has run: a simulated
    // film otherwise finishes in well under a second, and the recipe would meet a finished project.
    stack.simulator!.behaviour = ({ service, body }) => (service === 'video' && body.project_id === 'proj_test' ? { loseCallback: true } : undefined);
    const project = await startProject(stack, { projectId: 'proj_test', scenes: ['a test film'], settings: { stepTimeoutMs: { video: 60_000, lastFrame: 3_000, stitch: 3_000 } } });

    const answer = await runRecipe(guideTestRecipe, { APP_URL: url });
    // Verified and applied to the project's workflow; scene_001 is not one of its scenes, so the
    // answer does not claim a scene was updated.
    assert.deepEqual(answer, {
      received: true,
      status: 'completed',
      scene_updated: false,
      last_frame_triggered: false,
      ignored: 'no such scene in this project',
    });
    const stored = await stack.prisma.webhookEvent.findFirstOrThrow({ where: { projectId: 'proj_test', taskId: 'test_123' } });
    assert.equal(stored.outcome, 'signaled');
    assert.equal(JSON.parse(stored.rawBody).timestamp, '2025-10-04T10:30:00.000Z');

    // Sent again (the provider retrying): a duplicate, not applied twice.
    assert.deepEqual(await runRecipe(guideTestRecipe, { APP_URL: url }), {
      received: true,
      status: 'completed',
      scene_updated: false,
      last_frame_triggered: false,
      duplicate: true,
    });
    // The stray changed nothing: asked again, the service sends the held callback and the film completes.
    await waitFor(async () => (await project.query(progressQuery)).current?.phase === 'waiting');
    await project.executeUpdate(requestNowUpdate);
    await project.result();
  });

  it("answers the guide's health checks and its error-log queries", async () => {
    for (const endpoint of ['video-complete', 'last-frame-complete', 'stitch-complete']) {
      const health = await runRecipe(`curl -s "$APP_URL/api/webhooks/${endpoint}"`, { APP_URL: stack.gatewayUrl });
      assert.equal((health as { status: string }).status, 'ok');
    }
    // A webhook failure of the guide's category `webhook`, then the guide's three error queries
    // (with the admin token: the error log is not public). A gateway of its own: unverified failures
    // from one address are one row a minute per gateway, so the shared gateway's row for this address
    // may be older than the newest page once earlier tests have failed webhooks of their own.
    const { url } = await gateway({});
    await postJson(`${url}/api/webhooks/stitch-complete`, '{}', { 'x-webhook-signature': 'nope' });
    const auth = { ADMIN: `Authorization: Bearer ${testAdminToken}`, APP_URL: url };
    const all = (await runRecipe('curl -s -H "$ADMIN" "$APP_URL/api/v1/errors"', auth)) as { data: { type: string }[] };
    assert.ok(all.data.length >= 1);
    const webhook = (await runRecipe('curl -s -H "$ADMIN" "$APP_URL/api/v1/errors?type=webhook"', auth)) as { data: { type: string; code: string }[] };
    assert.ok(webhook.data.some((e) => e.code === 'invalid_signature'));
    assert.ok(webhook.data.every((e) => e.type === 'webhook'));
    const stats = (await runRecipe('curl -s -H "$ADMIN" "$APP_URL/api/v1/errors/stats"', auth)) as { last_hour: { by_type: Record<string, number> } };
    assert.ok(stats.last_hour.by_type.webhook >= 1);
  });

  it('accepts a failure callback without a reason, so the step moves on at once', async () => {
    const projectId = `noreason-${Date.now().toString(36)}`;
    stack.simulator!.behaviour = ({ service, body }) =>
      service === 'video' && body.project_id === projectId ? { fail: '' } : undefined;
    const handle = await startProject(stack, { projectId, scenes: ['refused without a word'], settings: { stepTimeoutMs: { video: 60_000, lastFrame: 60_000, stitch: 60_000 } } });
    // Three failed attempts, each answered at once: far quicker than the one-minute deadline.
    await assert.rejects(handle.result(), (err: Error & { cause?: Error }) => /failed without a reason/.test(String(err.cause?.message)));
    assert.equal(requestsFor(stack, projectId, 'video').length, 3);
    const { body } = await getJson<{ failure_reason: string }>(`${stack.gatewayUrl}/api/v1/projects/${projectId}`, asOperator);
    assert.match(body.failure_reason, /without a reason/);
  });

  it('never refuses a callback for what its extra fields hold; the ids must be storable', async () => {
    const projectId = `extras-${Date.now().toString(36)}`;
    stack.simulator!.behaviour = ({ service, body }) => (service === 'video' && body.project_id === projectId ? { loseCallback: true } : undefined);
    const handle = await startProject(stack, { projectId, scenes: ['odd metadata'] });
    const scene = await waitFor(async () => {
      const row = await stack.prisma.scene.findFirst({ where: { projectId } });
      return row?.videoTaskId ? row : undefined;
    });
    // NUL and a lone surrogate in an extra key and value: PostgreSQL's jsonb refuses both.
    const raw = `{"task_id":"${scene.videoTaskId}","status":"completed","project_id":"${projectId}","scene_id":"${scene.id}","video_url":"https://cdn.example.com/v.mp4","metadata":{"model\\u0000":"gen\\u0000-3","note":"\\ud800"}}`;
    const res = await postWebhook(stack.gatewayUrl, 'video-complete', raw);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.scene_updated, true);
    await handle.result();
    const saved = await stack.prisma.scene.findUniqueOrThrow({ where: { id: scene.id } });
    assert.deepEqual(saved.videoDetail, { metadata: { 'model\ufffd': 'gen\ufffd-3', note: '\ufffd' } }, 'stored with U+FFFD in their place');
    const stored = await stack.prisma.webhookEvent.findFirstOrThrow({ where: { projectId, endpoint: 'video_complete' } });
    assert.equal(stored.rawBody, raw, 'the event store keeps the exact body');

    const badId = await postWebhook(stack.gatewayUrl, 'video-complete', { task_id: 'a\u0000b', status: 'completed', project_id: projectId, scene_id: scene.id, video_url: 'https://x/v.mp4' });
    assert.equal(badId.status, 400);
    assert.deepEqual((badId.body.details as { fields: { field: string }[] }).fields.map((f) => f.field), ['task_id']);
  });

  it('answers next_scene_triggered after a scene but the last, and stitch_triggered after the last', async () => {
    const projectId = `chain-${Date.now().toString(36)}`;
    stack.simulator!.behaviour = ({ service, body }) => (service === 'lastFrame' && body.project_id === projectId ? { loseCallback: true } : undefined);
    const handle = await startProject(stack, { projectId, scenes: ['first', 'last'], settings: { stepTimeoutMs: { video: 30_000, lastFrame: 30_000, stitch: 30_000 } } });
    const frameDoneFor = async (index: number) => {
      const scene = await waitFor(async () => {
        const row = await stack.prisma.scene.findFirst({ where: { projectId, index } });
        return row?.lastFrameTaskId ? row : undefined;
      });
      const body = { task_id: scene.lastFrameTaskId, status: 'completed', project_id: projectId, scene_id: scene.id, last_frame_url: `https://cdn.example.com/${index}.png` };
      return (await postWebhook(stack.gatewayUrl, 'last-frame-complete', body)).body;
    };
    assert.deepEqual(await frameDoneFor(0), { received: true, status: 'completed', scene_updated: true, next_scene_triggered: true, stitch_triggered: false });
    assert.deepEqual(await frameDoneFor(1), { received: true, status: 'completed', scene_updated: true, next_scene_triggered: false, stitch_triggered: true });
    await handle.result();
  });

  it('keeps duplicates per project and scene: two projects whose provider reuses a task id both advance', async () => {
    const projects = [`reuse-a-${Date.now().toString(36)}`, `reuse-b-${Date.now().toString(36)}`];
    // Every video task of both projects is called test_123, like a restarted test service's.
    stack.simulator!.behaviour = ({ service, body }) =>
      service === 'video' && projects.includes(body.project_id as string) ? { taskId: 'test_123' } : undefined;
    const handles = await Promise.all(projects.map((projectId) => startProject(stack, { projectId, scenes: ['one', 'two'] })));
    await Promise.all(handles.map((h) => h.result()));
    for (const projectId of projects) {
      const videos = await stack.prisma.webhookEvent.findMany({ where: { projectId, endpoint: 'video_complete' } });
      assert.equal(videos.length, 2, 'one event per scene, none taken for a duplicate');
      assert.ok(videos.every((e) => e.taskId === 'test_123' && e.outcome === 'signaled' && e.deliveries === 1));
      const project = await stack.prisma.project.findUniqueOrThrow({ where: { id: projectId } });
      assert.equal(project.status, 'completed');
    }
  });
});
