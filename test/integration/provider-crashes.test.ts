import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { uniqueId } from '../support/http';
import { measurePayOnce } from '../support/pay-once';
import { startProject, waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';
import { stackWorker } from '../support/worker-process';

describe('provider tasks and a worker killed with -9', function () {
  this.timeout(300_000);
  let stack: Stack;

  before(async () => {
    stack = await testStack();
  });

  it('finishes a Runway film (polled, no webhooks) when the worker dies mid-poll, submitting nothing twice', async () => {
    const runway = stack.providerStandIns.get('runway')!;
    const taskQueue = uniqueId('runway-poll');
    const worker = await stackWorker(stack, taskQueue, runway.env);
    const taskMs = runway.server.options.taskMs;
    // Long enough tasks that the watch is surely under way when the worker dies.
    runway.server.options.taskMs = 4_000;
    try {
      await worker.start();
      const projectId = uniqueId('runway-crash');
      const mine = () => [...runway.server.tasks.values()].filter((t) => t.prompt.startsWith(`${projectId}:`));
      await startProject(stack, {
        projectId,
        scenes: ['one', 'two'].map((p) => `${projectId}: ${p}`),
        taskQueue,
        settings: { stepTimeoutMs: { video: 60_000 } },
        choice: { provider: 'runway', model: null, options: null, startImageUrl: null },
      });
      await waitFor(() => mine().some((t) => t.state === 'running'), 60_000, 'the first scene to be running at Runway');
      await new Promise((r) => setTimeout(r, 500)); // polled a few times
      await worker.kill();
      await worker.start();
      const film = await waitFor(
        async () => {
          const row = await stack.prisma.project.findUnique({ where: { id: projectId } });
          return (row && ['completed', 'failed'].includes(row.status) && row) || undefined;
        },
        120_000,
        'the film to end',
      );
      assert.equal(film.status, 'completed');
      assert.equal(mine().length, 2, 'one Runway task per scene: the watch was taken over, nothing submitted again');
    } finally {
      runway.server.options.taskMs = taskMs;
      await worker.stop();
    }
  });

  // The measurement itself (20 kills per provider) is `npm run pay-once`; its result is in docs/providers.md.
  for (const provider of ['replicate', 'luma'] as const) {
    it(`pays once at ${provider} (it lists its tasks) when the worker dies right after the provider accepted a submit`, async () => {
      const result = await measurePayOnce(stack, provider, 2);
      assert.equal(result.cutOff, 2);
      assert.equal(result.extraTasks, 0, JSON.stringify(result));
    });
  }
});
