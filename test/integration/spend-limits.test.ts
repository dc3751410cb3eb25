import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { asOperator, newTestClient, type TestClient } from '../support/clients';
import { getJson, postJson, uniqueId } from '../support/http';
import { testStack } from '../support/test-stack';

/**
 * Default spend limits (docs/review.md#the-spend-limit): an operator sets a client's and each of its
 * users' through the admin API, every change recorded; a new film whose request names no limit takes
 * its user's, else its client's, else SPEND_LIMIT (none on the test stack).
 */
describe("default spend limits: a client's and each user's", function () {
  this.timeout(60_000);
  let stack: Stack;
  let client: TestClient;
  const url = (path: string) => `${stack.gatewayUrl}${path}`;
  const put = async (path: string, body: unknown, headers = asOperator) => {
    const response = await fetch(url(path), { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any };
  };
  /** A one-scene film of the client for `user`, answered with the spend limit it was given. */
  async function filmLimit(user: string, extra: Record<string, unknown> = {}): Promise<number | null> {
    const id = uniqueId('limited');
    const created = await postJson<any>(url('/api/v1/projects'), { project_id: id, user_id: user, scenes: [{ prompt: 'a harbour' }], ...extra }, client.headers);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const film = await getJson<any>(url(`/api/v1/projects/${id}`), client.headers);
    return film.body.spend.limit;
  }

  before(async () => {
    stack = await testStack();
    client = await newTestClient(stack);
  });

  it("gives a new film its request's limit, else its user's default, else its client's, else none; each change recorded", async () => {
    const base = `/api/v1/clients/${client.name}`;
    assert.equal(await filmLimit('ana'), null, 'no default anywhere: no limit');

    const clientSet = await put(`${base}/spend-limit`, { spend_limit: 5 });
    assert.equal(clientSet.status, 200, JSON.stringify(clientSet.body));
    assert.deepEqual([clientSet.body.spend_limit, clientSet.body.gateway_default, clientSet.body.users], [5, null, []]);
    const userSet = await put(`${base}/users/ana/spend-limit`, { spend_limit: 2.5 });
    assert.equal(userSet.status, 200);
    assert.deepEqual(userSet.body.users.map((u: any) => [u.user_id, u.spend_limit]), [['ana', 2.5]]);

    assert.equal(await filmLimit('ana'), 2.5, "the user's default");
    assert.equal(await filmLimit('bob'), 5, "another user: the client's default");
    assert.equal(await filmLimit('ana', { spend_limit: 9 }), 9, "the request's own limit first");
    assert.equal(await filmLimit('ana', { spend_limit: 0 }), 0, 'a limit of 0 is a limit');

    assert.equal((await put(`${base}/users/ana/spend-limit`, { spend_limit: null })).status, 200);
    assert.equal(await filmLimit('ana'), 5, "the user's default removed: the client's");
    assert.equal((await put(`${base}/spend-limit`, { spend_limit: null })).status, 200);
    assert.equal(await filmLimit('bob'), null, "the client's removed: SPEND_LIMIT, none here");

    const listed = await getJson<any>(url(`${base}/spend-limits`), asOperator);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.users, []);
    assert.deepEqual(
      listed.body.changes.map((c: any) => [c.user_id, c.spend_limit, c.changed_by]),
      [
        [null, null, 'admin token'],
        ['ana', null, 'admin token'],
        ['ana', 2.5, 'admin token'],
        [null, 5, 'admin token'],
      ],
      'every change, newest first',
    );
  });

  it('answers bad input with a 400, an unknown client with a 404, and a client key with a refusal', async () => {
    const base = `/api/v1/clients/${client.name}`;
    for (const body of [{ spend_limit: -1 }, { spend_limit: 'ten' }, { limit: 3 }, {}, { spend_limit: 2e9 }]) {
      const answer = await put(`${base}/spend-limit`, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error, 'validation_failed', JSON.stringify(answer.body));
    }
    assert.equal((await put(`${base}/users/${'u'.repeat(129)}/spend-limit`, { spend_limit: 1 })).status, 400);
    assert.equal((await put(`${base}/users/%20%20/spend-limit`, { spend_limit: 1 })).status, 400, 'a blank user id');
    const unknown = await put(`/api/v1/clients/${uniqueId('nobody')}/users/ana/spend-limit`, { spend_limit: 1 });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'client_not_found');
    assert.equal((await getJson(url(`/api/v1/clients/${uniqueId('nobody')}/spend-limits`), asOperator)).status, 404);
    assert.equal((await put(`${base}/spend-limit`, { spend_limit: 1000 }, client.headers)).status, 401, 'only the operator sets limits');
    const { paths } = (await getJson<any>(url('/openapi.json'))).body;
    assert.ok(paths['/api/v1/clients/{name}/users/{user_id}/spend-limit'].put && paths['/api/v1/clients/{name}/spend-limit'].put && paths['/api/v1/clients/{name}/spend-limits'].get);
    const { changes } = (await getJson<any>(url(`${base}/spend-limits`), asOperator)).body;
    assert.ok(!changes.some((c: any) => c.spend_limit === 1000 || c.spend_limit === 1), 'nothing refused was recorded');
  });
});
