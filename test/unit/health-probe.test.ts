import assert from 'node:assert/strict';
import { dependencyVerdict, healthProbeOf, type SlowTolerance } from '../../src/http/health';

const tolerance: SlowTolerance = { probeTimeoutMs: 30, slowProbes: 3, slowForMs: 150 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A check that answers after `ms`, or fails after `ms` when `fails`. */
const answersAfter = (ms: number, fails = false) => () => sleep(ms).then(() => (fails ? Promise.reject(new Error('refused')) : 1));

describe('the gateway health probe', () => {
  describe('one dependency, check after check', () => {
    it('stays reachable through late answers until they last both three checks and the time window', () => {
      let clock = 0;
      const verdict = dependencyVerdict({ slowProbes: 3, slowForMs: 5_000 }, () => clock);
      assert.equal(verdict('answered'), true);
      assert.equal(verdict('timedOut'), true); // t=0, first late answer
      clock = 1_000;
      assert.equal(verdict('timedOut'), true);
      clock = 2_000;
      assert.equal(verdict('timedOut'), true, 'three late answers within 2 s: still only a busy moment');
      clock = 5_000;
      assert.equal(verdict('timedOut'), false, 'late for 5 s, four checks in a row: degraded');
      assert.equal(verdict('answered'), true, 'an answer in time restores it at once');
    });

    it('needs late answers in a row: one answer in time starts the count again', () => {
      let clock = 0;
      const verdict = dependencyVerdict({ slowProbes: 3, slowForMs: 5_000 }, () => clock);
      verdict('timedOut');
      clock = 4_000;
      verdict('timedOut');
      clock = 4_500;
      assert.equal(verdict('answered'), true);
      clock = 9_000;
      verdict('timedOut');
      clock = 9_500;
      assert.equal(verdict('timedOut'), true, 'the earlier late answers do not count any more');
    });

    it('reports an error answer (refused, unavailable) at once, and late answers after it do not hide it', () => {
      const verdict = dependencyVerdict({ slowProbes: 3, slowForMs: 5_000 });
      assert.equal(verdict('failed'), false);
      assert.equal(verdict('timedOut'), false);
      assert.equal(verdict('answered'), true);
    });
  });

  describe('both dependencies, as GET /health answers', () => {
    it('does not flip to degraded when a dependency answers late once under load', async () => {
      let databaseDelay = 0;
      const probe = healthProbeOf({ temporal: answersAfter(0), database: () => answersAfter(databaseDelay)() }, tolerance);
      assert.equal((await probe()).ok, true);
      databaseDelay = 100; // a start-up stall: three times the probe's timeout
      assert.deepEqual(await probe(), { ok: true, temporal: { reachable: true }, database: { reachable: true } });
      databaseDelay = 0;
      assert.equal((await probe()).ok, true);
    });

    it('reports a dependency that stays slow as unreachable, once it has stayed slow', async () => {
      const probe = healthProbeOf({ temporal: answersAfter(200), database: answersAfter(0) }, tolerance);
      const answers: boolean[] = [];
      const startedAt = Date.now();
      while (Date.now() - startedAt < 400) answers.push((await probe()).temporal.reachable);
      assert.equal(answers[0], true);
      assert.equal(answers.at(-1), false, `answers: ${answers.join(',')}`);
      assert.ok(answers.indexOf(false) >= tolerance.slowProbes - 1, `degraded too early: ${answers.join(',')}`);
      assert.deepEqual(await probe(), { ok: false, temporal: { reachable: false }, database: { reachable: true } });
    });

    it('reports a dependency that answers with an error at once', async () => {
      const probe = healthProbeOf({ temporal: answersAfter(0), database: answersAfter(1, true) }, tolerance);
      assert.deepEqual(await probe(), { ok: false, temporal: { reachable: true }, database: { reachable: false } });
    });

    it('lets requests that arrive during a check share it instead of adding load', async () => {
      let checks = 0;
      const counted = () => {
        checks += 1;
        return sleep(10);
      };
      const probe = healthProbeOf({ temporal: counted, database: answersAfter(0) }, tolerance);
      const answers = await Promise.all([probe(), probe(), probe()]);
      assert.equal(checks, 1);
      assert.ok(answers.every((answer) => answer.ok));
      await probe();
      assert.equal(checks, 2, 'a request after the check finished checks again');
    });
  });
});
