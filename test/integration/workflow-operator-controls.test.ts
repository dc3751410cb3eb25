import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { cancelProjectUpdate, progressQuery, requestNowUpdate, retrySceneUpdate } from '../../src/contracts/workflow-api';
import { uniqueId } from '../support/http';
import { requestsFor, startProject, waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';
import { assertNoUpdateInHistory, faults, keysOf, refusedWith } from '../support/workflow-faults';

/** What an operator does to a running film and what it sees (the progress query, cancel, retry, request now). */
describe('the project workflow under operator controls', function () {
  this.timeout(120_000);
  let stack: Stack;

  before(async () => {
    stack = await testStack();
  });

  it('shows the live step, attempt, task ids and deadline in the progress query', async () => {
    const projectId = uniqueId('live');
    faults(stack, projectId, () => ({ loseCallback: true }));
    const handle = await startProject(stack, { projectId, scenes: ['a'], settings: { stepTimeoutMs: { video: 60_000 } } });
    const progress = await waitFor(async () => {
      const p = await handle.query(progressQuery);
      return p.current?.phase === 'waiting' && p;
    });
    assert.equal(progress.status, 'generating');
    assert.equal(progress.currentScene, 0);
    assert.equal(progress.current!.step, 'video');
    assert.equal(progress.current!.attempt, 1);
    assert.equal(progress.current!.taskIds.length, 1);
    assert.ok(Date.parse(progress.current!.until!) > Date.now() + 50_000);

    // requestNow: stop waiting and ask the service again, which re-sends the callback it withheld
    // (once the task has finished: asked earlier, it would only say the task is still queued).
    await waitFor(() => stack.simulator!.webhooks.some((w) => w.projectId === projectId), 10_000, 'the task to finish');
    stack.simulator!.behaviour = () => undefined;
    const asked = await handle.executeUpdate(requestNowUpdate);
    assert.deepEqual(asked, { step: 'video', sceneIndex: 0, attempt: 1 });
    const progressAfter = await handle.result();
    assert.equal(progressAfter.status, 'completed', 'the re-sent callback moved the film on');
    assert.equal(progressAfter.scenes[0].steps.video.attempts, 2);
    assert.equal(new Set(requestsFor(stack, projectId, 'video').map((r) => r.idempotencyKey)).size, 1, 'asked again about the same task');
  });

  it('refuses retryScene unless the project failed, and requestNow when nothing is being waited for, each with its reason', async () => {
    // A film waiting for a video that never comes: running, not failed.
    const waiting = uniqueId('refuse-retry');
    faults(stack, waiting, () => ({ loseTask: true }));
    const running = await startProject(stack, { projectId: waiting, scenes: ['a'], settings: { stepTimeoutMs: { video: 60_000 } } });
    await waitFor(async () => (await running.query(progressQuery)).current?.phase === 'waiting', 20_000, 'the video step to wait');
    await assert.rejects(running.executeUpdate(retrySceneUpdate), refusedWith('only a failed project can be retried (it is generating)'));
    await assertNoUpdateInHistory(running);
    await running.terminate('test over');

    // A failed film kept for an operator: waiting for nothing.
    const failedId = uniqueId('refuse-now');
    faults(stack, failedId, (service) => (service === 'video' ? { fail: 'model overloaded' } : undefined));
    const failed = await startProject(stack, { projectId: failedId, scenes: ['a'], settings: { stepMaxAttempts: 1, failedProjectRetentionMs: 60_000 } });
    await waitFor(async () => (await failed.query(progressQuery)).status === 'failed', 20_000, 'the failure');
    await assert.rejects(failed.executeUpdate(requestNowUpdate), refusedWith('the project is not waiting for a callback'));
    await assertNoUpdateInHistory(failed);
    await failed.terminate('test over');
  });

  it('cancels a project on request: nothing more is asked of the services', async () => {
    const projectId = uniqueId('cancel');
    faults(stack, projectId, () => ({ loseTask: true }));
    const handle = await startProject(stack, { projectId, scenes: ['a', 'b'], settings: { stepTimeoutMs: { video: 60_000 } } });
    await waitFor(async () => (await handle.query(progressQuery)).current?.phase === 'waiting');
    const answer = await handle.executeUpdate(cancelProjectUpdate, { args: [{ reason: 'customer changed their mind' }] });
    assert.deepEqual(answer, { status: 'cancelling' });
    const progress = await handle.result();
    assert.equal(progress.status, 'cancelled');
    const project = await stack.prisma.project.findUniqueOrThrow({ where: { id: projectId } });
    assert.equal(project.status, 'cancelled');
    assert.equal(project.failureReason, 'customer changed their mind');
    assert.equal(requestsFor(stack, projectId, 'video').length, 1);
    const listed = stack.client.workflow.list({ query: `ProjectId = "${projectId}" AND ProjectStatus = "cancelled"` });
    const found: string[] = [];
    for await (const wf of listed) found.push(wf.workflowId);
    assert.deepEqual(found, [`project-${projectId}`]);
  });

  it('treats `temporal workflow cancel` the same way', async () => {
    const projectId = uniqueId('native');
    faults(stack, projectId, () => ({ loseTask: true }));
    const handle = await startProject(stack, { projectId, scenes: ['a'], settings: { stepTimeoutMs: { video: 60_000 } } });
    await waitFor(async () => (await handle.query(progressQuery)).current?.phase === 'waiting');
    await handle.cancel();
    const progress = await handle.result();
    assert.equal(progress.status, 'cancelled');
    assert.equal((await stack.prisma.project.findUniqueOrThrow({ where: { id: projectId } })).status, 'cancelled');
  });

  it('resumes a failed project from the failed scene, not from the start, when an operator retries it', async () => {
    const projectId = uniqueId('resume');
    let fixed = false;
    faults(stack, projectId, (service, scene) => (service === 'video' && scene === 1 && !fixed ? { fail: 'model overloaded' } : undefined));
    const handle = await startProject(stack, {
      projectId,
      scenes: ['a', 'b', 'c'],
      settings: { stepMaxAttempts: 2, failedProjectRetentionMs: 60_000 },
    });
    await waitFor(async () => (await handle.query(progressQuery)).status === 'failed', 20_000, 'the failure');
    const failed = await stack.prisma.project.findUniqueOrThrow({ where: { id: projectId }, include: { scenes: { orderBy: { index: 'asc' } } } });
    assert.equal(failed.status, 'failed');
    assert.deepEqual(failed.scenes.map((s) => s.status), ['completed', 'failed', 'pending']);
    // Visibility is eventually consistent: give the index a moment.
    await waitFor(async () => {
      const listed = stack.client.workflow.list({ query: `ProjectId = "${projectId}" AND ProjectStatus = "failed" AND CurrentScene = 1` });
      let count = 0;
      for await (const _ of listed) count += 1;
      return count === 1;
    }, 10_000, 'ops to find it with a search attribute query');
    await waitFor(() => requestsFor(stack, projectId, 'notification').some((n) => n.body.type === 'project.failed'), 10_000, 'the failure notice');

    fixed = true;
    const resumed = await handle.executeUpdate(retrySceneUpdate);
    assert.deepEqual(resumed, { resumedAt: { step: 'video', sceneIndex: 1 } });
    const progress = await handle.result();
    assert.equal(progress.status, 'completed');
    const videos = requestsFor(stack, projectId, 'video');
    assert.equal(videos.filter((v) => v.body.scene_index === 0).length, 1, 'scene 1 was not redone');
    assert.equal(videos.filter((v) => v.body.scene_index === 1).length, 3, 'two failed attempts, then the retried one');
    assert.equal(keysOf(videos.filter((v) => v.body.scene_index === 1)).length, 3);
    assert.equal((await stack.prisma.project.findUniqueOrThrow({ where: { id: projectId } })).status, 'completed');
    const notices = requestsFor(stack, projectId, 'notification').map((n) => n.body.type);
    assert.deepEqual(notices, ['project.failed', 'project.completed']);
  });
});
