import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { postJson, retryAfterMs } from '../../src/activities/service-client';

/** A stand-in for an external service that answers each request as the test says. */
describe('outbound service calls', () => {
  let server: Server;
  let url: string;
  let respond: (res: import('node:http').ServerResponse) => void;
  let seen: { headers: IncomingHttpHeaders; body: string }[];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => {
        seen.push({ headers: req.headers, body });
        respond(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    seen = [];
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const failureOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof ApplicationFailure);
      return err;
    }
    assert.fail('expected a failure');
  };

  it('sends JSON with the bearer key and the idempotency key, and returns the JSON answer', async () => {
    respond = (res) => res.writeHead(202, { 'content-type': 'application/json' }).end('{"task_id":"t1"}');
    const answer = await postJson({ url, apiKey: 'k-123' }, '/api/tasks', { a: 1 }, { idempotencyKey: 'key-1' });
    assert.deepEqual(answer, { task_id: 't1' });
    assert.equal(seen[0].headers.authorization, 'Bearer k-123');
    assert.equal(seen[0].headers['idempotency-key'], 'key-1');
    assert.equal(seen[0].headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen[0].body), { a: 1 });
  });

  it('sends no Authorization header when no key is configured', async () => {
    respond = (res) => res.writeHead(200).end('{}');
    await postJson({ url }, '/x', {}, { idempotencyKey: 'k' });
    assert.equal(seen[0].headers.authorization, undefined);
  });

  it('marks a 4xx as not retryable, but 408 and 429 as retryable', async () => {
    for (const [status, retryable] of [[400, false], [404, false], [422, false], [408, true], [429, true]] as const) {
      respond = (res) => res.writeHead(status).end('nope');
      const failure = await failureOf(postJson({ url }, '/x', {}, { idempotencyKey: 'k' }));
      assert.equal(failure.nonRetryable, !retryable, String(status));
      assert.equal(failure.type, retryable ? 'ServiceUnavailable' : 'ServiceRejected');
    }
  });

  it('retries 5xx and honours Retry-After', async () => {
    respond = (res) => res.writeHead(503, { 'retry-after': '7' }).end();
    const failure = await failureOf(postJson({ url }, '/x', {}, { idempotencyKey: 'k' }));
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 7000);
  });

  it('treats a refused connection as a retryable outage', async () => {
    const failure = await failureOf(postJson({ url: 'http://127.0.0.1:9' }, '/x', {}, { idempotencyKey: 'k' }));
    assert.equal(failure.type, 'ServiceUnavailable');
    assert.equal(failure.nonRetryable, false);
  });

  it('gives up on a service that does not answer in time, as a retryable outage saying so', async () => {
    respond = (res) => setTimeout(() => res.writeHead(200).end('{}'), 1_000);
    const failure = await failureOf(postJson({ url }, '/x', {}, { idempotencyKey: 'k', timeoutMs: 100, serviceLabel: 'video' }));
    assert.equal(failure.type, 'ServiceUnavailable');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.message, 'the video service did not answer within 0.1s');
  });

  it('keeps its connections to a service open from one call to the next', async () => {
    const sockets = new Set<unknown>();
    respond = (res) => {
      sockets.add(res.socket);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    };
    for (let i = 0; i < 10; i++) await postJson({ url }, '/x', {}, { idempotencyKey: `k${i}` });
    // undici may open a second one while the first is still being handed back after an answer.
    assert.ok(sockets.size <= 2, `${sockets.size} connections for 10 calls one after another`);
  });

  it('refuses a 2xx whose body is not JSON', async () => {
    respond = (res) => res.writeHead(200).end('<html>');
    const failure = await failureOf(postJson({ url }, '/x', {}, { idempotencyKey: 'k' }));
    assert.equal(failure.type, 'ServiceBadResponse');
  });

  it('does not follow a redirect: one request, refused without a retry, where it pointed kept in the details', async () => {
    respond = (res) => res.writeHead(303, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    const failure = await failureOf(postJson({ url }, '/x', {}, { idempotencyKey: 'k', serviceLabel: 'video' }));
    assert.equal(seen.length, 1, 'the redirect was followed');
    assert.equal(failure.type, 'ServiceRejected');
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.message, 'the video service answered 303, a redirect, which Reelay does not follow: configure the URL the service is at');
    assert.deepEqual(failure.details, [{ url: `${url}/x`, status: 303, location: 'http://169.254.169.254/latest/meta-data/' }]);
  });

  it("words a failure without the service's URL or answer, which stay in the details for the error log", async () => {
    respond = (res) => res.writeHead(502).end('bad gateway: upstream gpu-07.internal (10.1.2.3) down');
    const failure = await failureOf(postJson({ url }, '/api/tasks', {}, { idempotencyKey: 'k', serviceLabel: 'video' }));
    assert.equal(failure.message, 'the video service answered 502');
    assert.deepEqual(failure.details, [{ url: `${url}/api/tasks`, status: 502, answer: 'bad gateway: upstream gpu-07.internal (10.1.2.3) down' }]);
    const unreachable = await failureOf(postJson({ url: 'http://127.0.0.1:9' }, '/x', {}, { idempotencyKey: 'k', serviceLabel: 'stitch' }));
    assert.equal(unreachable.message, 'the stitch service could not be reached');
    assert.deepEqual(unreachable.details, [{ url: 'http://127.0.0.1:9/x', answer: 'connect ECONNREFUSED 127.0.0.1:9' }], "the network's own reason, for operators");
  });

  it('reads Retry-After as seconds or as a date, capped at ten minutes', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs('3', now), 3000);
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('99999', now), 600_000);
    assert.equal(retryAfterMs('soon', now), undefined);
    assert.equal(retryAfterMs(null, now), undefined);
  });
});
