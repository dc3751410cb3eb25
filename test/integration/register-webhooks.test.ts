import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Stack } from '../../src/dev/start-stack';
import { testEnv, testSecrets, testStack } from '../support/test-stack';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');

describe('npm run register-webhooks', function () {
  this.timeout(60_000);
  let stack: Stack;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    stack = await testStack();
    const simulator = stack.simulator!.url;
    env = {
      ...process.env,
      ...testEnv({
        NEXT_PUBLIC_APP_URL: 'https://reelay.example.com',
        VIDEO_GENERATION_SERVICE: simulator,
        LAST_FRAME_SERVICE_URL: simulator,
        STITCH_SERVICE_URL: simulator,
        VIDEO_GENERATION_API_KEY: 'video-key',
      }),
    };
  });

  const registerWebhooks = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli/register-webhooks.ts', ...args], { cwd: root, env });

  it('prints what it would send with --dry-run, secrets masked, and sends nothing', async () => {
    const before = stack.simulator!.registrations.length;
    const { stdout } = await registerWebhooks('--dry-run');
    const plan = JSON.parse(stdout);
    assert.deepEqual(
      plan.map((r: any) => [r.service, r.body.url, r.body.events]),
      [
        ['video', 'https://reelay.example.com/api/webhooks/video-complete', ['task.completed', 'task.failed']],
        ['lastFrame', 'https://reelay.example.com/api/webhooks/last-frame-complete', ['extraction.completed', 'extraction.failed']],
        ['stitch', 'https://reelay.example.com/api/webhooks/stitch-complete', ['task.completed', 'task.failed']],
      ],
    );
    assert.ok(!stdout.includes(testSecrets['video-complete']), 'the secret is masked');
    assert.equal(stack.simulator!.registrations.length, before);
  });

  it('registers each webhook once, with the bearer key and the signing secret, however often it runs', async () => {
    await registerWebhooks();
    const mine = () => stack.simulator!.registrations.filter((r) => r.url.startsWith('https://reelay.example.com/'));
    assert.equal(mine().length, 3);
    assert.equal(mine().find((r) => r.url.endsWith('/video-complete'))!.authorization, 'Bearer video-key');
    const { stdout } = await registerWebhooks();
    assert.equal(mine().length, 3, 'running again registers nothing new');
    assert.match(stdout, /already_registered/);
  });

  it('refuses to register generated secrets', async () => {
    const withoutSecret = { ...env, STITCH_WEBHOOK_SECRET: '' };
    await assert.rejects(
      run(process.execPath, ['--import', 'tsx', 'src/cli/register-webhooks.ts'], { cwd: root, env: withoutSecret }),
      (err: any) => /STITCH_WEBHOOK_SECRET is not set/.test(err.stderr),
    );
  });
});
