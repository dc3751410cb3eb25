import assert from 'node:assert/strict';
import { scrubSecrets, scrubText } from '../../src/platform/redaction';

describe('redaction of credentials (error log, error monitoring)', () => {
  it('replaces the value of any key that names a credential, at any depth', () => {
    const scrubbed = scrubSecrets({
      projectId: 'harbour-01',
      headers: { authorization: 'Bearer abc', 'x-webhook-signature': 'v1,xyz', 'content-type': 'application/json' },
      nested: [{ apiKey: 'k', api_key: 'k', webhookSecret: 's', sentryDsn: 'https://k@h/1', session_cookie: 'c', password: 'p' }],
    });
    assert.deepEqual(scrubbed, {
      projectId: 'harbour-01',
      headers: { authorization: '[redacted]', 'x-webhook-signature': '[redacted]', 'content-type': 'application/json' },
      nested: [{ apiKey: '[redacted]', api_key: '[redacted]', webhookSecret: '[redacted]', sentryDsn: '[redacted]', session_cookie: '[redacted]', password: '[redacted]' }],
    });
  });

  it('scrubs credentials written into text: URL user info, bearer tokens, key=value and JSON pairs', () => {
    assert.equal(
      scrubText('connect to postgresql://reelay:hunter2@db:5432/reelay failed'),
      'connect to postgresql://[redacted]@db:5432/reelay failed',
    );
    assert.equal(scrubText('sent to https://abc123@o1.ingest.sentry.io/42'), 'sent to https://[redacted]@o1.ingest.sentry.io/42');
    assert.equal(scrubText('Authorization: Bearer eyJhbGciOi.x-y_z'), 'Authorization: Bearer [redacted]');
    assert.equal(scrubText('GET /cb?api_key=abc&task=1'), 'GET /cb?api_key=[redacted]&task=1');
    assert.equal(scrubText('answered 401: {"token": "t0k3n", "detail": "no"}'), 'answered 401: {"token": "[redacted]", "detail": "no"}');
  });

  it('leaves ordinary messages alone, even ones that name a credential', () => {
    for (const text of ['invalid_signature: Signature mismatch', 'POST https://video.example.com/api/tasks answered 503', 'Scene 3f2a not found']) {
      assert.equal(scrubText(text), text);
    }
    assert.deepEqual(scrubSecrets({ count: 3, ok: true, none: null }), { count: 3, ok: true, none: null });
  });
});
