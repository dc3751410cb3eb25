import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { progressQuery } from '../../src/contracts/workflow-api';
import { asOperator } from '../support/clients';
import { postJson, uniqueId } from '../support/http';
import { requestsFor, startProject, waitFor } from '../support/projects';
import { temporalCli } from '../support/temporal-cli';
import { testStack } from '../support/test-stack';

/**
 * `temporal workflow reset` of a reviewed film: Temporal re-delivers the updates at the reset point, where
 * their validators refuse them, so the new run reads the reviews the gateway recorded and goes through them again.
 */
describe('resetting a reviewed film with temporal workflow reset', function () {
  this.timeout(120_000);
  let stack: Stack;
  before(async () => {
    stack = await testStack();
  });
  const temporal = (...args: string[]) => temporalCli(stack, ...args);

  it('keeps the reviews: the approval and the regenerated take, under the same keys', async () => {
    const projectId = uniqueId('reset-review');
    const handle = await startProject(stack, { projectId, scenes: ['one', 'two'], review: { review: 'each_scene', review_timeout_hours: 1 } });
    const awaiting = (scene: number, take: number) =>
      waitFor(
        async () => {
          const p = await stack.client.workflow.getHandle(handle.workflowId).query(progressQuery);
          const a = p.review?.awaiting;
          return !!a && 'sceneIndex' in a && a.sceneIndex === scene && p.scenes[scene]?.take === take ? p : undefined;
        },
        30_000,
        `scene ${scene} take ${take} to await review`,
      );
    const act = async (path: string, body: unknown) =>
      assert.equal((await postJson(`${stack.gatewayUrl}/api/v1/projects/${projectId}${path}`, body, asOperator)).status, 200);
    await awaiting(0, 1);
    await act('/approve', {});
    await awaiting(1, 1);
    await act('/scenes/1/regenerate', { prompt: 'two, again' });
    await awaiting(1, 2);
    const videoKeys = new Set(requestsFor(stack, projectId, 'video').map((r) => r.idempotencyKey));

    await temporal('workflow', 'reset', '--workflow-id', handle.workflowId, '--type', 'FirstWorkflowTask', '--reason', 'replay after a fix');

    const progress = await awaiting(1, 2);
    assert.deepEqual(progress.scenes.map((s) => s.takes?.map((t) => [t.take, t.prompt ?? null])), [[[1, null]], [[1, null], [2, 'two, again']]]);
    assert.deepEqual(new Set(requestsFor(stack, projectId, 'video').map((r) => r.idempotencyKey)), videoKeys, 'no new video task');
  });
});
