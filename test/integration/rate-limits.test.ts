import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { extraGateways } from '../support/extra-gateway';
import { postJson } from '../support/http';
import { freePort, testStack } from '../support/test-stack';

/** Unsigned requests: the limit comes before the signature check, so each one counts and gets a 401. */
async function burst(url: string, endpoint: string, count: number, headers: Record<string, string> = {}) {
  return Promise.all(Array.from({ length: count }, () => postJson(`${url}/api/webhooks/${endpoint}`, '{}', headers)));
}

const statuses = (responses: { status: number }[]) =>
  responses.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

describe('rate limits per client IP on the webhook endpoints', function () {
  this.timeout(60_000);
  let stack: Stack;
  const start = extraGateways(() => stack);
  const gateway = async (env: Record<string, string | undefined>, prefix?: string) =>
    (await start(env, prefix ? { rateLimitKeyPrefix: prefix } : {})).url;

  before(async () => {
    stack = await testStack();
  });

  it('lets 100 requests a minute through to video-complete and refuses the 101st with 429 and Retry-After', async () => {
    const url = await gateway({ REDIS_URL: '' });
    const first = await burst(url, 'video-complete', 100);
    assert.deepEqual(statuses(first), { 401: 100 });
    const limited = await postJson(`${url}/api/webhooks/video-complete`, '{}');
    assert.equal(limited.status, 429);
    // The services' guide's body, with the machine-readable code beside it.
    assert.equal(limited.body.error, 'Rate limit exceeded');
    assert.equal(limited.body.code, 'rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(limited.headers.get('ratelimit-limit'), '100');
    assert.equal(limited.headers.get('ratelimit-remaining'), '0');
    assert.equal(limited.headers.get('ratelimit-policy'), '100;w=60');
    assert.ok(Number(limited.headers.get('ratelimit-reset')) >= 1);
    // Limits are per endpoint: last-frame-complete still has its own 100.
    assert.equal((await postJson(`${url}/api/webhooks/last-frame-complete`, '{}')).status, 401);
  });

  it('allows 50 a minute on stitch-complete, and tells the client how many remain', async () => {
    const url = await gateway({ REDIS_URL: '' });
    const first = await postJson(`${url}/api/webhooks/stitch-complete`, '{}');
    assert.equal(first.headers.get('ratelimit-limit'), '50');
    assert.equal(first.headers.get('ratelimit-remaining'), '49');
    await burst(url, 'stitch-complete', 49);
    assert.equal((await postJson(`${url}/api/webhooks/stitch-complete`, '{}')).status, 429);
  });

  it('slides the window: a slot frees as soon as the oldest request leaves the window', async () => {
    // A 4 s window; each step is timed from what the client saw, with seconds of margin either side.
    const windowMs = 4_000;
    const url = await gateway({ REDIS_URL: '', RATE_LIMIT_WINDOW_MS: String(windowMs), RATE_LIMIT_STITCH_COMPLETE: '3' });
    const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
    await burst(url, 'stitch-complete', 2);
    const firstTwoAnswered = Date.now(); // the limiter counted them before this
    await sleepUntil(firstTwoAnswered + windowMs / 2);
    const thirdSent = Date.now(); // and counts the third after this
    await burst(url, 'stitch-complete', 1);
    assert.equal((await postJson(`${url}/api/webhooks/stitch-complete`, '{}')).status, 429);
    assert.ok(Date.now() < firstTwoAnswered + windowMs, 'the 429 came while the first two were still in the window');
    // Once the first two have left the window, but not the third: two slots are free again, not three.
    await sleepUntil(firstTwoAnswered + windowMs + 300);
    assert.deepEqual(statuses(await burst(url, 'stitch-complete', 3)), { 401: 2, 429: 1 });
    assert.ok(Date.now() < thirdSent + windowMs, 'the burst came while the third was still in the window');
  });

  it('shares one limit between gateway replicas through Redis', async () => {
    const prefix = `shared-${Date.now()}`;
    const a = await gateway({ RATE_LIMIT_STITCH_COMPLETE: '10' }, prefix);
    const b = await gateway({ RATE_LIMIT_STITCH_COMPLETE: '10' }, prefix);
    assert.ok(stack.config.redisUrl, 'the test stack has a Redis');
    assert.deepEqual(statuses(await burst(a, 'stitch-complete', 6)), { 401: 6 });
    assert.deepEqual(statuses(await burst(b, 'stitch-complete', 4)), { 401: 4 });
    assert.equal((await postJson(`${a}/api/webhooks/stitch-complete`, '{}')).status, 429);
    assert.equal((await postJson(`${b}/api/webhooks/stitch-complete`, '{}')).status, 429);
  });

  it('ignores X-Forwarded-For unless told to trust a proxy', async () => {
    const direct = await gateway({ REDIS_URL: '', RATE_LIMIT_STITCH_COMPLETE: '2' });
    await burst(direct, 'stitch-complete', 2, { 'x-forwarded-for': '203.0.113.1' });
    const spoofed = await postJson(`${direct}/api/webhooks/stitch-complete`, '{}', { 'x-forwarded-for': '203.0.113.99' });
    assert.equal(spoofed.status, 429, 'a forged header does not buy a new bucket');

    const proxied = await gateway({ REDIS_URL: '', RATE_LIMIT_STITCH_COMPLETE: '2', TRUST_PROXY: 'true' });
    await burst(proxied, 'stitch-complete', 2, { 'x-forwarded-for': '203.0.113.1' });
    assert.equal((await postJson(`${proxied}/api/webhooks/stitch-complete`, '{}', { 'x-forwarded-for': '203.0.113.1' })).status, 429);
    // Behind a trusted proxy the client is the address the proxy appended (the last one).
    const other = await postJson(`${proxied}/api/webhooks/stitch-complete`, '{}', { 'x-forwarded-for': '203.0.113.1, 198.51.100.7' });
    assert.equal(other.status, 401);
  });

  it('lets webhooks through when Redis is down, and counts the failure, rather than losing them', async () => {
    const g = await start({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, RATE_LIMIT_STITCH_COMPLETE: '1' });
    assert.deepEqual(statuses(await burst(g.url, 'stitch-complete', 3)), { 401: 3 });
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    assert.match(metrics, /reelay_rate_limiter_errors_total [1-9]/);
  });

  it('can be switched off', async () => {
    const url = await gateway({ REDIS_URL: '', RATE_LIMIT_ENABLED: 'false' });
    const responses = await burst(url, 'stitch-complete', 60);
    assert.deepEqual(statuses(responses), { 401: 60 });
    assert.equal(responses[0].headers.get('ratelimit-limit'), null);
  });
});
