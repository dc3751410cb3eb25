import assert from 'node:assert/strict';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Stack } from '../../src/dev/start-stack';
import type { TaskBehaviour } from '../../src/dev/simulator/simulator';
import { cancelProjectUpdate, progressQuery, requestNowUpdate, retrySceneUpdate, videoCompleteSignal } from '../../src/contracts/workflow-api';
import { uniqueId } from '../support/http';
import { requestsFor, startProject, waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';

describe('the project workflow in the real world', function () {
  this.timeout(120_000);
  let stack: Stack;

  before(async () => {
    stack = await testStack();
  });

  /** Faults for one project's requests, decided per request: `(service, sceneIndex, nth request of that step)`. */
  function faults(projectId: string, decide: (service: string, sceneIndex: number | undefined, nth: number) => TaskBehaviour | undefined) {
    const seen = new Map<string, number>();
    stack.simulator!.behaviour = ({ service, body, known }) => {
      if (body.project_id !== projectId || known) return undefined;
      const scene = body.scene_id ? Number(stack.simulator!.requests.find((r) => r.body.scene_id === body.scene_id && r.service === 'video')?.body.scene_index) : undefined;
      const key = `${service}:${(body.scene_id as string | undefined) ?? ''}`;
      const nth = (seen.get(key) ?? 0) + 1;
      seen.set(key, nth);
      const decision = decide(service, scene, nth);
      if (process.env.DEBUG_FAULTS) console.log('fault', service, scene, nth, decision);
      return decision;
    };
  }

  const keysOf = (stackRequests: { idempotencyKey?: string }[]) => [...new Set(stackRequests.map((r) => r.idempotencyKey))];

  /** An update the workflow's validator refused: the client's error carries the validator's own reason as its cause. */
  const refusedWith = (reason: string) => (err: unknown) => {
    assert.ok(err instanceof WorkflowUpdateFailedError, `refused by the workflow, not ${String(err)}`);
    assert.equal(err.cause?.message, reason);
    return true;
  };

  /** A refused update leaves no trace in the history (validators run before an update is accepted). */
  async function assertNoUpdateInHistory(handle: WorkflowHandle) {
    const { events } = await handle.fetchHistory();
    assert.deepEqual(events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateCompletedEventAttributes), []);
  }

  describe('failed tasks', () => {
    it('retries a step the service reports failed, with a new task, and carries on', async () => {
      const projectId = uniqueId('retry');
      faults(projectId, (service, scene, nth) => (service === 'video' && scene === 1 && nth === 1 ? { fail: 'GPU fell over' } : undefined));
      const handle = await startProject(stack, { projectId, scenes: ['a', 'b'] });
      const progress = await handle.result();
      assert.equal(progress.status, 'completed');
      const secondScene = requestsFor(stack, projectId, 'video').filter((r) => r.body.scene_index === 1);
      assert.equal(secondScene.length, 2);
      assert.equal(keysOf(secondScene).length, 2, 'a new idempotency key for the new task');
      assert.equal(progress.scenes[1].steps.video.attempts, 2);
      const row = await stack.prisma.scene.findFirstOrThrow({ where: { projectId, index: 1 } });
      assert.equal(row.attempts, 3, 'two requests for the video, one for the last frame');
    });
  });

  describe('lost callbacks', () => {
    it('asks again with the same key when a callback does not come, and the service re-sends it', async () => {
      const projectId = uniqueId('lostcb');
      faults(projectId, (service, scene, nth) => (service === 'lastFrame' && scene === 0 && nth === 1 ? { loseCallback: true } : undefined));
      const handle = await startProject(stack, { projectId, scenes: ['a'], settings: { stepTimeoutMs: { lastFrame: 1_500 } } });
      const progress = await handle.result();
      assert.equal(progress.status, 'completed');
      const frames = requestsFor(stack, projectId, 'lastFrame');
      assert.equal(frames.length, 2, 'asked twice');
      assert.equal(keysOf(frames).length, 1, 'for the same task');
      assert.equal(progress.scenes[0].steps.lastFrame.attempts, 2);
    });

    it('starts a new task when, asked again, the service says it does not know the old one', async () => {
      const projectId = uniqueId('losttask');
      faults(projectId, (service, scene, nth) => (service === 'video' && scene === 0 && nth === 1 ? { loseTask: true } : undefined));
      const handle = await startProject(stack, { projectId, scenes: ['a'], settings: { stepTimeoutMs: { video: 1_500 } } });
      const progress = await handle.result();
      assert.equal(progress.status, 'completed');
      const videos = requestsFor(stack, projectId, 'video');
      assert.equal(videos.length, 3, 'first request, the re-ask, then a new task');
      assert.deepEqual(keysOf(videos).map((k) => k!.split(':').pop()), ['1', '2']);
    });

    it('fails the project, explained, when a step never calls back within its attempts', async () => {
      const projectId = uniqueId('silent');
      faults(projectId, (service) => (service === 'stitch' ? { loseTask: true } : undefined));
      const handle = await startProject(stack, { projectId, scenes: ['a'], settings: { stepTimeoutMs: { stitch: 500 }, stepMaxAttempts: 2 } });
      await assert.rejects(handle.result(), WorkflowFailedError);
      const project = await stack.prisma.project.findUniqueOrThrow({ where: { id: projectId } });
      assert.equal(project.status, 'failed');
      assert.match(project.failureReason!, /stitch failed after 2 attempts/);
    });
  });

  describe('duplicates, strays and early callbacks', () => {
    it('applies a duplicated callback once', async () => {
      const projectId = uniqueId('dupcb');
      faults(projectId, () => ({ duplicate: true }));
      const progress = await (await startProject(stack, { projectId, scenes: ['a', 'b'] })).result();
      assert.equal(progress.status, 'completed');
      const events = await stack.prisma.webhookEvent.findMany({ where: { projectId } });
      assert.equal(events.length, 5);
      assert.ok(events.every((e) => e.outcome === 'signaled'));
      assert.ok(events.filter((e) => e.deliveries === 2).length >= 4, 'the second copies were answered as duplicates');
      assert.equal(requestsFor(stack, projectId, 'notification').length, 1);
    });

    it('keeps a callback that arrives before the request for it has returned', async () => {
      const projectId = uniqueId('early');
      faults(projectId, () => ({ callbackFirst: true }));
      const progress = await (await startProject(stack, { projectId, scenes: ['a', 'b'] })).result();
      assert.equal(progress.status, 'completed');
      assert.ok(progress.scenes.every((s: any) => s.steps.video.attempts === 1 && s.steps.lastFrame.attempts === 1), 'nothing timed out');
    });

    it('ignores callbacks for another scene, an unknown task or a finished scene', async () => {
      const projectId = uniqueId('stray');
      faults(projectId, (service, scene) => (service === 'video' && scene === 1 ? { extraDelayMs: 1_000 } : undefined));
      const handle = await startProject(stack, { projectId, scenes: ['a', 'b'] });
      await waitFor(async () => (await handle.query(progressQuery)).currentScene === 1, 10_000, 'scene 2');
      const [first, second] = await stack.prisma.scene.findMany({ where: { projectId }, orderBy: { index: 'asc' } });
      const stray = { projectId, outcome: 'completed' as const, url: 'https://evil.example.com/x.mp4', detail: {} };
      await handle.signal(videoCompleteSignal, { ...stray, taskId: first.videoTaskId!, sceneId: first.id }); // finished scene
      await handle.signal(videoCompleteSignal, { ...stray, taskId: 'never-requested', sceneId: second.id }); // unknown task
      await handle.signal(videoCompleteSignal, { ...stray, taskId: 'x', sceneId: 'not-a-scene-of-this-project' });
      const progress = await handle.result();
      assert.equal(progress.status, 'completed');
      assert.ok(progress.scenes.every((s: any) => !s.videoUrl?.includes('evil')));
    });
  });

  describe('operator controls', () => {
    it('shows the live step, attempt, task ids and deadline in the progress query', async () => {
      const projectId = uniqueId('live');
      faults(projectId, () => ({ loseCallback: true }));
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
      faults(waiting, () => ({ loseTask: true }));
      const running = await startProject(stack, { projectId: waiting, scenes: ['a'], settings: { stepTimeoutMs: { video: 60_000 } } });
      await waitFor(async () => (await running.query(progressQuery)).current?.phase === 'waiting', 20_000, 'the video step to wait');
      await assert.rejects(running.executeUpdate(retrySceneUpdate), refusedWith('only a failed project can be retried (it is generating)'));
      await assertNoUpdateInHistory(running);
      await running.terminate('test over');

      // A failed film kept for an operator: waiting for nothing.
      const failedId = uniqueId('refuse-now');
      faults(failedId, (service) => (service === 'video' ? { fail: 'model overloaded' } : undefined));
      const failed = await startProject(stack, { projectId: failedId, scenes: ['a'], settings: { stepMaxAttempts: 1, failedProjectRetentionMs: 60_000 } });
      await waitFor(async () => (await failed.query(progressQuery)).status === 'failed', 20_000, 'the failure');
      await assert.rejects(failed.executeUpdate(requestNowUpdate), refusedWith('the project is not waiting for a callback'));
      await assertNoUpdateInHistory(failed);
      await failed.terminate('test over');
    });

    it('cancels a project on request: nothing more is asked of the services', async () => {
      const projectId = uniqueId('cancel');
      faults(projectId, () => ({ loseTask: true }));
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
      faults(projectId, () => ({ loseTask: true }));
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
      faults(projectId, (service, scene) => (service === 'video' && scene === 1 && !fixed ? { fail: 'model overloaded' } : undefined));
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

  describe('long projects', () => {
    it('continues as new between scenes when the history grows, and finishes the film', async () => {
      const projectId = uniqueId('long');
      const handle = await startProject(stack, { projectId, scenes: ['a', 'b', 'c', 'd', 'e'], settings: { continueAsNewAfterEvents: 30 } });
      const progress = await handle.result();
      assert.equal(progress.status, 'completed');
      assert.ok(progress.run >= 3, `ran in ${progress.run} runs`);
      const runs: string[] = [];
      for await (const wf of stack.client.workflow.list({ query: `WorkflowId = "project-${projectId}"` })) runs.push(wf.status.name);
      assert.equal(runs.filter((s) => s === 'CONTINUED_AS_NEW').length, progress.run - 1);
      const videos = requestsFor(stack, projectId, 'video');
      assert.equal(videos.length, 5, 'no scene was redone across runs');
      for (let i = 1; i < 5; i += 1) assert.equal(videos[i].body.start_frame_url, progress.scenes[i - 1].lastFrameUrl);
    });
  });

  describe('service outages', () => {
    it('opens the circuit when a service keeps failing, shows it, and resumes every project once the service recovers', async () => {
      const projects = [uniqueId('outage'), uniqueId('outage')];
      let down = true;
      stack.simulator!.behaviour = ({ service, body }) => (down && service === 'stitch' && projects.includes(body.project_id as string) ? { reject: 503 } : undefined);
      const handles = await Promise.all(projects.map((projectId) => startProject(stack, { projectId, scenes: ['a'], settings: { serviceOutageToleranceMs: 60_000 } })));
      const healthUrl = stack.worker.healthUrl!;
      const open = await waitFor(async () => {
        const health = (await (await fetch(healthUrl)).json()) as any;
        return health.circuits.stitch === 'open' && health;
      }, 20_000, 'the stitch circuit to open');
      assert.equal(open.status, 'degraded');
      const metrics = await (await fetch(`http://127.0.0.1:${stack.config.workerMetricsPort}/metrics`)).text();
      assert.match(metrics, /reelay_circuit_state\{[^}]*service="stitch"[^}]*\} 2/);
      const callsWhileOpen = requestsFor(stack, projects[0], 'stitch').length;

      down = false;
      const results = await Promise.all(handles.map((h) => h.result()));
      assert.ok(results.every((p) => p.status === 'completed'));
      const health = (await (await fetch(healthUrl)).json()) as any;
      assert.equal(health.circuits.stitch, 'closed');
      assert.ok(callsWhileOpen < 10, `the open circuit spared the service (${callsWhileOpen} calls)`);
    });
  });
});
