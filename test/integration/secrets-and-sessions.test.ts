import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Stack } from '../../src/dev/start-stack';
import { createLogger } from '../../src/platform/logger';
import { createErrorLog } from '../../src/storage/error-log';
import { signInToConsole } from '../support/console-session';
import { extraGateways } from '../support/extra-gateway';
import { uniqueId } from '../support/http';
import { freePort, testAdminToken, testSecrets, testStack } from '../support/test-stack';

const root = path.resolve(__dirname, '..', '..');

/**
 * Runs `npm run gateway`'s entry point (src/cli/gateway.ts) with exactly `env` (no .env file: it runs in
 * an empty folder), until it exits or prints `until`; then stops it. In a process group of its own, so
 * stopping it stops the node process tsx starts too.
 */
function runGateway(env: NodeJS.ProcessEnv, until?: RegExp): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    void mkdtemp(path.join(os.tmpdir(), 'reelay-gateway-cwd-')).then((cwd) => {
      const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'src', 'cli', 'gateway.ts')], {
        cwd,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const stop = (signal: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // already gone
        }
      };
      let output = '';
      const timer = setTimeout(() => stop('SIGKILL'), 45_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (until?.test(output)) stop('SIGTERM');
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        void rm(cwd, { recursive: true, force: true }).then(() => resolve({ code, output }));
      });
    });
  });
}

