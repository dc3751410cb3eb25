import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { extraGateways } from '../support/extra-gateway';
import { postJson } from '../support/http';
import { freePort, testAdminToken, testStack } from '../support/test-stack';

/** Unsigned requests: the limit comes before the signature check, so each one counts and gets a 401. */
async function burst(url: string, endpoint: string, count: number, headers: Record<string, string> = {}) {
  return Promise.all(Array.from({ length: count }, () => postJson(`${url}/api/webhooks/${endpoint}`, '{}', headers)));
}

const statuses = (responses: { status: number }[]) =>
  responses.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

describe('rate limits per client address on every route', function () {
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

  it('lets requests through when Redis is down, and counts the failure, rather than losing them', async () => {
    const g = await start({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, RATE_LIMIT_STITCH_COMPLETE: '1', RATE_LIMIT_HEALTH: '1' });
    assert.deepEqual(statuses(await burst(g.url, 'stitch-complete', 3)), { 401: 3 });
    const health = await Promise.all([1, 2, 3].map(() => fetch(`${g.url}/health`)));
    assert.deepEqual(statuses(health), { 200: 3 });
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    assert.match(metrics, /reelay_rate_limiter_errors_total [1-9]/);
  });

  it('limits /metrics, the health GETs, the project API, the admin API, the console and sign-in, each per address', async () => {
    const limits = ['METRICS', 'HEALTH', 'PROJECTS', 'ADMIN', 'CONSOLE', 'SIGN_IN', 'OTHER'];
    const url = await gateway({ REDIS_URL: '', ...Object.fromEntries(limits.map((name) => [`RATE_LIMIT_${name}`, '2'])) });
    const bearer = { authorization: `Bearer ${testAdminToken}` };
    const signIn = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: testAdminToken }) };
    const groups: [string, [string, RequestInit?][]][] = [
      ['metrics', [['/metrics']]],
      ['health', [['/health'], ['/api/webhooks/video-complete']]],
      ['projects', [['/api/v1/projects/nope'], ['/api/v1/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }]]],
      ['admin', [['/api/v1/errors', { headers: bearer }], ['/api/v1/webhooks/events', { headers: bearer }]]],
      ['console', [['/console'], ['/console/assets/app.css']]],
      ['sign-in', [['/console/session', signIn]]],
      ['other', [['/openapi.json'], ['/no-such-path']]],
    ];
    for (const [group, requests] of groups) {
      const answers = [];
      for (let i = 0; i < 2; i++) {
        const [path, init] = requests[i % requests.length];
        const answer = await fetch(`${url}${path}`, init);
        // Read every body: one left unread (/openapi.json is larger than a socket's buffers) keeps its
        // connection busy, and the gateway could not close after the test.
        await answer.arrayBuffer();
        answers.push(answer);
      }
      assert.ok(answers.every((a) => a.status !== 429), `${group}: ${answers.map((a) => a.status).join(',')}`);
      const [path, init] = requests[requests.length - 1];
      const limited = await fetch(`${url}${path}`, init);
      assert.equal(limited.status, 429, `${group}: the third request from one address`);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1, group);
      assert.equal(((await limited.json()) as { code: string }).code, 'rate_limited');
    }
    // Each group has its own budget: the webhooks' own limit is untouched by all of the above.
    assert.equal((await postJson(`${url}/api/webhooks/video-complete`, '{}')).status, 401);
  });

  it('counts IPv6 clients by their /64: two addresses of one network share a bucket, the next network has its own', async () => {
    const url = await gateway({ REDIS_URL: '', TRUST_PROXY: 'true', RATE_LIMIT_METRICS: '2' });
    const from = (address: string) => fetch(`${url}/metrics`, { headers: { 'x-forwarded-for': address } });
    assert.equal((await from('2001:db8:1:2::1')).status, 200);
    assert.equal((await from('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).status, 200);
    assert.equal((await from('2001:db8:1:2::ffff')).status, 429, 'same /64');
    assert.equal((await from('2001:db8:1:3::1')).status, 200, 'another /64');
    assert.equal((await from('198.51.100.1')).status, 200);
  });

  it('throttles wrong admin tokens per address, bearer and sign-in alike, and counts the burst', async () => {
    const g = await start({ REDIS_URL: '', TRUST_PROXY: 'true', RATE_LIMIT_AUTH_FAILURES: '3' });
    const bearer = (token: string, address: string) =>
      fetch(`${g.url}/api/v1/errors`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': address } });
    const signIn = (token: string, address: string) =>
      fetch(`${g.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': address }, body: JSON.stringify({ token }) });
    const wrong = 'x'.repeat(40);

    assert.deepEqual(statuses([await bearer(wrong, '203.0.113.5'), await bearer(wrong, '203.0.113.5'), await signIn(wrong, '203.0.113.5')]), { 401: 3 });
    const refused = await bearer(testAdminToken, '203.0.113.5');
    assert.equal(refused.status, 429, 'past the limit even the right token waits');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal((await signIn(testAdminToken, '203.0.113.5')).status, 429);
    // Another address is not held back by the first one's guessing.
    assert.equal((await bearer(testAdminToken, '203.0.113.6')).status, 200);
    assert.equal((await signIn(testAdminToken, '203.0.113.6')).status, 200);

    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    assert.match(metrics, /reelay_auth_failures_total\{route="bearer"\} 2/);
    assert.match(metrics, /reelay_auth_failures_total\{route="sign_in"\} 1/);
    assert.match(metrics, /reelay_auth_failure_bursts_total 1/);
  });

  it('writes one error-log row, with a count, for 100 unsigned webhooks from one address', async () => {
    const g = await start({ TRUST_PROXY: 'true' });
    const address = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const answers = await burst(g.url, 'video-complete', 100, { 'x-forwarded-for': address });
    assert.deepEqual(statuses(answers), { 401: 100 });
    const rows = async () =>
      stack.prisma.errorLog.findMany({ where: { code: 'invalid_signature', context: { path: ['ip'], equals: address } } });
    // At once: the first refusal is in the error log, as the guide says.
    assert.equal((await rows()).length, 1);
    await g.gateway.close(); // writes the last count (a running gateway does within seconds)
    const [row] = await rows();
    assert.equal((row.context as { count: number }).count, 100);
    assert.match(row.message, /^video-complete: Missing signature.*\(100 times from this address within 60s\)$/);
    const metrics = await g.gateway.metrics.registry.getSingleMetricAsString('reelay_webhook_requests_total');
    assert.match(metrics, /endpoint="video-complete",outcome="invalid_signature"\} 100/);
  });

  it('can be switched off', async () => {
    const url = await gateway({ REDIS_URL: '', RATE_LIMIT_ENABLED: 'false' });
    const responses = await burst(url, 'stitch-complete', 60);
    assert.deepEqual(statuses(responses), { 401: 60 });
    assert.equal(responses[0].headers.get('ratelimit-limit'), null);
  });
});
