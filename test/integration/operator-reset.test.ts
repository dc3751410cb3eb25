import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { uniqueId } from '../support/http';
import { requestsFor, startProject } from '../support/projects';
import { temporalCli } from '../support/temporal-cli';
import { testStack } from '../support/test-stack';

/**
 * Ops replay a film with Temporal's own reset (the Web UI's Reset, `temporal workflow reset`): the
 * re-run asks the services again under the same idempotency keys, so no task is created twice, and
 * callbacks that already came are taken from the event store rather than waited for.
 */
describe('replaying a film with temporal workflow reset', function () {
  this.timeout(90_000);
  let stack: Stack;

  before(async () => {
    stack = await testStack();
  });

  const temporal = (...args: string[]) => temporalCli(stack, ...args);

  const distinctKeys = (projectId: string, service: 'video' | 'lastFrame' | 'stitch') =>
    new Set(requestsFor(stack, projectId, service).map((r) => r.idempotencyKey)).size;

  it('re-runs a completed film without re-applying its signals: same keys, no new task, completed again', async () => {
    const projectId = uniqueId('reset-nosignals');
    const first = await startProject(stack, { projectId, scenes: ['one', 'two'] });
    await first.result();
    const { runId: originalRun } = await first.describe();
    const callbacksBefore = stack.simulator!.webhooks.filter((w) => w.projectId === projectId).length;
    const requestsBefore = requestsFor(stack, projectId, 'video').length;
    const keysBefore = { video: distinctKeys(projectId, 'video'), lastFrame: distinctKeys(projectId, 'lastFrame'), stitch: distinctKeys(projectId, 'stitch') };

    await temporal('workflow', 'reset', '--workflow-id', `project-${projectId}`, '--type', 'FirstWorkflowTask', '--reapply-exclude', 'Signal', '--reason', 'replay after a fix');

    const latest = stack.client.workflow.getHandle(`project-${projectId}`);
    const result = await latest.result();
    assert.equal(result.status, 'completed');
    const { runId } = await latest.describe();
    assert.notEqual(runId, originalRun, 'a new run did the work');
    const history = await latest.fetchHistory();
    assert.ok(!history.events!.some((e) => e.workflowExecutionSignaledEventAttributes), 'no signal was re-applied');

    assert.ok(requestsFor(stack, projectId, 'video').length > requestsBefore, 'the re-run asked the services again');
    assert.deepEqual(
      { video: distinctKeys(projectId, 'video'), lastFrame: distinctKeys(projectId, 'lastFrame'), stitch: distinctKeys(projectId, 'stitch') },
      keysBefore,
      'under the same idempotency keys',
    );
    assert.equal(stack.simulator!.webhooks.filter((w) => w.projectId === projectId).length, callbacksBefore, 'no task was created twice');
    const project = await stack.prisma.project.findUniqueOrThrow({ where: { id: projectId }, include: { scenes: true } });
    assert.equal(project.status, 'completed');
    assert.ok(project.scenes.every((s) => s.status === 'completed'));
  });

  it('resumes a failed film reset to before its failing step, once the service is back', async () => {
    const projectId = uniqueId('reset-failed');
    let videoServiceDown = true;
    stack.simulator!.behaviour = ({ service, body }) =>
      service === 'video' && body.project_id === projectId && body.scene_index === 1 && videoServiceDown ? { reject: 503 } : undefined;
    const first = await startProject(stack, { projectId, scenes: ['fine', 'during an outage', 'after it'] });
    await assert.rejects(first.result(), /Workflow execution failed/);
    assert.equal((await stack.prisma.project.findUniqueOrThrow({ where: { id: projectId } })).status, 'failed');

    // The outage is over. Reset to the workflow task that scheduled the failing request, as an
    // operator finds it in `temporal workflow show`: the WorkflowTaskCompleted just before it.
    videoServiceDown = false;
    const events = (await first.fetchHistory()).events!;
    const failing = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'requestSceneVideo').at(-1)!;
    const resetPoint = String(failing.activityTaskScheduledEventAttributes!.workflowTaskCompletedEventId);
    await temporal('workflow', 'reset', '--workflow-id', `project-${projectId}`, '--event-id', resetPoint, '--reason', 'video service back');

    const result = await stack.client.workflow.getHandle(`project-${projectId}`).result();
    assert.equal(result.status, 'completed');
    const project = await stack.prisma.project.findUniqueOrThrow({ where: { id: projectId }, include: { scenes: { orderBy: { index: 'asc' } } } });
    assert.equal(project.status, 'completed');
    assert.equal(project.failureReason, null);
    assert.deepEqual(project.scenes.map((s) => [s.status, s.failureReason]), [['completed', null], ['completed', null], ['completed', null]]);
    // One task per scene and step at the services: the failed request was re-sent under its own key.
    const scenes = project.scenes.map((s) => s.id);
    for (const endpoint of ['video-complete', 'last-frame-complete'] as const) {
      const sent = stack.simulator!.webhooks.filter((w) => w.projectId === projectId && w.endpoint === endpoint);
      assert.equal(new Set(sent.map((w) => w.taskId)).size, scenes.length, `${endpoint}: one task per scene`);
    }
    assert.equal(distinctKeys(projectId, 'video'), scenes.length);
  });
});
