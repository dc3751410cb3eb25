import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { jsonErrors } from '../../src/http/errors';
import { closeServer, listen } from '../../src/platform/http-server';
import { createLogger } from '../../src/platform/logger';

/** What a client gets when a request fails unexpectedly, or because the database is too busy to start a transaction. */
describe('JSON errors: a busy database is a 503 to retry, any other unexpected failure a 500', () => {
  async function answerTo(failure: unknown) {
    const app = new Koa();
    app.silent = true;
    app.use(jsonErrors(createLogger({ level: 'silent' })));
    app.use(() => {
      throw failure;
    });
    const server = await listen(app.callback(), 0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/projects`, { method: 'POST' });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
    } finally {
      await closeServer(server);
    }
  }

  it("answers Prisma's P2028 (no transaction could start in time) with 503 and Retry-After, naming no internals", async () => {
    const busy = Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), { code: 'P2028' });
    const answer = await answerTo(busy);
    assert.equal(answer.status, 503);
    assert.equal(answer.retryAfter, '1');
    assert.equal(answer.body.code, 'database_busy');
    assert.doesNotMatch(String(answer.body.message), /Transaction API/);
  });

  it("answers PostgreSQL's lock timeout (55P03: a client's burst of creates queued on its quota lock) with 503 and Retry-After", async () => {
    const answer = await answerTo(Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }));
    assert.equal(answer.status, 503);
    assert.equal(answer.retryAfter, '1');
    assert.equal(answer.body.code, 'database_busy');
    assert.doesNotMatch(String(answer.body.message), /lock timeout/);
  });

  it('answers any other unexpected error with a bare 500', async () => {
    const answer = await answerTo(Object.assign(new Error('connection terminated'), { code: 'P1017' }));
    assert.equal(answer.status, 500);
    assert.equal(answer.body.code, 'internal_error');
    assert.equal(answer.retryAfter, null);
  });
});
