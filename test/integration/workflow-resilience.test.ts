import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import type { Stack } from '../../src/dev/start-stack';
import { progressQuery, videoCompleteSignal } from '../../src/contracts/workflow-api';
import { uniqueId } from '../support/http';
import { requestsFor, startProject, waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';
import { faults, keysOf } from '../support/workflow-faults';

describe('the project workflow in the real world', function () {
  this.timeout(120_000);
  let stack: Stack;

  before(async () => {
    stack = await testStack();
  });

  describe('failed tasks', () => {
    it('retries a step the service reports failed, with a new task, and carries on', async () => {
      const projectId = uniqueId('retry');
      faults(stack, projectId, (service, scene, nth) => (service === 'video' && scene === 1 && nth === 1 ? { fail: 'GPU fell over' } : undefined));
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
      faults(stack, projectId, (service, scene, nth) => (service === 'lastFrame' && scene === 0 && nth === 1 ? { loseCallback: true } : undefined));
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
      faults(stack, projectId, (service, scene, nth) => (service === 'video' && scene === 0 && nth === 1 ? { loseTask: true } : undefined));
      const handle = await startProject(stack, { projectId, scenes: ['a'], settings: { stepTimeoutMs: { video: 1_500 } } });
      const progress = await handle.result();
      assert.equal(progress.status, 'completed');
      const videos = requestsFor(stack, projectId, 'video');
      assert.equal(videos.length, 3, 'first request, the re-ask, then a new task');
      assert.deepEqual(keysOf(videos).map((k) => k!.split(':').pop()), ['1', '2']);
    });

    it('fails the project, explained, when a step never calls back within its attempts', async () => {
      const projectId = uniqueId('silent');
      faults(stack, projectId, (service) => (service === 'stitch' ? { loseTask: true } : undefined));
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
      faults(stack, projectId, () => ({ duplicate: true }));
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
      faults(stack, projectId, () => ({ callbackFirst: true }));
      const progress = await (await startProject(stack, { projectId, scenes: ['a', 'b'] })).result();
      assert.equal(progress.status, 'completed');
      assert.ok(progress.scenes.every((s: any) => s.steps.video.attempts === 1 && s.steps.lastFrame.attempts === 1), 'nothing timed out');
    });

    it('ignores callbacks for another scene, an unknown task or a finished scene', async () => {
      const projectId = uniqueId('stray');
      faults(stack, projectId, (service, scene) => (service === 'video' && scene === 1 ? { extraDelayMs: 1_000 } : undefined));
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
