import assert from 'node:assert/strict';
import fc from 'fast-check';
import { body, headers } from '../support/fuzz-arbitraries';
import type { Stack } from '../../src/dev/start-stack';
import { webhookEndpoints } from '../../src/contracts/steps';
import { signBody } from '../../src/contracts/webhooks';
import { testSecrets, testStack } from '../support/test-stack';

describe('fuzzing the webhook endpoints (property-based)', function () {
  this.timeout(120_000);
  let stack: Stack;
  before(async () => {
    stack = await testStack();
  });

  const send = async (endpoint: string, raw: Buffer, h: Record<string, string>) => {
    const res = await fetch(`${stack.gatewayUrl}/api/webhooks/${endpoint}`, { method: 'POST', headers: h, body: raw });
    const text = await res.text();
    return { status: res.status, text };
  };

  it('never answers 5xx to random headers and bodies, and always answers JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...webhookEndpoints), headers, body, async (endpoint, h, raw) => {
        const { status, text } = await send(endpoint, raw, h);
        assert.ok(status < 500, `${status} ${text}`);
        JSON.parse(text);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
    );
  });

  it('accepts the signature of every correctly signed body, then answers 200, 400 for bad JSON or a bad payload, or 404 for an unknown project', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...webhookEndpoints), body, async (endpoint, raw) => {
        const { status, text } = await send(endpoint, raw, {
          'content-type': 'application/json',
          'x-webhook-signature': signBody(testSecrets[endpoint], raw),
        });
        const answer = JSON.parse(text) as { error?: string };
        if (status === 400) assert.ok(answer.error === 'malformed_json' || answer.error === 'validation_failed', `${status} ${text}`);
        else if (status === 404) assert.equal(answer.error, 'project_not_found', text);
        else assert.equal(status, 200, text);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
    );
  });
});
