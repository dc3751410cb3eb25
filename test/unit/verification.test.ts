import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { bodyTimestampProblem, createVerifier } from '../../src/contracts/webhooks';

describe('webhook verification, both schemes', () => {
  const secret = 'endpoint-secret-0123456789';
  const verify = createVerifier([secret], 300);
  const body = Buffer.from('{"a":1}');
  const now = Date.parse('2026-11-28T12:00:00Z');
  const headersOf = (h: Record<string, string>) => (name: string) => h[name];
  const standard = (at: number, id = 'msg_1') => ({
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at / 1000)),
    'webhook-signature': new Webhook(secret, { format: 'raw' }).sign(id, new Date(at), body),
  });

  it('prefers Standard Webhooks headers when present', () => {
    assert.deepEqual(verify(body, headersOf(standard(now)), now), { ok: true, scheme: 'standard' });
  });

  it('accepts one good signature among several (the spec allows a list)', () => {
    const h = standard(now);
    h['webhook-signature'] = `v1,bm90LWl0 ${h['webhook-signature']} v2,whatever`;
    assert.equal(verify(body, headersOf(h), now).ok, true);
  });

  it('says which check failed', () => {
    assert.deepEqual(verify(body, headersOf({}), now), { ok: false, reason: 'missing_signature' });
    assert.deepEqual(verify(body, headersOf(standard(now - 301_000)), now), { ok: false, scheme: 'standard', reason: 'timestamp_out_of_tolerance' });
    assert.deepEqual(verify(Buffer.from('{"a":2}'), headersOf(standard(now)), now), { ok: false, scheme: 'standard', reason: 'invalid_signature' });
  });

  it('never throws, whatever the headers and body (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.dictionary(fc.constantFrom('webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-webhook-signature'), fc.string()), (bytes, h) => {
        const result = verify(Buffer.from(bytes), headersOf(h), now);
        assert.equal(typeof result.ok, 'boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('reads body timestamps as ISO 8601 or Unix seconds or milliseconds, and never throws', () => {
    assert.equal(bodyTimestampProblem(new Date(now).toISOString(), 'check', 300, now), undefined);
    assert.equal(bodyTimestampProblem(now / 1000, 'check', 300, now), undefined);
    assert.equal(bodyTimestampProblem(now, 'check', 300, now), undefined);
    assert.equal(bodyTimestampProblem(now - 301_000, 'check', 300, now), 'out_of_tolerance');
    assert.equal(bodyTimestampProblem('not a date', 'check', 300, now), 'unreadable');
    assert.equal(bodyTimestampProblem(undefined, 'check', 300, now), undefined);
    assert.equal(bodyTimestampProblem(undefined, 'require', 300, now), 'missing');
    assert.equal(bodyTimestampProblem('2001-01-01', 'off', 300, now), undefined);
    fc.assert(fc.property(fc.jsonValue(), (value) => void bodyTimestampProblem(value, 'check', 300, now)));
  });
});
