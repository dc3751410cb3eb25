import assert from 'node:assert/strict';
import type { Storyboard } from '../../src/contracts/console';
import type { Stack } from '../../src/dev/start-stack';
import { signInToConsole, type ConsoleCookies } from '../support/console-session';
import { newTestClient } from '../support/clients';
import { postJson, uniqueId } from '../support/http';
import { startProject, waitFor } from '../support/projects';
import { testAdminToken, testStack } from '../support/test-stack';

/** Reads server-sent `update` events until `done` says stop or the server sends `end`; returns every state received. */
async function readUpdates<T>(url: string, cookie: string, done: (state: T) => boolean, timeoutMs = 30_000): Promise<T[] & { ended?: boolean }> {
  const response = await fetch(url, { headers: { cookie, accept: 'text/event-stream' }, signal: AbortSignal.timeout(timeoutMs) });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  const states: T[] & { ended?: boolean } = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (/^event: ?end$/m.test(block)) return Object.assign(states, { ended: true });
      if (!/^event: ?update$/m.test(block)) continue;
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      const state = JSON.parse(data) as T;
      states.push(state);
      if (done(state)) return states;
    }
  }
  return states; // the server ended the stream
}

describe('console: sign-in, session, CSRF and the films API behind it', function () {
  this.timeout(60_000);
  let stack: Stack;
  let session: ConsoleCookies;
  const url = (path: string) => `${stack.gatewayUrl}${path}`;
  const withSession = (init: RequestInit = {}, csrf = true): RequestInit => ({
    ...init,
    headers: { cookie: session.cookie, 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': session.csrf } : {}), ...(init.headers ?? {}) },
  });

  before(async () => {
    stack = await testStack();
    session = await signInToConsole(stack.gatewayUrl);
  });

  it('serves the page and its bundled assets from the gateway, with a strict content security policy', async () => {
    for (const path of ['/console', '/console/films', '/console/films/x', '/console/webhooks', '/console/errors', '/console/clients']) {
      const page = await fetch(url(path));
      assert.equal(page.status, 200, path);
      assert.match(page.headers.get('content-type')!, /text\/html/);
      assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
    }
    const js = await fetch(url('/console/assets/app.js'));
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type')!, /javascript/);
    assert.ok((await js.text()).length > 10_000);
    const again = await fetch(url('/console/assets/app.js'), { headers: { 'if-none-match': js.headers.get('etag')! } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(url('/console/assets/app.css'))).status, 200);
    assert.equal((await fetch(url('/console/assets/nope.js'))).status, 404);
    assert.equal((await fetch(url('/console/no-such-page'))).status, 404);
  });

  it('signs in with the admin token only, into an HTTP-only, SameSite=Strict cookie', async () => {
    const wrong = await fetch(url('/console/session'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'not-the-token-at-all' }) });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { code: string }).code, 'unauthorized');
    assert.equal(wrong.headers.getSetCookie().length, 0);
    const malformed = await fetch(url('/console/session'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":' });
    assert.equal(malformed.status, 400);
    // Only as JSON: a plain form or text/plain post (what another site can send without asking) is refused.
    const asText = await fetch(url('/console/session'), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ token: testAdminToken }) });
    assert.equal(asText.status, 415);
    assert.equal(asText.headers.getSetCookie().length, 0);

    assert.ok(session.setCookie.every((c) => /httponly/i.test(c) && /samesite=strict/i.test(c)), session.setCookie.join(' | '));
    const current = await fetch(url('/console/session'), { headers: { cookie: session.cookie } });
    assert.equal(current.status, 200);
    assert.ok(((await current.json()) as { csrf_token: string }).csrf_token);
    assert.equal((await fetch(url('/console/session'))).status, 401);

    // A cookie whose value was changed fails its signature.
    const forged = session.cookie.replace(/reelay_console=([^;]+)/, (_m, v: string) => `reelay_console=${v.slice(0, -2)}xx`);
    assert.equal((await fetch(url('/api/v1/projects'), { headers: { cookie: forged } })).status, 401);
  });

  it('lets the session read the admin API, and change things only with its CSRF token and from this origin', async () => {
    const projectId = uniqueId('console-csrf');
    // Its video never comes back within the test, so the film is still running when it is cancelled.
    stack.simulator!.behaviour = ({ body }) => (body.project_id === projectId ? { extraDelayMs: 120_000 } : undefined);
    await startProject(stack, { projectId, scenes: ['a lighthouse at dusk'], settings: { stepTimeoutMs: { video: 120_000, lastFrame: 120_000, stitch: 120_000 } } });

    const list = await fetch(url(`/api/v1/projects?q=${projectId}`), withSession({}, false));
    assert.equal(list.status, 200);
    const films = (await list.json()) as { data: { project_id: string; scenes_total: number }[] };
    assert.deepEqual(films.data.map((f) => [f.project_id, f.scenes_total]), [[projectId, 1]]);
    assert.equal((await fetch(url('/api/v1/projects'))).status, 401, 'no session, no list');

    const cancel = `/api/v1/projects/${projectId}/cancel`;
    const noToken = await fetch(url(cancel), withSession({ method: 'POST', body: '{}' }, false));
    assert.equal(noToken.status, 403);
    assert.equal(((await noToken.json()) as { code: string }).code, 'csrf_token_invalid');
    const elsewhere = await fetch(url(cancel), withSession({ method: 'POST', body: '{}', headers: { origin: 'https://evil.example' } }));
    assert.equal(elsewhere.status, 403);
    assert.equal(((await elsewhere.json()) as { code: string }).code, 'cross_origin');

    const retry = await fetch(url(`/api/v1/projects/${projectId}/retry`), withSession({ method: 'POST' }));
    assert.equal(retry.status, 409);
    assert.match(((await retry.json()) as { message: string }).message, /only a failed project can be retried/);

    const cancelled = await fetch(url(cancel), withSession({ method: 'POST', body: JSON.stringify({ reason: 'from the console test' }) }));
    assert.equal(cancelled.status, 200, await cancelled.clone().text());
    assert.deepEqual(((await cancelled.json()) as { result: unknown }).result, { status: 'cancelling' });
    await waitFor(async () => (await stack.prisma.project.findUnique({ where: { id: projectId } }))?.status === 'cancelled', 20_000, 'cancelled');

    const signOut = await fetch(url('/console/session'), withSession({ method: 'DELETE' }));
    assert.equal(signOut.status, 204);
    assert.match(signOut.headers.getSetCookie().join(';'), /reelay_console=;/);
    session = await signInToConsole(stack.gatewayUrl);
  });

  it('streams a film live until it ends: the storyboard fills in, frames chain, the timeline has durations', async () => {
    const projectId = uniqueId('console-live');
    await startProject(stack, { projectId, scenes: ['a harbour at dawn', 'the boats leave', 'the open sea'] });
    const states = await readUpdates<Storyboard>(url(`/console/live/films/${projectId}`), session.cookie, () => false);
    const last = states.at(-1)!;
    assert.equal(last.status, 'completed');
    assert.equal(states.ended, true, 'the stream says it is over, so the browser does not reconnect');
    assert.ok(states.length >= 2, `several updates, got ${states.length}`);
    assert.ok(states.some((s) => s.status !== 'completed'), 'an update before the end');
    assert.equal(last.scenes.length, 3);
    for (const [i, scene] of last.scenes.entries()) {
      assert.equal(scene.status, 'completed');
      assert.ok(scene.video_url && scene.thumbnail_url && scene.last_frame_url);
      assert.equal(scene.start_frame_url, i === 0 ? null : last.scenes[i - 1].last_frame_url, `scene ${i + 1} starts on the last frame of the one before`);
    }
    assert.ok(last.final_video_url);
    assert.deepEqual(
      last.timeline.map((t) => `${t.step}:${t.scene_index}:${t.outcome}`),
      ['video:0', 'lastFrame:0', 'video:1', 'lastFrame:1', 'video:2', 'lastFrame:2', 'stitch:null'].map((s) => `${s}:completed`),
    );
    assert.ok(last.timeline.every((t) => typeof t.duration_ms === 'number' && t.duration_ms >= 0));
    assert.equal(last.current, null);

    const storyboard = await fetch(url(`/api/v1/projects/${projectId}/storyboard`), withSession({}, false));
    assert.deepEqual(await storyboard.json(), last);
    assert.equal((await fetch(url('/api/v1/projects/nope/storyboard'), withSession({}, false))).status, 404);
    assert.equal((await fetch(url('/console/live/films/nope'), withSession({}, false))).status, 404);
    assert.equal((await fetch(url(`/console/live/films/${projectId}`))).status, 401);
  });

  it('filters webhook events by time', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await fetch(url(`/api/v1/webhooks/events?since=${encodeURIComponent(future)}`), withSession({}, false));
    assert.deepEqual(((await none.json()) as { data: unknown[] }).data, []);
    const bad = await fetch(url('/api/v1/webhooks/events?until=yesterday'), withSession({}, false));
    assert.equal(bad.status, 400);
  });

  it("starts the operator's films from the New film form and shows every client's films with their client, and the clients", async () => {
    const projectId = uniqueId('console-new');
    const created = await fetch(url('/api/v1/projects'), withSession({ method: 'POST', body: JSON.stringify({ project_id: projectId, scenes: [{ prompt: 'a kite' }] }) }));
    assert.equal(created.status, 201, 'the session creates films, as the operator');
    assert.equal(((await created.json()) as { project_id: string }).project_id, projectId, "an operator's film keeps its id");
    const withoutCsrf = await fetch(url('/api/v1/projects'), withSession({ method: 'POST', body: JSON.stringify({ scenes: [{ prompt: 'x' }] }) }, false));
    assert.equal(withoutCsrf.status, 403);

    const client = await newTestClient(stack);
    assert.equal((await postJson(url('/api/v1/projects'), { project_id: projectId, scenes: [{ prompt: 'a kite' }] }, client.headers)).status, 201);
    const list = await fetch(url(`/api/v1/projects?q=${projectId}`), withSession({}, false));
    const films = (await list.json()) as { data: { project_id: string; client: string | null }[] };
    assert.deepEqual(
      films.data.map((f) => [f.project_id, f.client]).sort(),
      [[projectId, null], [client.film(projectId), client.name]].sort(),
    );
    const clients = await fetch(url('/api/v1/clients'), withSession({}, false));
    assert.equal(clients.status, 200);
    const row = ((await clients.json()) as { data: { name: string; running_films: number }[] }).data.find((c) => c.name === client.name);
    assert.ok(row && row.running_films <= 1);
  });
});
