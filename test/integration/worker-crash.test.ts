import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { progressQuery } from '../../src/contracts/workflow-api';
import { uniqueId } from '../support/http';
import { requestsFor, startProject, waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';
import { stackWorker, type WorkerProcess } from '../support/worker-process';

describe('a worker killed mid-project', function () {
  this.timeout(180_000);
  let stack: Stack;
  let worker: WorkerProcess;
  const taskQueue = `crash-${uniqueId('q')}`;

  before(async () => {
    stack = await testStack();
    worker = await stackWorker(stack, taskQueue);
    await worker.start();
  });
  after(async () => {
    await worker.stop();
  });

  it('resumes every step after kill -9 and a restart, without a second task or notification', async () => {
    const projectId = uniqueId('crash');
    // Slow callbacks, so there is a moment when the workflow waits and nothing else runs.
    stack.simulator!.behaviour = ({ body }) => (body.project_id === projectId ? { extraDelayMs: 1_500 } : undefined);
    const handle = await startProject(stack, { projectId, scenes: ['a', 'b', 'c'], taskQueue });

    // 1: killed while waiting for a callback; the callback arrives while no worker runs.
    await waitFor(async () => (await handle.query(progressQuery)).current?.phase === 'waiting', 30_000, 'a wait');
    await worker.kill();
    await new Promise((r) => setTimeout(r, 2_000));
    await worker.start();

    // 2: killed the moment scene 2's video is asked for, before the worker can record the answer.
    await waitFor(() => requestsFor(stack, projectId, 'video').some((r) => r.body.scene_index === 1), 60_000, "scene 2's request");
    await worker.kill();
    await worker.start();

    const progress = await handle.result();
    assert.equal(progress.status, 'completed');
    const project = await stack.prisma.project.findUniqueOrThrow({ where: { id: projectId }, include: { scenes: true } });
    assert.equal(project.status, 'completed');
    assert.ok(project.scenes.every((s) => s.status === 'completed'));

    for (const service of ['video', 'lastFrame', 'stitch', 'notification'] as const) {
      const requests = requestsFor(stack, projectId, service);
      const keys = new Set(requests.map((r) => r.idempotencyKey));
      const expected = service === 'video' || service === 'lastFrame' ? 3 : 1;
      assert.equal(keys.size, expected, `${service}: one task per step, whatever was retried (${requests.length} requests)`);
    }
    const events = await stack.prisma.webhookEvent.findMany({ where: { projectId } });
    assert.equal(events.length, 7);
    assert.ok(events.every((e) => e.outcome === 'signaled'));
  });
});
