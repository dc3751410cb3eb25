import assert from 'node:assert/strict';
import { signBody, verifySignature } from '../../src/contracts/webhooks';

describe('webhook signatures (HMAC-SHA256 of the raw body)', () => {
  const secret = 'a-secret-of-sufficient-length';
  const body = Buffer.from('{"task_id":"t1","status":"completed"}');
  const good = signBody(secret, body);

  it('matches the openssl recipe in docs/webhooks.md: hex HMAC-SHA256 of the exact bytes', () => {
    // printf '%s' '{"task_id":"t1","status":"completed"}' | openssl dgst -sha256 -hmac 'a-secret-of-sufficient-length'
    assert.match(good, /^[0-9a-f]{64}$/);
    assert.equal(good, signBody(secret, body.toString('utf8')));
  });

  it('accepts the right signature, with or without a sha256= prefix and in either case', () => {
    assert.equal(verifySignature(body, good, [secret]), true);
    assert.equal(verifySignature(body, `sha256=${good}`, [secret]), true);
    assert.equal(verifySignature(body, good.toUpperCase(), [secret]), true);
  });

  it('accepts any of several active secrets, so a secret can be rotated without losing webhooks', () => {
    const next = 'the-next-secret-after-rotation';
    assert.equal(verifySignature(body, signBody(next, body), [secret, next]), true);
    assert.equal(verifySignature(body, good, [secret, next]), true);
    assert.equal(verifySignature(body, signBody(next, body), [secret]), false);
  });

  it('rejects a missing, altered or malformed signature without throwing', () => {
    const altered = Buffer.from(body.toString().replace('t1', 't2'));
    for (const signature of [undefined, '', good.slice(1), `${good}0`, 'g'.repeat(64), '🔑'.repeat(32), 'sha256=']) {
      assert.equal(verifySignature(body, signature, [secret]), false, String(signature));
    }
    assert.equal(verifySignature(altered, good, [secret]), false);
  });
});
