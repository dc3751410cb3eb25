import assert from 'node:assert/strict';
import { ApplicationFailure, noopMetricMeter } from '@temporalio/common';
import { createServiceBreakers } from '../../src/activities/service-client';
import { createLogger } from '../../src/platform/logger';

describe('circuit breakers per service', () => {
  const options = { errorThresholdPercentage: 50, volumeThreshold: 3, resetTimeoutMs: 200, rollingWindowMs: 5_000 };
  const logger = createLogger({ level: 'silent' });
  const outage = () => Promise.reject(ApplicationFailure.create({ type: 'ServiceUnavailable', message: '503' }));

  it('opens after repeated failures and then fails fast, asking Temporal to retry after the reset timeout', async () => {
    const breakers = createServiceBreakers(options, noopMetricMeter, logger);
    let calls = 0;
    const failing = () => {
      calls += 1;
      return outage();
    };
    for (let i = 0; i < 3; i += 1) await assert.rejects(breakers.call('video', failing));
    assert.equal(breakers.states().video, 'open');
    const before = calls;
    await assert.rejects(breakers.call('video', failing), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'ServiceUnavailable');
      assert.equal(err.nonRetryable, false);
      assert.equal(err.nextRetryDelay, 200);
      return true;
    });
    assert.equal(calls, before, 'the open circuit did not call the service');
    assert.equal(breakers.states().lastFrame, 'closed', 'each service has its own circuit');
    breakers.shutdown();
  });

  it('closes again after a successful trial call', async () => {
    const breakers = createServiceBreakers(options, noopMetricMeter, logger);
    for (let i = 0; i < 3; i += 1) await assert.rejects(breakers.call('stitch', outage));
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(await breakers.call('stitch', async () => 'ok'), 'ok');
    assert.equal(breakers.states().stitch, 'closed');
    breakers.shutdown();
  });

  it("does not count a rejected request (4xx) against the service's health", async () => {
    const breakers = createServiceBreakers(options, noopMetricMeter, logger);
    const invalid = () => Promise.reject(ApplicationFailure.nonRetryable('422', 'ServiceRejected'));
    for (let i = 0; i < 6; i += 1) await assert.rejects(breakers.call('video', invalid));
    assert.equal(breakers.states().video, 'closed');
    breakers.shutdown();
  });
});
