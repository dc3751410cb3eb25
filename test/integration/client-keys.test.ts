import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureDevelopmentKey } from '../../src/dev/dev-client';
import type { Stack } from '../../src/dev/start-stack';
import { asOperator, newTestClient, type TestClient } from '../support/clients';
import { getJson, postJson, uniqueId, type JsonResponse } from '../support/http';
import { requestsFor, waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';

const run = promisify(execFile);

type Body = { code?: string; details?: { quota?: string; limit?: number }; [key: string]: unknown };

describe('clients of the project API: keys, films of their own, quotas', function () {
  this.timeout(120_000);
  let stack: Stack;
  const url = (path: string) => `${stack.gatewayUrl}${path}`;
  const create = (projectId: string, headers: Record<string, string>, prompts = ['a harbour at dawn']) =>
    postJson<Body>(url('/api/v1/projects'), { project_id: projectId, user_id: 'user-1', scenes: prompts.map((prompt) => ({ prompt })) }, headers);
  const read = (projectId: string, headers: Record<string, string>) => getJson<Body>(url(`/api/v1/projects/${encodeURIComponent(projectId)}`), headers);
  const finished = (filmId: string) => stack.client.workflow.getHandle(`project-${filmId}`).result();

  function assertRefused(res: JsonResponse<Body>, code: string) {
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.code, code);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
  }

  before(async () => {
    stack = await testStack();
  });

  it('refuses the project API without a key, with an unknown key and with a revoked one, naming the problem', async () => {
    const client = await newTestClient(stack);
    assertRefused(await create(uniqueId('nokey'), {}), 'api_key_missing');
    assertRefused(await read('anything', {}), 'api_key_missing');
    assertRefused(await create(uniqueId('basic'), { authorization: 'Basic dXNlcjpwYXNz' }), 'api_key_missing');
    const forged = `rk_${client.keyId}_${'A'.repeat(43)}`; // a real key id with a made-up secret
    assertRefused(await create(uniqueId('forged'), { authorization: `Bearer ${forged}` }), 'api_key_invalid');
    assertRefused(await read('anything', { authorization: 'Bearer not-a-key' }), 'api_key_invalid');

    const revoke = await fetch(url(`/api/v1/clients/${client.name}/keys/${client.keyId}`), { method: 'DELETE', headers: asOperator });
    assert.equal(revoke.status, 200);
    assert.ok(((await revoke.json()) as { revoked_at: string | null }).revoked_at);
    assertRefused(await create(uniqueId('revoked'), client.headers), 'api_key_revoked');
    assert.equal(await stack.prisma.project.count({ where: { clientId: client.name } }), 0, 'no refused request made a film');
  });

  it("keeps each client's films to itself: the same project id for two clients is two films, and another's is a 404", async () => {
    const [a, b] = [await newTestClient(stack), await newTestClient(stack)];
    const projectId = uniqueId('harbour');
    const madeByA = await create(projectId, a.headers, ['a harbour at dawn']);
    assert.equal(madeByA.status, 201, JSON.stringify(madeByA.body));
    assert.deepEqual(madeByA.body, { project_id: projectId, workflow_id: `project-${a.film(projectId)}`, status: 'pending' });
    assert.equal(madeByA.headers.get('location'), `/api/v1/projects/${projectId}`);
    assert.equal((await read(projectId, b.headers)).status, 404, "B cannot read A's film");

    const madeByB = await create(projectId, b.headers, ['a desert at noon']);
    assert.equal(madeByB.status, 201, 'the id is free for B: not a 409');
    assert.equal(madeByB.body.workflow_id, `project-${b.film(projectId)}`);

    // Both films run to the end: the services got each film's whole id and called back with it.
    await Promise.all([finished(a.film(projectId)), finished(b.film(projectId))]);
    assert.equal(requestsFor(stack, a.film(projectId), 'video').length, 1);
    const viewA = await read(projectId, a.headers);
    const viewB = await read(projectId, b.headers);
    assert.equal(viewA.body.status, 'completed');
    assert.equal(viewA.body.project_id, projectId);
    assert.deepEqual([(viewA.body.scenes as { prompt: string }[])[0].prompt, (viewB.body.scenes as { prompt: string }[])[0].prompt], ['a harbour at dawn', 'a desert at noon']);

    // The operator sees every client's films, by their whole ids; a client cannot use a whole id.
    assert.equal((await read(b.film(projectId), asOperator)).body.status, 'completed');
    assert.equal((await read(b.film(projectId), a.headers)).status, 404);
    assert.equal((await read(projectId, asOperator)).status, 404, 'the bare id is no operator film');
  });

  it('rotates a key with an overlap: old and new both work until the old is revoked', async () => {
    const client = await newTestClient(stack);
    const rotated = await postJson<{ key: string; key_id: string; expiring: { id: string; expires_at: string }[] }>(
      url(`/api/v1/clients/${client.name}/keys`),
      { rotate: true, overlap_seconds: 3600 },
      asOperator,
    );
    assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
    assert.deepEqual(rotated.body.expiring.map((k) => k.id), [client.keyId]);
    assert.ok(Date.parse(rotated.body.expiring[0].expires_at) > Date.now() + 3500_000);
    const fresh = { authorization: `Bearer ${rotated.body.key}` };

    assert.equal((await create(uniqueId('old-key'), client.headers)).status, 201, 'the old key still works during the overlap');
    assert.equal((await create(uniqueId('new-key'), fresh)).status, 201);

    await fetch(url(`/api/v1/clients/${client.name}/keys/${client.keyId}`), { method: 'DELETE', headers: asOperator });
    assertRefused(await create(uniqueId('old-key'), client.headers), 'api_key_revoked');
    assert.equal((await create(uniqueId('new-key'), fresh)).status, 201);

    // A rotation without overlap ends the other keys at once.
    const now = await postJson<{ key: string }>(url(`/api/v1/clients/${client.name}/keys`), { rotate: true, overlap_seconds: 0 }, asOperator);
    assertRefused(await create(uniqueId('expired'), fresh), 'api_key_expired');
    assert.equal((await create(uniqueId('newest'), { authorization: `Bearer ${now.body.key}` })).status, 201);
  });

  it('stores keys hashed: the table has the SHA-256 of a key, never the key or its secret', async () => {
    const made = await postJson<{ client: { name: string }; key: { key: string; key_id: string } }>(url('/api/v1/clients'), { name: uniqueId('hashed') }, asOperator);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const { key, key_id: keyId } = made.body.key;
    assert.match(key, /^rk_k_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const { rows } = await stack.database.pool.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [keyId]);
    assert.equal(rows.length, 1);
    const stored = JSON.stringify(rows[0]);
    const secret = key.slice(`rk_${keyId}_`.length);
    assert.ok(!stored.includes(secret), 'no column holds the secret');
    assert.equal(rows[0].key_hash, createHash('sha256').update(key).digest('hex'));
    // The key is shown once: lists of keys carry ids and states only.
    const listed = await getJson<{ data: Record<string, unknown>[] }>(url(`/api/v1/clients/${made.body.client.name}/keys`), asOperator);
    assert.ok(!JSON.stringify(listed.body).includes(secret));
    assert.equal((await create(uniqueId('fresh'), { authorization: `Bearer ${key}` })).status, 201, 'the key works');
    assert.equal((await postJson(url('/api/v1/clients'), { name: made.body.client.name }, asOperator)).status, 409);
  });

  it('limits requests a minute per client: 429 with Retry-After and the limit named, counted in metrics', async () => {
    const client = await newTestClient(stack, { requestsPerMinute: 3, maxRunningFilms: 100 });
    const other = await newTestClient(stack);
    for (let i = 0; i < 3; i += 1) assert.equal((await read(`p-${i}`, client.headers)).status, 404);
    const refused = await read('p-4', client.headers);
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'quota_exceeded');
    assert.deepEqual({ quota: refused.body.details?.quota, limit: refused.body.details?.limit }, { quota: 'requests_per_minute', limit: 3 });
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal((await read('p-4', other.headers)).status, 404, "another client's quota is its own");
    assert.equal((await read('p-4', asOperator)).status, 404, 'the operator is not limited');
    const metrics = await (await fetch(url('/metrics'))).text();
    assert.match(metrics, new RegExp(`reelay_client_quota_refusals_total\\{client="${client.name}",quota="requests_per_minute"\\} 1`));
  });

  it('limits films running at once per client, from the database: 429 until one ends', async () => {
    const client: TestClient = await newTestClient(stack, { requestsPerMinute: 1000, maxRunningFilms: 2 });
    // The video service never calls back for this client's films: they stay generating.
    stack.simulator!.behaviour = ({ body }) => (String(body.project_id).endsWith(`@${client.name}`) ? { loseTask: true } : undefined);
    const [first, second] = [uniqueId('first'), uniqueId('second')];
    assert.equal((await create(first, client.headers)).status, 201);
    assert.equal((await create(second, client.headers)).status, 201);
    const third = await create(uniqueId('third'), client.headers);
    assert.equal(third.status, 429, JSON.stringify(third.body));
    assert.deepEqual(third.body.details, { quota: 'running_films', limit: 2, running: 2 });
    assert.ok(Number(third.headers.get('retry-after')) > 0);
    assert.equal((await create(first, client.headers)).status, 200, 'repeating a create that succeeded is no new film');

    const metrics = await (await fetch(url('/metrics'))).text();
    assert.match(metrics, new RegExp(`reelay_client_films_running\\{client="${client.name}"\\} 2`));
    assert.match(metrics, new RegExp(`reelay_client_quota_refusals_total\\{client="${client.name}",quota="running_films"\\} 1`));
    const listed = await getJson<{ data: { name: string; running_films: number; effective: { max_running_films: number } }[] }>(url('/api/v1/clients'), asOperator);
    const row = listed.body.data.find((c) => c.name === client.name);
    assert.deepEqual([row?.running_films, row?.effective.max_running_films], [2, 2]);

    const cancel = await postJson(url(`/api/v1/projects/${encodeURIComponent(client.film(first))}/cancel`), {}, asOperator);
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    await waitFor(async () => (await stack.prisma.project.findUnique({ where: { id: client.film(first) } }))?.status === 'cancelled', 20_000, 'the cancel');
    assert.equal((await create(uniqueId('third'), client.headers)).status, 201, 'a place was freed');
  });

  it('makes, rotates and revokes keys with npm run clients, against the database', async () => {
    const clients = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/clients.ts', ...args], { env: { ...process.env, DATABASE_URL: stack.databaseUrl } }).then((r) => r.stdout);
    const keyIn = (text: string) => /\b(rk_k_[0-9a-f]{12}_[A-Za-z0-9_-]{43})\b/.exec(text)![1];
    const name = uniqueId('cli');
    const first = keyIn(await clients('create', name, '--max-running-films', '5'));
    assert.equal((await create(uniqueId('cli'), { authorization: `Bearer ${first}` })).status, 201);
    const second = keyIn(await clients('keys', 'rotate', name, '--overlap', '0'));
    assertRefused(await create(uniqueId('cli'), { authorization: `Bearer ${first}` }), 'api_key_expired');
    assert.equal((await create(uniqueId('cli'), { authorization: `Bearer ${second}` })).status, 201);
    const secondId = /^rk_(k_[0-9a-f]{12})_/.exec(second)![1];
    await clients('keys', 'revoke', name, secondId);
    assertRefused(await create(uniqueId('cli'), { authorization: `Bearer ${second}` }), 'api_key_revoked');
    assert.match(await clients('list'), new RegExp(`^${name}  films running \\d+ \\(max 5\\)  requests/min default  working keys 0$`, 'm'));
  });

  it('gives npm start a development key: made once, kept in a private file, the same on the next start', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-dev-key-'));
    try {
      const first = await ensureDevelopmentKey(stack.prisma, dataDir);
      const again = await ensureDevelopmentKey(stack.prisma, dataDir);
      assert.deepEqual([first.created, again.created, again.key], [true, false, first.key]);
      assert.equal((await stat(path.join(dataDir, 'dev-api-key'))).mode & 0o777, 0o600);
      assert.equal((await create(uniqueId('dev'), { authorization: `Bearer ${first.key}` })).status, 201);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
