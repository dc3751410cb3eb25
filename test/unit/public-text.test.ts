import assert from 'node:assert/strict';
import { serviceErrorTypes } from '../../src/activities/service-client';
import { failureTypesWithPublicMessages, publicReason } from '../../src/contracts/public-text';

describe("what a client reads about a failure (failure_reason, the user's notification)", () => {
  it("masks URLs, IP addresses and host names in a service's reason, and leaves its words", () => {
    const cases: [string, string][] = [
      ['content policy', 'content policy'],
      ['render node gpu-07.render.internal (10.3.4.5) crashed', 'render node [host] ([address]) crashed'],
      ['connect ECONNREFUSED 10.0.0.5:5432', 'connect ECONNREFUSED [address]'],
      ['fetch http://user:pw@minio:9000/bucket/x.mp4 failed', 'fetch [url] failed'],
      ['upstream [fe80::1]:8080 down; ::1 refused; 2001:db8:0:0:0:0:0:5 unreachable', 'upstream [address] down; [address] refused; [address] unreachable'],
      ['render-node-7:8080 timed out on localhost', '[host] timed out on [host]'],
      ['stopped at 10:30:00, version 1.2.3, e.g. retry', 'stopped at 10:30:00, version 1.2.3, e.g. retry'],
    ];
    for (const [said, shown] of cases) assert.equal(publicReason(said), shown, said);
  });

  it("trusts the message of the service client's failures only, whose wording it controls", () => {
    assert.deepEqual([...failureTypesWithPublicMessages].sort(), [...Object.values(serviceErrorTypes), 'ServiceNotConfigured'].sort());
  });
});
