import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../src/platform/config';
import { loadConfig } from '../../src/platform/load-config';
import { envNames } from '../../src/platform/env-schema';
import { replicaVariables } from '../../src/dev/cluster/replica-variables';

const root = path.resolve(__dirname, '..', '..');

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults for a development stack', () => {
    const config = loadConfig({}, 'stack');
    assert.equal(config.port, 3000);
    assert.equal(config.temporal.namespace, 'default');
    assert.equal(config.temporal.taskQueue, 'reelay-projects');
    assert.deepEqual(config.services, {});
  });

  it('keeps npm start’s media in a local folder unless ASSET_STORE says otherwise; other commands keep none', () => {
    const npmStart = { assetStore: 'local' } as const;
    assert.equal(loadConfig({}, 'stack', npmStart).media.store.kind, 'local');
    assert.equal(loadConfig({ ASSET_STORE: '' }, 'stack', npmStart).media.store.kind, 'local', 'as .env.example leaves it');
    assert.equal(loadConfig({ ASSET_STORE: 'none' }, 'stack', npmStart).media.store.kind, 'none');
    // The test stack, the cluster and a bare worker or gateway: no copies, today's path untouched.
    assert.equal(loadConfig({}, 'stack').media.store.kind, 'none');
    assert.deepEqual(problemsOf(() => loadConfig({ ASSET_STORE: 'ftp' }, 'stack')).map((p) => p.split(':')[0]), ['ASSET_STORE']);
  });

  it('signs asset links with ASSET_LINK_SECRET: required of every gateway and worker with a store, made up only by npm start', () => {
    const secret = 'asset-link-secret-0123456789abcdef';
    assert.deepEqual(loadConfig({ ASSET_STORE: 'local', ASSET_LINK_SECRET: `${secret},older-secret-0123456789` }, 'stack').media.linkSecrets, [secret, 'older-secret-0123456789']);
    const npmStart = loadConfig({}, 'stack', { assetStore: 'local' });
    assert.match(npmStart.media.linkSecrets[0], /^[0-9a-f]{64}$/);
    assert.equal(npmStart.generated.ASSET_LINK_SECRET, npmStart.media.linkSecrets[0], 'announced with the other made-up secrets');
    assert.deepEqual(loadConfig({}, 'stack').media.linkSecrets, [], 'no store, nothing to sign');
    for (const role of ['gateway', 'worker'] as const) {
      const problems = problemsOf(() => loadConfig({ ASSET_STORE: 'local' }, role));
      assert.ok(problems.some((p) => p.startsWith('ASSET_LINK_SECRET: required with ASSET_STORE=local')), `${role}: ${problems.join('; ')}`);
    }
    assert.ok(problemsOf(() => loadConfig({ NODE_ENV: 'production', ASSET_STORE: 's3', S3_BUCKET: 'films' }, 'stack')).some((p) => p.startsWith('ASSET_LINK_SECRET')));
    assert.ok(problemsOf(() => loadConfig({ ASSET_STORE: 'local', ASSET_LINK_SECRET: 'short' }, 'stack')).some((p) => p.startsWith('ASSET_LINK_SECRET')), 'too short');
  });

  it('generates a strong secret per webhook in development, and says which', () => {
    const config = loadConfig({ VIDEO_WEBHOOK_SECRET: 'configured-secret-value-123' }, 'stack');
    assert.deepEqual(config.webhookSecrets['video-complete'], ['configured-secret-value-123']);
    assert.deepEqual(Object.keys(config.generated), ['LAST_FRAME_WEBHOOK_SECRET', 'STITCH_WEBHOOK_SECRET', 'ADMIN_API_TOKEN']);
    assert.match(config.webhookSecrets['stitch-complete'][0], /^[0-9a-f]{64}$/);
  });

  it('reads comma-separated secrets as the list of active secrets', () => {
    const config = loadConfig({ STITCH_WEBHOOK_SECRET: 'old-secret-0123456789, new-secret-0123456789' }, 'stack');
    assert.deepEqual(config.webhookSecrets['stitch-complete'], ['old-secret-0123456789', 'new-secret-0123456789']);
  });

  it('stops a gateway that has no secrets, whatever NODE_ENV, naming each missing variable', () => {
    for (const NODE_ENV of [undefined, 'development', 'test', 'production']) {
      const problems = problemsOf(() => loadConfig({ NODE_ENV, DATABASE_URL: 'postgresql://h/db', TEMPORAL_ADDRESS: 't:7233' }, 'gateway'));
      assert.deepEqual(problems, [
        'VIDEO_WEBHOOK_SECRET: required by the gateway (the video-complete webhook cannot be verified)',
        'LAST_FRAME_WEBHOOK_SECRET: required by the gateway (the last-frame-complete webhook cannot be verified)',
        'STITCH_WEBHOOK_SECRET: required by the gateway (the stitch-complete webhook cannot be verified)',
        'ADMIN_API_TOKEN: required by the gateway (it guards the admin API, the console, the event store and error log)',
      ], String(NODE_ENV));
    }
  });

  it('never makes secrets up for a worker, which verifies no webhook and serves no admin API', () => {
    const config = loadConfig(
      { DATABASE_URL: 'postgresql://h/db', TEMPORAL_ADDRESS: 't:7233', VIDEO_GENERATION_SERVICE: 'https://v', LAST_FRAME_SERVICE_URL: 'https://l', STITCH_SERVICE_URL: 'https://s' },
      'worker',
    );
    assert.deepEqual(config.generated, {});
    assert.equal(config.adminToken, undefined);
    assert.deepEqual(config.webhookSecrets['video-complete'], []);
  });

  it('npm run cluster makes secrets up once, in its parent, and gives every replica the same ones', () => {
    const parent = loadConfig({}, 'stack');
    const replica = () => loadConfig({ ...replicaVariables(parent), DATABASE_URL: 'postgresql://h/db', TEMPORAL_ADDRESS: 't:7233' }, 'gateway');
    const [first, second] = [replica(), replica()];
    for (const gateway of [first, second]) {
      assert.deepEqual(gateway.generated, {}, 'a replica makes nothing up');
      assert.deepEqual(gateway.webhookSecrets, parent.webhookSecrets);
      assert.equal(gateway.adminToken, parent.adminToken);
    }
  });

  it('npm run cluster with a store gives every gateway and worker the one asset-link secret it made up', () => {
    const store = { ASSET_STORE: 's3', S3_BUCKET: 'films' };
    const parent = loadConfig(store, 'stack');
    for (const role of ['gateway', 'worker'] as const) {
      const replica = loadConfig({ ...store, ...replicaVariables(parent), DATABASE_URL: 'postgresql://h/db', TEMPORAL_ADDRESS: 't:7233', VIDEO_GENERATION_SERVICE: 'http://127.0.0.1:1', LAST_FRAME_SERVICE_URL: 'http://127.0.0.1:1', STITCH_SERVICE_URL: 'http://127.0.0.1:1' }, role);
      assert.deepEqual(replica.media.linkSecrets, parent.media.linkSecrets, role);
    }
  });

  it('stops the whole stack in production without its secrets', () => {
    const problems = problemsOf(() => loadConfig({ NODE_ENV: 'production', NEXT_PUBLIC_APP_URL: 'https://reelay.example.com' }, 'stack'));
    assert.equal(problems.length, 4);
    assert.ok(problems.every((p) => p.includes('required in production')), problems.join('\n'));
  });

  it('refuses an admin token shorter than 32 characters', () => {
    const [problem] = problemsOf(() => loadConfig({ ADMIN_API_TOKEN: 'a'.repeat(31) }, 'stack'));
    assert.match(problem, /^ADMIN_API_TOKEN: must be at least 32 characters/);
    assert.equal(loadConfig({ ADMIN_API_TOKEN: 'a'.repeat(32) }, 'stack').adminToken, 'a'.repeat(32));
  });

  it('refuses plain http service URLs in production, naming each variable; development may use them', () => {
    const worker = {
      DATABASE_URL: 'postgresql://h/db',
      TEMPORAL_ADDRESS: 't:7233',
      NEXT_PUBLIC_APP_URL: 'https://reelay.example.com',
      VIDEO_GENERATION_SERVICE: 'http://video.internal:8080',
      LAST_FRAME_SERVICE_URL: 'https://frames.example.com',
      STITCH_SERVICE_URL: 'https://stitch.example.com',
      NOTIFICATION_SERVICE_URL: 'HTTP://notify.internal',
    };
    assert.deepEqual(problemsOf(() => loadConfig({ ...worker, NODE_ENV: 'production' }, 'worker')), [
      'VIDEO_GENERATION_SERVICE: must be an https:// URL in production (over plain http the API key travels in clear and an answer can be forged on the way)',
      'NOTIFICATION_SERVICE_URL: must be an https:// URL in production (over plain http the API key travels in clear and an answer can be forged on the way)',
    ]);
    assert.equal(loadConfig(worker, 'worker').services.video?.url, 'http://video.internal:8080');
  });

  it('accepts plain http to this machine itself in production (nothing on the way): localhost, 127.0.0.1, [::1]', () => {
    const local = ['http://localhost:8080', 'http://127.0.0.1:9000/api', 'http://[::1]:7000'];
    const config = loadConfig(
      {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgresql://h/db',
        TEMPORAL_ADDRESS: 't:7233',
        NEXT_PUBLIC_APP_URL: 'https://reelay.example.com',
        VIDEO_GENERATION_SERVICE: local[0],
        LAST_FRAME_SERVICE_URL: local[1],
        STITCH_SERVICE_URL: local[2],
        NOTIFICATION_SERVICE_URL: 'https://notify.example.com',
      },
      'worker',
    );
    assert.equal(config.services.video?.url, local[0]);
    // A name that only starts like a loopback one is elsewhere.
    assert.deepEqual(
      problemsOf(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://h/db', TEMPORAL_ADDRESS: 't:7233', NEXT_PUBLIC_APP_URL: 'https://r.example.com', VIDEO_GENERATION_SERVICE: 'http://localhost.evil.example', LAST_FRAME_SERVICE_URL: local[1], STITCH_SERVICE_URL: local[2], NOTIFICATION_SERVICE_URL: 'http://127.0.0.1.nip.io' }, 'worker')),
      [
        'VIDEO_GENERATION_SERVICE: must be an https:// URL in production (over plain http the API key travels in clear and an answer can be forged on the way)',
        'NOTIFICATION_SERVICE_URL: must be an https:// URL in production (over plain http the API key travels in clear and an answer can be forged on the way)',
      ],
    );
  });

  it('reports every problem at once: bad formats and missing requirements together', () => {
    const problems = problemsOf(() =>
      loadConfig({ PORT: 'eighty', VIDEO_GENERATION_SERVICE: 'not a url', VIDEO_WEBHOOK_SECRET: 'short' }, 'worker'),
    );
    assert.ok(problems.some((p) => p.startsWith('PORT:')));
    assert.ok(problems.some((p) => p.startsWith('VIDEO_GENERATION_SERVICE: must be an http(s) URL')));
    assert.ok(problems.some((p) => p.startsWith('VIDEO_WEBHOOK_SECRET:') && p.includes('16 characters')));
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'LAST_FRAME_SERVICE_URL', 'STITCH_SERVICE_URL']) {
      assert.ok(problems.includes(`${name}: required by the worker`), name);
    }
  });

  it('treats empty variables as unset, as .env files write them', () => {
    const config = loadConfig({ DATABASE_URL: '', NOTIFICATION_SERVICE_URL: '', PORT: '4000' }, 'stack');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.services.notification, undefined);
    assert.equal(config.port, 4000);
  });

  it('keeps API keys with their service and trims trailing slashes from URLs', () => {
    const config = loadConfig({ STITCH_SERVICE_URL: 'https://stitch.example.com/', STITCH_API_KEY: 'k' }, 'stack');
    assert.deepEqual(config.services.stitch, { url: 'https://stitch.example.com', apiKey: 'k' });
  });

  it('turns error monitoring on with a Sentry DSN, reported under NODE_ENV unless SENTRY_ENVIRONMENT says otherwise', () => {
    assert.equal(loadConfig({ SENTRY_DSN: '' }, 'stack').errorMonitoring, undefined);
    const dsn = 'https://0123abcd@o42.ingest.sentry.io/4500000000000001';
    assert.deepEqual(loadConfig({ SENTRY_DSN: dsn, NODE_ENV: 'test' }, 'stack').errorMonitoring, { dsn, environment: 'test' });
    assert.equal(loadConfig({ SENTRY_DSN: dsn, SENTRY_ENVIRONMENT: 'staging' }, 'stack').errorMonitoring?.environment, 'staging');
  });

  it('refuses a SENTRY_DSN that is not a DSN', () => {
    for (const dsn of ['not a url', 'https://o42.ingest.sentry.io/1', 'https://key@o42.ingest.sentry.io/', 'ftp://key@host/1']) {
      const [problem] = problemsOf(() => loadConfig({ SENTRY_DSN: dsn }, 'stack'));
      assert.match(problem, /^SENTRY_DSN: must be a Sentry DSN/, dsn);
    }
  });

  it('.env.example lists every variable the code reads, and nothing else', () => {
    const listed = readFileSync(path.join(root, '.env.example'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => line.split('=')[0]);
    assert.deepEqual([...listed].sort(), [...envNames].sort());
  });
});
