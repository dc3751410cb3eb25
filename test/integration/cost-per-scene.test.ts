import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyCost, jsonHistory, sceneCosts, type Cost, type JsonEvent } from '../../src/dev/history-cost';
import type { Stack } from '../../src/dev/start-stack';
import { startProject } from '../support/projects';
import { testStack } from '../support/test-stack';

const recorded = path.join(__dirname, '..', 'histories', 'recorded');
const fixture = async (name: string): Promise<JsonEvent[]> => (JSON.parse(await readFile(path.join(recorded, name), 'utf8')) as { events: JsonEvent[] }).events;

/** What a scene may cost: history events, workflow tasks per callback, Temporal Cloud billable actions. */
const budget = { events: 14, workflowTasksPerCallback: 1, billableActions: 6 };

function assertWithinBudget(costs: Cost[], what: string) {
  assert.ok(costs.length > 0, `${what}: no full scene`);
  for (const [i, cost] of costs.entries()) {
    const where = `${what}, scene ${i + 1}: ${JSON.stringify(cost)}`;
    assert.ok(cost.events <= budget.events, where);
    assert.ok(cost.workflowTasks <= cost.callbacks * budget.workflowTasksPerCallback, where);
    assert.ok(cost.billableActions <= budget.billableActions, where);
  }
}

describe('what a scene costs in Temporal: history events, workflow tasks and billable actions', function () {
  this.timeout(60_000);
  let stack: Stack;

  before(async () => {
    stack = await testStack();
  });

  it('stays within budget in the recorded history of a film', async () => {
    const costs = sceneCosts(await fixture('happy-path.one-task-per-callback.json'));
    assertWithinBudget(costs, 'recorded');
    // Exactly: two callbacks, each one signal, one workflow task, one timer and one batch of local activities.
    assert.deepEqual(costs[0], {
      events: 14,
      workflowTasks: 2,
      callbacks: 2,
      actions: { signal: 2, 'local activities of a workflow task': 2, 'timer started': 2 },
      billableActions: 6,
    });
  });

  it('stays within budget in a film made now, scene after scene', async () => {
    const handle = await startProject(stack, { projectId: `cost-${Date.now()}`, scenes: ['one', 'two', 'three', 'four'] });
    await handle.result();
    const events = await jsonHistory(handle);
    assertWithinBudget(sceneCosts(events), 'live');
    assert.equal(sceneCosts(events).length, 3);
  });

  it('is about half of what runs begun before the change cost (kept for them by the patch)', async () => {
    const [before] = sceneCosts(await fixture('happy-path.2026-11-30.json'));
    const [after] = sceneCosts(await fixture('happy-path.one-task-per-callback.json'));
    assert.deepEqual([before.events, before.workflowTasks, before.billableActions], [27, 4, 9]);
    assert.ok(after.events * 2 <= before.events + 1);
    assert.ok(historyCost(await fixture('happy-path.one-task-per-callback.json')).events < historyCost(await fixture('happy-path.2026-11-30.json')).events);
  });
});
