import assert from 'node:assert/strict';
import { noopMetricMeter } from '@temporalio/common';
import type { Stack } from '../../src/dev/start-stack';
import { createProjectRecords } from '../../src/activities/records';
import { createStepMetrics } from '../../src/activities/step-metrics';
import { createProviderLeases, type LeaseRequest, type ProviderLeases, type SlotGrant } from '../../src/storage/provider-leases';
import { uniqueId } from '../support/http';
import { testStack } from '../support/test-stack';

/**
 * The provider's line as PostgreSQL keeps it (src/storage/provider-leases.ts), driven directly: each
 * test uses a provider name of its own, so lines never mix.
 */
describe("provider leases: a provider's slots under its cap, in PostgreSQL", function () {
  this.timeout(60_000);
  let stack: Stack;
  let caps: Map<string, number>;
  let leases: ProviderLeases;
  /** The films each grant woke, as the gateway and the worker would signal them. */
  let woken: SlotGrant[];

  before(async () => {
    stack = await testStack();
    caps = new Map();
    woken = [];
    leases = createProviderLeases(
      stack.database.pool,
      (provider) => caps.get(provider) ?? 0,
      async (grants) => void woken.push(...grants),
    );
  });

  /** A provider with `cap` slots, and a way to ask for a task's turn at it. */
  function provider(cap: number) {
    const name = uniqueId('prov');
    caps.set(name, cap);
    let n = 0;
    const ask = (who: { client?: string; user?: string; priority?: number; fingerprint?: string; holdMs?: number } = {}) => {
      n += 1;
      const fingerprint = who.fingerprint ?? `${name}-film-${n}/scene-${n}/1`;
      const request: LeaseRequest = {
        provider: name,
        fingerprint,
        projectId: fingerprint.split('/')[0],
        sceneId: fingerprint.split('/')[1],
        clientId: who.client ?? null,
        userId: who.user ?? null,
        priority: who.priority ?? 0,
        holdMs: who.holdMs ?? 60_000,
      };
      return { fingerprint, answer: leases.acquire(request), again: () => leases.acquire(request) };
    };
    return { name, ask };
  }

  it('never grants more slots than the cap, however many ask at once, and tells each holder it holds one', async () => {
    const p = provider(3);
    const asks = Array.from({ length: 30 }, () => p.ask({ client: 'c', user: 'u' }));
    const answers = await Promise.all(asks.map((a) => a.answer));
    // Exactly the cap: a task another asker granted while it asked is told so, not left to its fallback timer.
    assert.equal(answers.filter((a) => a.held).length, 3);
    const usage = (await leases.usage()).find((u) => u.provider === p.name)!;
    assert.equal(usage.held, 3, 'the cap is used in full');
    assert.equal(usage.waiting, 27);
  });

  it("puts a second user's first task ahead of the first user's long line, and a priority task ahead of both", async () => {
    const p = provider(2);
    for (let i = 0; i < 6; i += 1) await p.ask({ client: 'studio', user: 'heavy' }).answer;
    const light = p.ask({ client: 'studio', user: 'light' });
    const lightAnswer = await light.answer;
    assert.deepEqual(lightAnswer, { held: false, position: 1, waiting: 5 }, 'the light user is next: the heavy one holds both slots');
    const otherClient = await p.ask({ client: 'indie', user: 'solo' }).answer;
    assert.equal(otherClient.held ? 0 : otherClient.position, 1, 'a client holding nothing goes first');
    const urgent = await p.ask({ client: 'studio', user: 'heavy', priority: 5 }).answer;
    assert.equal(urgent.held ? 0 : urgent.position, 1, 'priority goes first');
  });

  it('serves priority work first without starving normal work: priority p weighs 1 + p turns, and waiting ages a task one turn a minute', async () => {
    const p = provider(1);
    const holder = p.ask({ client: 'c', user: 'x' });
    assert.equal((await holder.answer).held, true);
    const normal = p.ask({ client: 'c', user: 'normal' });
    assert.equal((await normal.answer).held, false);
    // A stream of urgent films (priority 10) from another user joins behind the normal one.
    const urgent = Array.from({ length: 15 }, () => p.ask({ client: 'c', user: 'urgent', priority: 10 }));
    for (const u of urgent) assert.equal((await u.answer).held, false);
    let current = holder.fingerprint;
    const next = async () => {
      woken.length = 0;
      await leases.releaseTask(current, current.split('/')[1]);
      assert.equal(woken.length, 1, 'one slot freed, one film woken');
      current = woken[0].fingerprint;
      return current === normal.fingerprint ? 'normal' : 'urgent';
    };
    assert.deepEqual([await next(), await next(), await next()], ['urgent', 'urgent', 'urgent'], 'priority goes first');
    // The normal film has now waited a minute (its enqueue time moved back, rather than the test waiting one).
    await stack.database.pool.query(`UPDATE provider_leases SET enqueued_at = enqueued_at - interval '61 seconds' WHERE fingerprint = $1`, [normal.fingerprint]);
    assert.equal(await next(), 'normal', 'a minute of waiting outweighs new urgent work');
  });

  it('gives a slot back when its task ends, and to the next in line only', async () => {
    const p = provider(1);
    const first = p.ask();
    assert.equal((await first.answer).held, true);
    const second = p.ask();
    assert.equal((await second.answer).held, false);
    assert.equal((await second.again()).held, false, 'still busy');
    await leases.releaseTask(first.fingerprint, first.fingerprint.split('/')[1]);
    assert.equal((await second.again()).held, true);
  });

  it('hands a freed slot to the next in line in the same transaction, and wakes that film only', async () => {
    const p = provider(2);
    // Every ask one after another: this is about the hand-over, not about asks at once (the first test).
    const running = [p.ask({ client: 'c', user: 'heavy' })];
    assert.equal((await running[0].answer).held, true);
    running.push(p.ask({ client: 'c', user: 'heavy' }));
    assert.equal((await running[1].answer).held, true);
    const heavyNext = p.ask({ client: 'c', user: 'heavy' });
    assert.equal((await heavyNext.answer).held, false);
    const light = p.ask({ client: 'c', user: 'light' });
    assert.equal((await light.answer).held, false);
    const later = p.ask({ client: 'c', user: 'light' });
    assert.equal((await later.answer).held, false);
    woken.length = 0;

    await leases.releaseTask(running[0].fingerprint, running[0].fingerprint.split('/')[1]);
    // Nobody asked again, yet the light user's task holds the slot (fair order) and only its film was woken.
    assert.deepEqual(woken, [{ projectId: light.fingerprint.split('/')[0], fingerprint: light.fingerprint }]);
    const lease = await stack.prisma.providerLease.findUniqueOrThrow({ where: { fingerprint: light.fingerprint } });
    assert.equal(lease.state, 'held');
    assert.equal((await light.again()).held, true, 'the woken film claims its slot');
    assert.equal((await heavyNext.again()).held, false, 'the cap still holds');

    await leases.releaseScene(running[1].fingerprint.split('/')[1]);
    assert.deepEqual(woken.map((w) => w.fingerprint), [light.fingerprint, heavyNext.fingerprint], 'the next freed slot goes to the next in line');
    assert.equal((await later.again()).held, false);
  });

  it('hands a slot over when the webhook names its provider, and a repeated webhook hands nothing over', async () => {
    const p = provider(1);
    const running = p.ask({ client: 'studio' });
    assert.equal((await running.answer).held, true);
    const waiter = p.ask({ client: 'studio' });
    assert.equal((await waiter.answer).held, false);
    const after = p.ask({ client: 'studio' });
    assert.equal((await after.answer).held, false);
    woken.length = 0;
    await leases.releaseTask(running.fingerprint, running.fingerprint.split('/')[1], p.name);
    assert.deepEqual(woken.map((w) => w.fingerprint), [waiter.fingerprint], 'the freed slot went to the next in line');
    assert.deepEqual(
      { ...(await leases.claim(waiter.fingerprint, 60_000)), waitedSeconds: 0 },
      { waitedSeconds: 0, clientId: 'studio' },
      'the woken film claims its slot, and learns its client from the lease',
    );
    // The same webhook again: its task holds nothing any more, so no slot is freed and nobody is woken.
    await leases.releaseTask(running.fingerprint, running.fingerprint.split('/')[1], p.name);
    assert.deepEqual(woken.map((w) => w.fingerprint), [waiter.fingerprint]);
    assert.equal((await after.again()).held, false, 'the cap still holds');
  });

  it('keeps a silent waiter’s place for minutes (films far back in line are not woken to keep it), and lets a woken film claim its grant at once', async () => {
    const p = provider(1);
    const running = p.ask();
    assert.equal((await running.answer).held, true);
    const waiter = p.ask();
    assert.equal((await waiter.answer).held, false);
    assert.equal(await leases.claim(waiter.fingerprint, 60_000), undefined, 'nothing to claim before its grant');
    // Five minutes without a word from the waiter (its film asks again only on a grant's signal or a long fallback).
    await stack.database.pool.query(
      `UPDATE provider_leases SET enqueued_at = enqueued_at - interval '5 minutes', expires_at = expires_at - interval '5 minutes' WHERE fingerprint = $1`,
      [waiter.fingerprint],
    );
    woken.length = 0;
    await leases.releaseTask(running.fingerprint, running.fingerprint.split('/')[1]);
    assert.deepEqual(woken.map((w) => w.fingerprint), [waiter.fingerprint], 'the silent waiter was still next in line');
    const waited = (await leases.claim(waiter.fingerprint, 60_000))?.waitedSeconds;
    assert.ok(waited !== undefined && waited >= 290, `the woken film claims its slot, after its ${waited} s in line`);
    assert.equal((await p.ask().answer).held, false, 'the cap still holds');
  });

  it('returns the slot of a task nobody heard from by its deadline (a worker killed mid-task leaks nothing)', async () => {
    const p = provider(1);
    const lost = p.ask({ holdMs: 300 });
    assert.equal((await lost.answer).held, true);
    const next = p.ask();
    assert.equal((await next.answer).held, false);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal((await next.again()).held, true);
    assert.equal(await stack.prisma.providerLease.count({ where: { fingerprint: lost.fingerprint } }), 0);
  });

  it('gives every slot and place of an ended film to the next in line at once, and says how long a task waited for its slot', async () => {
    const p = provider(1);
    const film = uniqueId('film');
    const running = p.ask({ fingerprint: `${film}/scene-a/1` });
    assert.equal((await running.answer).held, true);
    const sameFilm = p.ask({ fingerprint: `${film}/scene-b/1` });
    const next = p.ask();
    assert.equal((await sameFilm.answer).held, false);
    assert.equal((await next.answer).held, false);
    await stack.database.pool.query(`UPDATE provider_leases SET enqueued_at = enqueued_at - interval '7 seconds' WHERE fingerprint = $1`, [next.fingerprint]);
    woken.length = 0;

    await leases.releaseProject(film); // the film failed or was cancelled
    assert.deepEqual(woken.map((w) => w.fingerprint), [next.fingerprint], 'the next film is granted the slot and woken, not left for a TTL');
    assert.equal(await stack.prisma.providerLease.count({ where: { projectId: film } }), 0, 'nothing of the ended film holds a slot or a place');
    const claimed = await next.again();
    assert.ok(claimed.held && claimed.waitedSeconds >= 7 && claimed.waitedSeconds < 30, JSON.stringify(claimed));
    await leases.releaseProject(film); // asked again (a retried activity): nothing more happens
    assert.equal((await next.again()).held, true);
  });

  it('hands the slot of a film that fails or is cancelled to the next in line when the film is recorded ended, not at a timeout', async () => {
    const records = createProjectRecords(stack.database, createStepMetrics(noopMetricMeter), leases);
    for (const end of ['failed', 'cancelled'] as const) {
      const p = provider(1);
      const film = uniqueId(`ends-${end}`);
      await stack.database.pool.query(`INSERT INTO projects (id, status, workflow_id, request_hash, updated_at) VALUES ($1, 'generating', $1, 'h', now())`, [film]);
      // The film holds the slot (a submit the provider refused for good, say) and the next film waits.
      assert.equal((await p.ask({ fingerprint: `${film}/scene-a/1`, holdMs: 600_000 }).answer).held, true);
      const next = p.ask();
      assert.equal((await next.answer).held, false);
      woken.length = 0;
      if (end === 'failed') {
        await records.failProject({ projectId: film, reason: 'the provider refused the scene', cause: { kind: 'activity', activityType: 'submit' } });
      } else {
        await records.cancelProject({ projectId: film, reason: 'cancelled by an operator' });
      }
      assert.deepEqual(woken.map((w) => w.fingerprint), [next.fingerprint], `${end}: the next film is granted the slot and woken`);
      assert.equal((await next.again()).held, true);
      assert.equal(await stack.prisma.providerLease.count({ where: { projectId: film } }), 0);
    }
  });

  it('frees a scene’s earlier task when it asks for a new one (the old one failed or was lost)', async () => {
    const p = provider(1);
    const film = uniqueId('film');
    const firstTry = p.ask({ fingerprint: `${film}/scene-a/1` });
    assert.equal((await firstTry.answer).held, true);
    const secondTry = p.ask({ fingerprint: `${film}/scene-a/2` });
    assert.equal((await secondTry.answer).held, true, 'the slot of task 1 went to task 2');
  });
});
