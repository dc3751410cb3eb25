import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, defaultWebhookLogFile } from '../../src/platform/config';
import { loadConfig } from '../../src/platform/load-config';
import { devDebug, devFlag, runMode } from '../../src/dev/run-mode';

const root = path.resolve(__dirname, '..', '..');

describe('the webhook access log and debug settings', () => {
  it('writes logs/webhooks.log in the project root under npm start and npm run dev, whatever the working directory', () => {
    assert.equal(defaultWebhookLogFile, path.join(root, 'logs', 'webhooks.log'));
    assert.deepEqual(loadConfig({}, 'stack').webhookLog, { file: defaultWebhookLogFile, maxBytes: 10 * 1024 * 1024, files: 5 });
  });

  it('is off for a lone gateway unless WEBHOOK_LOG says where', () => {
    const secret = 's'.repeat(32);
    const gateway = {
      DATABASE_URL: 'postgresql://localhost/x',
      TEMPORAL_ADDRESS: 'localhost:7233',
      VIDEO_WEBHOOK_SECRET: secret,
      LAST_FRAME_WEBHOOK_SECRET: secret,
      STITCH_WEBHOOK_SECRET: secret,
      ADMIN_API_TOKEN: secret,
    };
    assert.equal(loadConfig(gateway, 'gateway').webhookLog.file, undefined);
    assert.equal(loadConfig({ ...gateway, WEBHOOK_LOG: 'on' }, 'gateway').webhookLog.file, defaultWebhookLogFile);
    assert.equal(loadConfig({ ...gateway, WEBHOOK_LOG: 'var/hooks.log' }, 'gateway').webhookLog.file, path.resolve('var/hooks.log'));
  });

  it('takes WEBHOOK_LOG=off, a path, a size and a number of rotated files', () => {
    assert.equal(loadConfig({ WEBHOOK_LOG: 'off' }, 'stack').webhookLog.file, undefined);
    assert.equal(loadConfig({ WEBHOOK_LOG: 'false' }, 'stack').webhookLog.file, undefined);
    assert.equal(loadConfig({ WEBHOOK_LOG: '' }, 'stack').webhookLog.file, defaultWebhookLogFile, 'empty, as in .env, is unset');
    assert.deepEqual(loadConfig({ WEBHOOK_LOG: '/tmp/w.log', WEBHOOK_LOG_MAX_BYTES: '4096', WEBHOOK_LOG_FILES: '2' }, 'stack').webhookLog, {
      file: '/tmp/w.log',
      maxBytes: 4096,
      files: 2,
    });
    assert.throws(() => loadConfig({ WEBHOOK_LOG_MAX_BYTES: '0' }, 'stack'), /WEBHOOK_LOG_MAX_BYTES/);
    assert.throws(() => loadConfig({ WEBHOOK_LOG_FILES: 'many' }, 'stack'), /WEBHOOK_LOG_FILES/);
  });

  it('keeps LOG_FILE for every log line, in logs/reelay.log for `true`, and never in the access log', () => {
    assert.equal(loadConfig({ LOG_FILE: 'true' }, 'stack').logFile, 'logs/reelay.log');
    assert.equal(loadConfig({ LOG_FILE: '/var/log/reelay.log' }, 'stack').logFile, '/var/log/reelay.log');
    assert.throws(() => loadConfig({ LOG_FILE: defaultWebhookLogFile }, 'stack'), (err: unknown) => err instanceof ConfigError && /LOG_FILE/.test(err.message));
  });

  it('npm run dev is npm start with --dev: readable console, every line on it, DEBUG=webhooks:* unless DEBUG is set', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(scripts.dev, `${scripts.start} ${devFlag}`);
    assert.equal(devDebug, 'webhooks:*');
    assert.deepEqual(runMode([devFlag], undefined), { dev: true, debug: 'webhooks:*', consoleLevel: 'trace', pretty: true });
    assert.deepEqual(runMode([devFlag], 'webhooks:*,-webhooks:x'), { dev: true, debug: 'webhooks:*,-webhooks:x', consoleLevel: 'trace', pretty: true });
    assert.deepEqual(runMode([], undefined), { dev: false, debug: undefined, consoleLevel: 'warn', pretty: false });
    assert.deepEqual(runMode([], 'webhooks:*'), { dev: false, debug: 'webhooks:*', consoleLevel: 'warn', pretty: false });
  });
});
