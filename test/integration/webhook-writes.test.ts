import assert from 'node:assert/strict';
import type pg from 'pg';
import type { Stack } from '../../src/dev/start-stack';
import { webhookEndpointDbValue } from '../../src/contracts/steps';
import { createWebhookWrites, type IncomingEvent } from '../../src/storage/webhook-writes';
import { uniqueId } from '../support/http';
import { testStack } from '../support/test-stack';

/** The real pool, counting the statements sent through it. */
function counted(pool: pg.Pool) {
  const counter = { statements: 0 };
  const proxy = new Proxy(pool, {
    get(target, property) {
      if (property === 'query') {
        return (...args: Parameters<pg.Pool['query']>) => {
          counter.statements += 1;
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { pool: proxy, counter };
}

describe('webhook writes: batched, each webhook still recorded durably and once', function () {
  this.timeout(60_000);
  let stack: Stack;

  before(async () => {
    stack = await testStack();
  });

  const event = (projectId: string, taskId: string): IncomingEvent => ({
    endpoint: webhookEndpointDbValue['stitch-complete'],
    taskId,
    status: 'completed',
    projectId,
    headers: { 'content-type': 'application/json' },
    rawBody: JSON.stringify({ task_id: taskId, project_id: projectId, status: 'completed', note: 'quotes " and \\ backslashes' }),
  });

  const rowOf = (id: string) => stack.prisma.webhookEvent.findUniqueOrThrow({ where: { id } });

  it('stores forty webhooks that arrive together in two statements, each with its own row and raw body', async () => {
    const { pool, counter } = counted(stack.database.pool);
    const writes = createWebhookWrites(pool, stack.database.asyncCommit);
    const projectId = uniqueId('batch');
    const events = Array.from({ length: 40 }, (_, i) => event(projectId, `task-${i}`));
    const stored = await Promise.all(events.map((e) => writes.record(e)));
    // The first goes at once; the other 39 arrive while it is on its way and go together in the next.
    assert.equal(counter.statements, 2);
    assert.equal(new Set(stored.map((s) => s.id)).size, 40);
    for (const [i, s] of stored.entries()) {
      assert.equal(s.deliveries, 1);
      assert.equal(s.outcome, 'received');
      const row = await rowOf(s.id);
      assert.equal(row.taskId, `task-${i}`);
      assert.equal(row.rawBody, events[i].rawBody);
    }
  });

  it('counts two deliveries of one event that arrive together as one event delivered twice', async () => {
    const writes = createWebhookWrites(stack.database.pool, stack.database.asyncCommit);
    const projectId = uniqueId('twice');
    const [other, first, second] = await Promise.all([writes.record(event(projectId, 'other')), writes.record(event(projectId, 'same')), writes.record(event(projectId, 'same'))]);
    assert.notEqual(other.id, first.id);
    assert.equal(first.id, second.id);
    assert.deepEqual([first.deliveries, second.deliveries], [1, 2]);
    assert.equal((await rowOf(first.id)).deliveries, 2);
  });

  it('carries waiting signalled marks in the next webhooks’ statement, and sends them alone when none comes', async () => {
    const { pool, counter } = counted(stack.database.pool);
    const marksAlone = counted(stack.database.asyncCommit);
    const writes = createWebhookWrites(pool, marksAlone.pool);
    const projectId = uniqueId('marks');
    const stored = await Promise.all(['a', 'b', 'c'].map((t) => writes.record(event(projectId, t))));
    const before = counter.statements;

    const inFlight = writes.record(event(projectId, 'd'));
    await Promise.all([...stored.map((s) => writes.markSignaled(s.id)), writes.record(event(projectId, 'e')), inFlight]);
    assert.ok(counter.statements - before <= 2, `${counter.statements - before} statements`);
    assert.equal(marksAlone.counter.statements, 0, 'the marks rode with the webhooks recorded after them');
    for (const s of stored) assert.equal((await rowOf(s.id)).outcome, 'signaled');

    const d = await writes.record(event(projectId, 'f'));
    await writes.markSignaled(d.id);
    assert.equal(marksAlone.counter.statements, 1, 'a mark with no webhook to carry it goes alone');
    assert.equal((await rowOf(d.id)).outcome, 'signaled');
  });

  it('records a repeat that meets its own waiting mark, and keeps the mark', async () => {
    const writes = createWebhookWrites(stack.database.pool, stack.database.asyncCommit);
    const projectId = uniqueId('own-mark');
    const original = await writes.record(event(projectId, 'x'));
    const inFlight = writes.record(event(projectId, 'y'));
    const [, repeat] = await Promise.all([writes.markSignaled(original.id), writes.record(event(projectId, 'x')), inFlight]);
    assert.equal(repeat.id, original.id);
    assert.equal(repeat.deliveries, 2);
    const row = await rowOf(original.id);
    assert.equal(row.outcome, 'signaled');
    assert.equal(row.deliveries, 2);
  });

  it('fails only the webhook whose row PostgreSQL refuses, not the others of its statement', async () => {
    const writes = createWebhookWrites(stack.database.pool, stack.database.asyncCommit);
    const projectId = uniqueId('bad-row');
    const inFlight = writes.record(event(projectId, 'first'));
    const results = await Promise.allSettled([writes.record(event(projectId, 'good-1')), writes.record(event(projectId, 'nul\u0000byte')), writes.record(event(projectId, 'good-2')), inFlight]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const rows = await stack.prisma.webhookEvent.findMany({ where: { projectId }, orderBy: { taskId: 'asc' } });
    assert.deepEqual(rows.map((r) => r.taskId), ['first', 'good-1', 'good-2']);
  });
});
