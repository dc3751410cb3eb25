import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import type { StandInOptions, StandInServer } from '../../src/dev/providers/stand-in-server';
import { asOperator, newTestClient } from '../support/clients';
import { getJson, postJson, uniqueId } from '../support/http';
import { waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';

interface FilmView {
  status: string;
  queue: { provider: string; position: number } | null;
}
interface CapView {
  provider: string;
  configured: number;
  live: number | null;
  effective: number;
  running: number;
  waiting: number;
}

const putJson = async (url: string, body: unknown, headers: Record<string, string>) => {
  const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

describe("a provider's cap on tasks running at once: fair turns, no 429s, no leaked slots", function () {
  this.timeout(120_000);
  let stack: Stack;
  let fal: StandInServer;
  let saved: StandInOptions;
  const url = (path: string) => `${stack.gatewayUrl}${path}`;
  const capsUrl = () => url('/api/v1/provider-caps');

  before(async () => {
    stack = await testStack();
    fal = stack.providerStandIns.get('fal')!.server;
    saved = { ...fal.options };
  });

  after(async () => {
    if (!stack) return;
    Object.assign(fal.options, { maxRunning: saved.maxRunning, taskMs: saved.taskMs });
    await putJson(`${capsUrl()}/fal`, { max_running: null }, asOperator);
  });

  it('refuses a cap change without the admin token, for an unknown provider, or that is not a whole number', async () => {
    assert.equal((await putJson(`${capsUrl()}/fal`, { max_running: 4 }, {})).status, 401);
    const unknown = await putJson(`${capsUrl()}/guide`, { max_running: 4 }, asOperator);
    assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
    const fraction = await putJson(`${capsUrl()}/fal`, { max_running: 2.5 }, asOperator);
    assert.equal(fraction.status, 400, JSON.stringify(fraction.body));
  });

  it('runs 20 films of 2 scenes from 3 users at a provider capped at 4: never more than 4 running, no 429, the small user served early, every slot free at the end', async () => {
    // The provider's own limit is 4 (it answers 429 past it), and Reelay's cap for it, set live, is 4.
    // The first four tasks run 3 s, so the line they form stands still while it is read below.
    Object.assign(fal.options, { maxRunning: 4, taskMs: 3_000 });
    fal.busyRefusals = 0;
    fal.mostRunning = 0;
    const set = await putJson(`${capsUrl()}/fal`, { max_running: 4 }, asOperator);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal((set.body as CapView).effective, 4);
    const changes = await stack.prisma.providerCapChange.count({ where: { provider: 'fal', maxRunning: 4 } });
    assert.ok(changes >= 1, 'the change is recorded');

    const [big, middle] = [await newTestClient(stack), await newTestClient(stack)];
    const scenes = (id: string) => [{ prompt: `${id}: the tide comes in` }, { prompt: `${id}: the tide goes out` }];
    const create = async (headers: Record<string, string>, userId: string) => {
      const id = uniqueId(userId);
      const created = await postJson(url('/api/v1/projects'), { project_id: id, provider: 'fal', user_id: userId, scenes: scenes(id) }, headers);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return { id, headers };
    };
    const films = await Promise.all([
      ...Array.from({ length: 13 }, () => create(big.headers, 'big-user')),
      ...Array.from({ length: 6 }, () => create(middle.headers, 'middle-user')),
    ]);
    const read = async (film: { id: string; headers: Record<string, string> }) =>
      (await getJson<FilmView>(url(`/api/v1/projects/${encodeURIComponent(film.id)}`), film.headers)).body;

    // A line forms, and a waiting film can see its place in it; the line's length is a metric, by provider.
    const queueLength = async () =>
      Number(/^reelay_provider_queue_length\{provider="fal"\} (\d+)$/m.exec(await (await fetch(url('/metrics'))).text())?.[1] ?? 0);
    const falLine = async () => (await getJson<{ data: CapView[] }>(capsUrl(), asOperator)).body.data.find((c) => c.provider === 'fal')!;
    const { queue: queued, line } = await waitFor(
      async () => {
        const [views, length, line] = await Promise.all([Promise.all(films.map(read)), queueLength(), falLine()]);
        const queue = views.find((view) => view.queue)?.queue;
        return queue && length > 0 && line.waiting > 0 ? { queue, line } : undefined;
      },
      20_000,
      'a film waiting in line, counted by reelay_provider_queue_length{provider="fal"} and the caps API',
    );
    assert.equal(queued.provider, 'fal');
    assert.ok(queued.position >= 1);
    assert.ok(line.running <= 4, JSON.stringify(line));
    Object.assign(fal.options, { taskMs: 500 });

    // The small user comes last, with one film, behind a line of the others' scenes.
    const tasksBefore = fal.tasks.size;
    const small = await create(asOperator, 'small-user');
    films.push(small);
    const firstSmall = await waitFor(
      () => [...fal.tasks.values()].findIndex((t) => t.prompt.startsWith(`${small.id}:`)) + 1,
      30_000,
      "the small user's first scene to start",
    );
    const startedAhead = firstSmall - 1 - tasksBefore;
    assert.ok(startedAhead <= 8, `the small user's first scene started after ${startedAhead} others' (at most 8)`);

    const ended = await waitFor(
      async () => {
        const views = await Promise.all(films.map(read));
        return views.every((v) => ['completed', 'failed', 'cancelled'].includes(v.status)) && views;
      },
      90_000,
      'all 20 films to end',
    );
    assert.deepEqual(
      ended.map((v) => v.status),
      films.map(() => 'completed'),
    );
    const tasks = [...fal.tasks.values()].filter((t) => films.some((f) => t.prompt.startsWith(`${f.id}:`)));
    assert.equal(tasks.length, 40, 'one task per scene');
    assert.ok(fal.mostRunning <= 4, `the provider saw ${fal.mostRunning} tasks running at once`);
    assert.equal(fal.busyRefusals, 0, 'the provider never had to answer 429');
    assert.equal(await stack.prisma.providerLease.count({ where: { provider: 'fal' } }), 0, 'every slot is free, nobody waits');
    console.log(`      small user's first scene started after ${startedAhead} others'; most running at once: ${fal.mostRunning}`);
  });
});
