import assert from 'node:assert/strict';
import { runChaos } from '../../bench/chaos';
import { assertNothingLost } from '../support/chaos-books';
import { testStack } from '../support/test-stack';

/** The short version of `npm run chaos`: fewer projects and kills, the same books at the end. */
describe('chaos (short): kill -9 the worker, the gateway and the Temporal server mid-run', function () {
  this.timeout(300_000);

  it('loses nothing and does nothing twice', async () => {
    const stack = await testStack();
    const report = await runChaos({
      projects: 12,
      scenes: 3,
      kills: { worker: 2, gateway: 2, temporal: 1 },
      seed: Number(process.env.CHAOS_SEED ?? 4242),
      databaseUrl: stack.databaseUrl,
    });
    assertNothingLost(report);
    assert.equal(report.kills.length, 5);
  });
});
