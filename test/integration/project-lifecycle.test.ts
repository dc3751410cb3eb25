import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import type { Stack } from '../../src/dev/start-stack';
import { progressQuery } from '../../src/contracts/workflow-api';
import type { RecordedRequest } from '../../src/dev/simulator/simulator';
import { getJson, postJson, uniqueId } from '../support/http';
import { asOperator } from '../support/clients';
import { requestsFor as projectRequests } from '../support/projects';
import { testStack } from '../support/test-stack';

describe('a project, end to end on a real Temporal server and PostgreSQL', function () {
  this.timeout(120_000);
  let stack: Stack;

  before(async () => {
    stack = await testStack();
  });

  const requestsFor = (projectId: string, service: RecordedRequest['service']) => projectRequests(stack, projectId, service);

  async function createProject(projectId: string, scenes: { prompt: string; duration?: number }[], userId = 'user-7') {
    const created = await postJson(`${stack.gatewayUrl}/api/v1/projects`, { project_id: projectId, user_id: userId, scenes }, asOperator);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created;
  }

  const finish = (projectId: string) => stack.client.workflow.getHandle(`project-${projectId}`).result();

  it('films three scenes, each seeded by the last frame of the one before, then stitches and notifies', async () => {
    const projectId = uniqueId('film');
    const prompts = ['a harbour at dawn', 'a gull takes off', 'the gull over open sea'];
    const created = await createProject(projectId, prompts.map((prompt, i) => ({ prompt, duration: 4 + i })));
    assert.deepEqual(created.body, { project_id: projectId, workflow_id: `project-${projectId}`, status: 'pending' });

    await finish(projectId);

    // What the API shows
    const { status, body: project } = await getJson<any>(`${stack.gatewayUrl}/api/v1/projects/${projectId}`, asOperator);
    assert.equal(status, 200);
    assert.equal(project.status, 'completed');
    assert.equal(project.scenes.length, 3);
    for (const scene of project.scenes) {
      assert.equal(scene.status, 'completed');
      assert.match(scene.video_url, /^http:\/\/.+\.mp4$/);
      assert.match(scene.last_frame_url, /^http:\/\/.+\.png$/);
      assert.match(scene.thumbnail_url, /^http:\/\/.+\.png$/);
    }
    assert.match(project.final_video_url, /\/films\/stc_\w+\.mp4$/);

    // What the database holds
    const rows = await stack.prisma.scene.findMany({ where: { projectId }, orderBy: { index: 'asc' } });
    assert.deepEqual(rows.map((r) => r.prompt), prompts);
    assert.ok(rows.every((r) => r.completedAt && r.videoTaskId && r.lastFrameTaskId));
    assert.deepEqual((rows[0].videoDetail as any).fps, 24, 'optional webhook fields are stored');
    const projectRow = await stack.prisma.project.findUniqueOrThrow({ where: { id: projectId } });
    assert.equal(projectRow.status, 'completed');
    assert.ok(projectRow.completedAt);
    assert.equal((projectRow.finalVideoDetail as any).total_scenes, 3);

    // What the services were asked
    const videos = requestsFor(projectId, 'video');
    const frames = requestsFor(projectId, 'lastFrame');
    assert.equal(videos.length, 3);
    assert.equal(frames.length, 3);
    assert.deepEqual(videos.map((v) => v.body.prompt), prompts);
    assert.deepEqual(videos.map((v) => v.body.scene_index), [0, 1, 2]);
    assert.deepEqual(videos.map((v) => v.body.duration), [4, 5, 6]);
    assert.equal(videos[0].body.start_frame_url, null, 'the first scene has no start frame');
    assert.equal(videos[1].body.start_frame_url, rows[0].lastFrameUrl, "scene 2 starts on scene 1's last frame");
    assert.equal(videos[2].body.start_frame_url, rows[1].lastFrameUrl, "scene 3 starts on scene 2's last frame");
    assert.deepEqual(frames.map((f) => f.body.video_url), rows.map((r) => r.videoUrl));
    for (const r of [...videos, ...frames]) assert.match(r.idempotencyKey!, new RegExp(`^reelay:${projectId}:`));
    assert.equal(videos[0].body.webhook_url, `${stack.gatewayUrl}/api/webhooks/video-complete`);
    assert.equal(frames[0].body.webhook_url, `${stack.gatewayUrl}/api/webhooks/last-frame-complete`);

    const [stitch] = requestsFor(projectId, 'stitch');
    assert.deepEqual(stitch.body.scenes, rows.map((r) => ({ scene_id: r.id, video_url: r.videoUrl })));
    assert.equal(stitch.body.webhook_url, `${stack.gatewayUrl}/api/webhooks/stitch-complete`);

    const [notification] = requestsFor(projectId, 'notification');
    assert.deepEqual(notification.body, {
      project_id: projectId,
      user_id: 'user-7',
      type: 'project.completed',
      final_video_url: project.final_video_url,
      thumbnail_url: project.thumbnail_url,
    });

    // Every callback came in through the gateway and was recorded as applied
    const events = await stack.prisma.webhookEvent.findMany({ where: { projectId } });
    assert.equal(events.length, 7);
    assert.ok(events.every((e) => e.outcome === 'signaled' && e.signaledAt));
  });

  it('creates a project once however often the same request is sent, and refuses a different one under the same id', async () => {
    const projectId = uniqueId('idem');
    const scenes = [{ prompt: 'one shot' }];
    await createProject(projectId, scenes);
    const again = await postJson(`${stack.gatewayUrl}/api/v1/projects`, { project_id: projectId, user_id: 'user-7', scenes }, asOperator);
    assert.equal(again.status, 200);
    assert.equal(again.body.workflow_id, `project-${projectId}`);
    const different = await postJson(`${stack.gatewayUrl}/api/v1/projects`, {
      project_id: projectId,
      scenes: [{ prompt: 'another shot' }],
    }, asOperator);
    assert.equal(different.status, 409);
    assert.equal(different.body.error, 'project_conflict');

    await finish(projectId);
    const runs = stack.client.workflow.list({ query: `WorkflowId = "project-${projectId}"` });
    let count = 0;
    for await (const _ of runs) count += 1;
    assert.equal(count, 1, 'exactly one workflow ran');
    assert.equal(requestsFor(projectId, 'video').length, 1);
  });

  it('gives a project an id when the client does not', async () => {
    const created = await postJson(`${stack.gatewayUrl}/api/v1/projects`, { scenes: [{ prompt: 'untitled' }] }, asOperator);
    assert.equal(created.status, 201);
    assert.match(created.body.project_id as string, /^[0-9a-f-]{36}$/);
    assert.equal(created.headers.get('location'), `/api/v1/projects/${created.body.project_id as string}`);
    await finish(created.body.project_id as string);
  });

  it('fails the project with the reason when the video service reports a failed task, and tells the user', async () => {
    const projectId = uniqueId('broken');
    stack.simulator!.behaviour = ({ service, body }) =>
      service === 'video' && body.project_id === projectId && body.scene_index === 1 ? { fail: 'content policy' } : undefined;
    await createProject(projectId, [{ prompt: 'fine' }, { prompt: 'refused' }, { prompt: 'never reached' }]);

    await assert.rejects(finish(projectId), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.match(String(err.cause?.message), /video failed after 3 attempts: content policy/);
      return true;
    });
    const { body: project } = await getJson<any>(`${stack.gatewayUrl}/api/v1/projects/${projectId}`, asOperator);
    assert.equal(project.status, 'failed');
    assert.match(project.failure_reason, /content policy/);
    assert.deepEqual(project.scenes.map((s: any) => s.status), ['completed', 'failed', 'pending']);
    const [notification] = requestsFor(projectId, 'notification');
    assert.equal(notification.body.type, 'project.failed');
    // Each failed task is in the error log as it arrived, in the services' guide's words ...
    const scene = project.scenes[1];
    const failedTasks = await stack.prisma.errorLog.findMany({ where: { type: 'webhook', code: 'task_failed', context: { path: ['projectId'], equals: projectId } } });
    assert.equal(failedTasks.length, 3, 'one entry per failed task');
    for (const entry of failedTasks) {
      assert.equal(entry.message, 'Video generation failed for scene 002');
      assert.equal(entry.severity, 'error');
      assert.equal((entry.context as any).sceneId, scene.scene_id);
      assert.equal((entry.context as any).error, 'content policy');
      assert.ok((entry.context as any).taskId);
    }
    // ... and so is the step that gave up.
    const [gaveUp] = await stack.prisma.errorLog.findMany({ where: { type: 'workflow', code: 'step_failed', context: { path: ['projectId'], equals: projectId } } });
    assert.equal((gaveUp.context as any).step, 'video');
  });

  it('does not retry a request the service rejects as invalid (4xx), and fails the project at once', async () => {
    const projectId = uniqueId('rejected');
    stack.simulator!.behaviour = ({ service, body }) =>
      service === 'video' && body.project_id === projectId ? { reject: 422 } : undefined;
    await createProject(projectId, [{ prompt: 'anything' }]);
    await assert.rejects(finish(projectId), WorkflowFailedError);
    assert.equal(requestsFor(projectId, 'video').length, 1, 'one attempt only');
    const project = await stack.prisma.project.findUniqueOrThrow({ where: { id: projectId } });
    assert.match(project.failureReason!, /answered 422/);
    const [logged] = await stack.prisma.errorLog.findMany({ where: { type: 'activity', code: 'activity_failed', context: { path: ['projectId'], equals: projectId } } });
    assert.deepEqual((logged.context as any).activityType, 'requestSceneVideo');
    assert.deepEqual((logged.context as any).failureType, 'ServiceRejected');
  });

  it('retries a service that is briefly unavailable (503) and carries on, with the same idempotency key', async () => {
    const projectId = uniqueId('flaky');
    let refusals = 2;
    stack.simulator!.behaviour = ({ service, body }) =>
      service === 'lastFrame' && body.project_id === projectId && refusals-- > 0 ? { reject: 503 } : undefined;
    await createProject(projectId, [{ prompt: 'patience' }]);
    await finish(projectId);
    const frames = requestsFor(projectId, 'lastFrame');
    assert.equal(frames.length, 3);
    assert.equal(new Set(frames.map((f) => f.idempotencyKey)).size, 1);
  });

  it('answers the progress query with the state of the project, for ops and the CLI', async () => {
    const projectId = uniqueId('query');
    await createProject(projectId, [{ prompt: 'a' }, { prompt: 'b' }]);
    await finish(projectId);
    const progress = await stack.client.workflow.getHandle(`project-${projectId}`).query(progressQuery);
    assert.equal(progress.status, 'completed');
    assert.equal(progress.current, null);
    assert.deepEqual(progress.scenes.map((s) => s.status), ['completed', 'completed']);
    assert.ok(progress.finalVideoUrl);
  });
});
