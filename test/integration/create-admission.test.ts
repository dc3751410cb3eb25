import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { newTestClient } from '../support/clients';
import { extraGateways } from '../support/extra-gateway';
import { postJson, uniqueId, type JsonResponse } from '../support/http';
import { waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';

type Answer = { code?: string; project_id?: string; workflow_id?: string };

describe('a burst of creates past what a gateway admits at once', function () {
  this.timeout(120_000);
  let stack: Stack;
  const start = extraGateways(() => stack);

  before(async () => {
    stack = await testStack();
  });

  const filmsNamed = async (ids: string[]) =>
    (await stack.database.pool.query<{ id: string; scenes: number }>(
      'SELECT p.id, (SELECT count(*)::int FROM scenes s WHERE s.project_id = p.id) AS scenes FROM projects p WHERE p.id = ANY($1)',
      [ids],
    )).rows;

  it('is answered 503 gateway_busy with Retry-After, writes nothing for those, and their retries under the same project_id make each film once', async () => {
    // One create at a time, one waiting. The first create is held on its client's quota lock (taken here,
    // as another create of the client's would hold it), so the second waits its turn and the rest of a
    // burst of 20 are refused, whatever the machine's speed.
    const { url } = await start({ PROJECT_CREATES_AT_ONCE: '1', PROJECT_CREATE_QUEUE: '1', RATE_LIMIT_ENABLED: 'false' });
    const owner = await newTestClient(stack);
    const ids = Array.from({ length: 20 }, (_, i) => uniqueId(`burst-${i}`));
    const create = (id: string) =>
      postJson<Answer>(`${url}/api/v1/projects`, { project_id: id, user_id: 'user-burst', scenes: [{ prompt: `${id}: a wave` }, { prompt: 'the shore' }] }, owner.headers);

    const lock = await stack.database.pool.connect();
    let first: JsonResponse<Answer>[];
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`reelay:client:${owner.name}`]);
      const holder = create(ids[0]);
      await waitFor(async () => (await lock.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rows[0].n > 0, 10_000, 'the first create to wait on its client lock');
      const waiter = create(ids[1]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const rest = await Promise.all(ids.slice(2).map(create));
      await lock.query('COMMIT');
      first = [await holder, await waiter, ...rest];
    } finally {
      await lock.query('ROLLBACK').catch(() => undefined);
      lock.release();
    }
    const refused = ids.filter((_, i) => first[i].status === 503);
    const taken = ids.filter((_, i) => first[i].status === 201);
    assert.equal(refused.length + taken.length, ids.length, `every create is taken or refused: ${first.map((r) => r.status).join(' ')}`);
    assert.deepEqual(taken, ids.slice(0, 2), 'the running create and the waiting one are taken; the 18 others refused');
    for (const answer of first.filter((r) => r.status === 503)) {
      assert.equal(answer.body.code, 'gateway_busy');
      assert.equal(answer.headers.get('retry-after'), '1');
    }
    assert.deepEqual((await filmsNamed(refused.map((id) => owner.film(id)))).map((f) => f.id), [], 'a refused create wrote nothing');

    // A client honours Retry-After and sends the same create again, until it is taken.
    const retried = new Map<string, JsonResponse<Answer>>();
    let pending = refused;
    for (let round = 0; pending.length && round < 20; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const answers = await Promise.all(pending.map(create));
      pending.forEach((id, i) => retried.set(id, answers[i]));
      pending = pending.filter((_, i) => answers[i].status === 503);
    }
    assert.deepEqual(pending, [], 'every refused create was taken on a retry');
    for (const id of refused) assert.equal(retried.get(id)!.status, 201, `${id}: ${JSON.stringify(retried.get(id)!.body)}`);

    const films = await filmsNamed(ids.map((id) => owner.film(id)));
    assert.deepEqual(films.map((f) => f.id).sort(), ids.map((id) => owner.film(id)).sort(), 'every film of the burst exists, once');
    assert.ok(films.every((f) => f.scenes === 2), 'with its two scenes');
    // Sent once more: the same film, not a second one.
    const again = await create(refused[0]);
    assert.equal(again.status, 200);
    assert.equal(again.body.workflow_id, `project-${owner.film(refused[0])}`);
    assert.equal((await filmsNamed([owner.film(refused[0])])).length, 1);
  });
});
