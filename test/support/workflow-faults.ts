import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Stack } from '../../src/dev/start-stack';
import type { TaskBehaviour } from '../../src/dev/simulator/simulator';

/** Faults for one project's requests, decided per request: `(service, sceneIndex, nth request of that step)`. */
export function faults(stack: Stack, projectId: string, decide: (service: string, sceneIndex: number | undefined, nth: number) => TaskBehaviour | undefined) {
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

export const keysOf = (stackRequests: { idempotencyKey?: string }[]) => [...new Set(stackRequests.map((r) => r.idempotencyKey))];

/** An update the workflow's validator refused: the client's error carries the validator's own reason as its cause. */
export const refusedWith = (reason: string) => (err: unknown) => {
  assert.ok(err instanceof WorkflowUpdateFailedError, `refused by the workflow, not ${String(err)}`);
  assert.equal(err.cause?.message, reason);
  return true;
};

/** A refused update leaves no trace in the history (validators run before an update is accepted). */
export async function assertNoUpdateInHistory(handle: WorkflowHandle) {
  const { events } = await handle.fetchHistory();
  assert.deepEqual(events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateCompletedEventAttributes), []);
}