describe('secrets and sessions', function () {
  this.timeout(60_000);
  let stack: Stack;
  const gateway = extraGateways(() => stack);

  before(async () => {
    stack = await testStack();
  });

  describe('npm run gateway', () => {
    // A free port each time: were the refusal to regress, the gateway would listen rather than exit.
    const infrastructure = async () => ({ DATABASE_URL: stack.databaseUrl, TEMPORAL_ADDRESS: stack.temporalAddress, LOG_LEVEL: 'info', PORT: String(await freePort()) });
    const secrets = {
      VIDEO_WEBHOOK_SECRET: testSecrets['video-complete'],
      LAST_FRAME_WEBHOOK_SECRET: testSecrets['last-frame-complete'],
      STITCH_WEBHOOK_SECRET: testSecrets['stitch-complete'],
    };

    it('refuses to start without webhook secrets and admin token, in development too, and makes none up', async () => {
      const { code, output } = await runGateway({ ...(await infrastructure()), NODE_ENV: 'development' }, /Gateway listening/);
      assert.equal(code, 1, output);
      for (const name of ['VIDEO_WEBHOOK_SECRET', 'LAST_FRAME_WEBHOOK_SECRET', 'STITCH_WEBHOOK_SECRET', 'ADMIN_API_TOKEN']) {
        assert.match(output, new RegExp(`${name}: required by the gateway`), output);
      }
      assert.doesNotMatch(output, /Generated secrets|[0-9a-f]{64}/);
    });

    it('refuses an admin token shorter than 32 characters, and starts with the secrets configured', async () => {
      const short = await runGateway({ ...(await infrastructure()), ...secrets, ADMIN_API_TOKEN: 'only-twenty-chars-xx' }, /Gateway listening/);
      assert.equal(short.code, 1, short.output);
      assert.match(short.output, /ADMIN_API_TOKEN: must be at least 32 characters/);

      const started = await runGateway({ ...(await infrastructure()), ...secrets, ADMIN_API_TOKEN: testAdminToken }, /Gateway listening/);
      assert.match(started.output, /Gateway listening/, started.output);
    });
  });

  describe('credentials in text', () => {
    it('scrubs a URL with user:password@ or ?api_key= from log messages and error-log messages', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'reelay-log-'));
      try {
        const file = path.join(dir, 'reelay.log');
        const logger = createLogger({ level: 'info', file, consoleLevel: 'silent' });
        logger.warn('Calling https://reelay:hunter2@video.internal/api/tasks failed');
        logger.error({ err: new Error('connect to redis://default:s3cret@cache:6379 refused'), url: 'https://x/cb?api_key=k3y' }, 'Service at %s', 'https://u:p4ss@h');
        logger.flush();
        await new Promise((r) => setTimeout(r, 200));
        const lines = await readFile(file, 'utf8');
        for (const secret of ['hunter2', 's3cret', 'k3y', 'p4ss']) assert.ok(!lines.includes(secret), `${secret} in ${lines}`);
        assert.match(lines, /Calling https:\/\/\[redacted\]@video\.internal\/api\/tasks failed/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }

      const code = uniqueId('leak');
      await createErrorLog(stack.prisma).addGlobalError({
        type: 'activity',
        code,
        severity: 'error',
        message: 'POST https://reelay:hunter2@video.internal/api/tasks?api_key=k3y answered 503',
      });
      const listed = await fetch(`${stack.gatewayUrl}/api/v1/errors?code=${code}`, { headers: { authorization: `Bearer ${testAdminToken}` } });
      const { data } = (await listed.json()) as { data: { message: string }[] };
      assert.equal(data[0].message, 'POST https://[redacted]@video.internal/api/tasks?api_key=[redacted] answered 503');
    });
  });

  describe('the console behind a TLS-terminating proxy (TRUST_PROXY=true)', () => {
    it('sets a Secure __Host- cookie, sends HSTS, and accepts writes from its https:// origin', async () => {
      const { url } = await gateway({ TRUST_PROXY: 'true', REDIS_URL: '' });
      const host = new URL(url).host;
      const overHttps = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.20' };
      const signIn = await fetch(`${url}/console/session`, {
        method: 'POST',
        headers: { ...overHttps, 'content-type': 'application/json' },
        body: JSON.stringify({ token: testAdminToken }),
      });
      assert.equal(signIn.status, 200);
      assert.match(signIn.headers.get('strict-transport-security') ?? '', /max-age=\d{7,}/);
      const setCookie = signIn.headers.getSetCookie();
      assert.ok(setCookie.length >= 1 && setCookie.every((c) => c.startsWith('__Host-reelay_console') && /;\s*secure/i.test(c) && /path=\//i.test(c)), setCookie.join(' | '));
      assert.ok(setCookie.every((c) => !/domain=/i.test(c)));
      const cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
      const { csrf_token: csrf } = (await signIn.json()) as { csrf_token: string };

      // A console write (cancelling a film) from the page's own https:// origin passes the origin and CSRF checks.
      const write = (origin: string) =>
        fetch(`${url}/api/v1/projects/${uniqueId('none')}/cancel`, {
          method: 'POST',
          headers: { ...overHttps, cookie, origin, 'x-csrf-token': csrf, 'content-type': 'application/json' },
          body: '{}',
        });
      const accepted = await write(`https://${host}`);
      assert.equal(accepted.status, 404, await accepted.clone().text()); // no such film: the request itself was let in
      assert.equal(((await accepted.json()) as { code: string }).code, 'project_not_found');
      assert.equal((await write(`http://${host}`)).status, 403, 'the plain-http origin is another origin');

      // Over plain http the __Host- cookie is not the session (a plain-http page cannot use it).
      assert.equal((await fetch(`${url}/console/session`, { headers: { cookie } })).status, 401);
      assert.equal((await fetch(`${url}/console/session`, { headers: { cookie, ...overHttps } })).status, 200);
      assert.equal((await fetch(`${url}/health`)).headers.get('strict-transport-security'), null, 'no HSTS over plain http');
    });
  });

  describe('signing out', () => {
    it('revokes the session on the server: a copy of the cookie stops working', async () => {
      const session = await signInToConsole(stack.gatewayUrl);
      const copy = session.cookie;
      assert.equal((await fetch(`${stack.gatewayUrl}/api/v1/projects`, { headers: { cookie: copy } })).status, 200);
      const signOut = await fetch(`${stack.gatewayUrl}/console/session`, { method: 'DELETE', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
      assert.equal(signOut.status, 204);
      // The browser's cookie is cleared, but a copy taken before sign-out is refused too, on every route.
      assert.equal((await fetch(`${stack.gatewayUrl}/api/v1/projects`, { headers: { cookie: copy } })).status, 401);
      assert.equal((await fetch(`${stack.gatewayUrl}/console/session`, { headers: { cookie: copy } })).status, 401);
      assert.equal((await fetch(`${stack.gatewayUrl}/console/live/films`, { headers: { cookie: copy } })).status, 401);
    });

    it('keeps sessions across gateway replicas until one of them signs out', async () => {
      const other = await gateway({});
      const session = await signInToConsole(stack.gatewayUrl);
      assert.equal((await fetch(`${other.url}/api/v1/projects`, { headers: { cookie: session.cookie } })).status, 200);
      await fetch(`${other.url}/console/session`, { method: 'DELETE', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
      assert.equal((await fetch(`${stack.gatewayUrl}/api/v1/projects`, { headers: { cookie: session.cookie } })).status, 401);
    });
  });
});
