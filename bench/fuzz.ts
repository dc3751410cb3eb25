import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/logging/logger';
import { startStack } from '../src/stack/start-stack';
import { webhookEndpoints } from '../src/webhooks/endpoints';
import { signBody } from '../src/webhooks/signature';
import { body, headers } from '../test/support/fuzz-arbitraries';
import { freePort } from './support';

/**
 * `npm run fuzz`: schemathesis (from PyPI: `pip install schemathesis`) against /openapi.json of a
 * running gateway, then our own signed-body fuzzer on the webhook paths. The bar is zero 5xx.
 * `--examples=N` sets schemathesis' examples per operation, `--runs=N` the signed fuzzer's cases.
 */
const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-fuzz-'));
  const secret = () => randomBytes(24).toString('hex');
  const env = {
    NODE_ENV: 'test',
    PORT: '0',
    SIMULATOR_PORT: '0',
    SIMULATOR_DELAY_MS: '50',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    VIDEO_WEBHOOK_SECRET: secret(),
    LAST_FRAME_WEBHOOK_SECRET: secret(),
    STITCH_WEBHOOK_SECRET: secret(),
    ADMIN_API_TOKEN: secret(),
    TEMPORAL_CLI: process.env.TEMPORAL_CLI,
  };
  const config = loadConfig(env, 'stack');
  const stack = await startStack({
    config,
    logger: createLogger({ level: 'silent' }),
    dataDir,
    ephemeral: true,
    temporalPort: await freePort(),
    temporalUiPort: null,
    postgresPort: await freePort(),
  });
  let failures = 0;
  try {
    const url = stack.gatewayUrl;
    console.log(`gateway at ${url}\n\n== schemathesis`);
    const code = await new Promise<number>((resolve, reject) => {
      const st = spawn(
        'st',
        [
          'run',
          `${url}/openapi.json`,
          '--checks',
          'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
          '--max-examples',
          String(arg('examples', 100)),
          '--header',
          `Authorization: Bearer ${config.adminToken}`,
          '--request-timeout',
          '20',
        ],
        {
          stdio: 'inherit',
          // Signs webhook bodies (bench/schemathesis_hooks.py) so generated payloads get past verification.
          env: {
            ...process.env,
            SCHEMATHESIS_HOOKS: 'schemathesis_hooks',
            PYTHONPATH: [__dirname, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
            REELAY_FUZZ_SECRETS: JSON.stringify(Object.fromEntries(webhookEndpoints.map((e) => [e, config.webhookSecrets[e][0]]))),
          },
        },
      );
      st.once('error', (err) => reject(new Error(`could not run schemathesis (pip install schemathesis): ${err.message}`)));
      st.once('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) failures += 1;

    console.log('\n== signed-body fuzzer (fast-check)');
    const runs = arg('runs', 2000);
    let serverErrors = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...webhookEndpoints), body, headers, fc.boolean(), async (endpoint, raw, h, signed) => {
        const sent = { ...h, ...(signed ? { 'content-type': 'application/json', 'x-webhook-signature': signBody(config.webhookSecrets[endpoint][0], raw) } : {}) };
        const response = await fetch(`${url}/api/webhooks/${endpoint}`, { method: 'POST', headers: sent, body: raw });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500) serverErrors += 1;
        return response.status < 500;
      }),
      { numRuns: runs, endOnFailure: false },
    ).catch((err) => {
      failures += 1;
      console.error(String(err).slice(0, 2000));
    });
    console.log(`${runs} cases: ${[...statuses].sort().map(([s, n]) => `${s}×${n}`).join(', ')}; 5xx: ${serverErrors}`);
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(failures ? '\nFAILED: see above' : '\nOK: no 5xx, responses as documented');
  process.exit(failures ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
