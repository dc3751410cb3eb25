import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { loadConfig } from '../src/platform/load-config';
import { createLogger } from '../src/platform/logger';
import { startStack } from '../src/dev/start-stack';
import { webhookEndpoints } from '../src/contracts/steps';
import { signBody } from '../src/contracts/webhooks';
import { body, headers } from '../test/support/fuzz-arbitraries';
import { freePort } from './support';

/**
 * `npm run fuzz`: schemathesis (from PyPI: `pip install schemathesis==4.32.5`) against /openapi.json of a
 * running gateway, every phase and every check, with the admin token; then our own signed-body fuzzer on
 * the webhook paths. The bar is zero 5xx and zero failed checks, with the admin operations really reached
 * (not 401 only) and nothing rate limited. `--examples=N` sets schemathesis' examples per operation,
 * `--runs=N` the signed fuzzer's cases, `--seed=N` schemathesis' seed.
 * `--public`: as someone on the internet without the admin token: schemathesis on the public operations
 * only (no Authorization header), and every admin operation must answer 401, never 2xx.
 */
const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const publicOnly = process.argv.includes('--public');

/**
 * The fuzz gateway runs the rate limiter (its headers are part of what is checked) with limits no run
 * reaches: at the real limits a minute per client, almost every generated request would be a 429 and
 * the operations would go untested.
 */
const fuzzRateLimitPerMinute = 1_000_000;
const limitVariables = ['VIDEO_COMPLETE', 'LAST_FRAME_COMPLETE', 'STITCH_COMPLETE', 'PROJECTS', 'ADMIN', 'CONSOLE', 'SIGN_IN', 'HEALTH', 'METRICS', 'OTHER', 'AUTH_FAILURES'];

/** A concrete path for an OpenAPI path template: `{id}` and the like become `fuzz-x`. */
const concretePath = (template: string) => template.replace(/\{[^}]+\}/g, 'fuzz-x');

interface SchemathesisReport {
  test_cases?: { generated?: number; with_failures?: number; errored?: number };
  failures?: { code: string; title: string; count: number; operations?: unknown[] }[];
  errors?: unknown[];
  warnings?: Record<string, unknown[]>;
}

/** Responses by operation and status, from the hook's tally (bench/schemathesis_hooks.py). */
async function readTally(file: string): Promise<Map<string, Map<number, number>>> {
  const byOperation = new Map<string, Map<number, number>>();
  const text = await readFile(file, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const { operation, status } = JSON.parse(line) as { operation: string; status: number };
    const statuses = byOperation.get(operation) ?? new Map<number, number>();
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    byOperation.set(operation, statuses);
  }
  return byOperation;
}

const describeStatuses = (statuses: Map<number, number>) => [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-fuzz-'));
  const secret = () => randomBytes(24).toString('hex');
  const env = {
    NODE_ENV: 'test',
    PORT: '0',
    SIMULATOR_PORT: '0',
    SIMULATOR_DELAY_MS: '50',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'true',
    ...Object.fromEntries(limitVariables.map((name) => [`RATE_LIMIT_${name}`, String(fuzzRateLimitPerMinute)])),
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
    console.log(`gateway at ${url}; rate limits ${fuzzRateLimitPerMinute.toLocaleString('en')} a minute per route (the limiter runs, never refuses)`);
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const operations = Object.entries(document.paths).flatMap(([p, ops]) => Object.entries(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${p}`, method, path: p, admin: Boolean(op.security?.length) })));
    const adminOperations = operations.filter((op) => op.admin).map((op) => op.name);
    console.log(publicOnly ? `\n== schemathesis, without the admin token, on the ${operations.length - adminOperations.length} public operations` : '\n== schemathesis');
    const reportPath = path.join(dataDir, 'schemathesis-report.json');
    const tallyPath = path.join(dataDir, 'schemathesis-responses.jsonl');
    const seed = process.argv.find((a) => a.startsWith('--seed='))?.split('=')[1];
    const code = await new Promise<number>((resolve, reject) => {
      const st = spawn(
        'st',
        [
          'run',
          `${url}/openapi.json`,
          '--phases',
          'examples,coverage,fuzzing,stateful',
          '--checks',
          'all',
          '--max-examples',
          String(arg('examples', 100)),
          // The admin operations need it; schemathesis' own auth checks (ignored_auth) still send requests without it.
          ...(publicOnly
            ? operations.filter((op) => !op.admin).flatMap((op) => ['--include-name', op.name])
            : ['--header', `Authorization: Bearer ${config.adminToken}`]),
          '--request-timeout',
          '20',
          '--report',
          'json',
          '--report-json-path',
          reportPath,
          ...(seed ? ['--seed', seed] : []),
        ],
        {
          stdio: 'inherit',
          // Signs webhook bodies (bench/schemathesis_hooks.py) so generated payloads get past verification.
          env: {
            ...process.env,
            SCHEMATHESIS_HOOKS: 'schemathesis_hooks',
            PYTHONPATH: [__dirname, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
            REELAY_FUZZ_SECRETS: JSON.stringify(Object.fromEntries(webhookEndpoints.map((e) => [e, config.webhookSecrets[e][0]]))),
            REELAY_FUZZ_TALLY: tallyPath,
          },
        },
      );
      st.once('error', (err) => reject(new Error(`could not run schemathesis (pip install schemathesis==4.32.5): ${err.message}`)));
      st.once('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) failures += 1;

    // What schemathesis really exercised: its own report, and every response the hook saw.
    const report = JSON.parse(await readFile(reportPath, 'utf8').catch(() => '{}')) as SchemathesisReport;
    const tally = await readTally(tallyPath);
    let responses = 0;
    let stServerErrors = 0;
    let rateLimited = 0;
    console.log('\nresponses by operation:');
    for (const [operation, statuses] of [...tally].sort(([a], [b]) => a.localeCompare(b))) {
      console.log(`  ${operation.padEnd(45)} ${describeStatuses(statuses)}`);
      for (const [status, n] of statuses) {
        responses += n;
        if (status >= 500) stServerErrors += n;
        if (status === 429) rateLimited += n;
      }
    }
    const failedChecks = report.failures ?? [];
    const unauthorisedOnly = adminOperations.filter((op) => ![...(tally.get(op) ?? new Map<number, number>()).keys()].some((s) => s >= 200 && s < 300));
    console.log(
      `schemathesis: ${report.test_cases?.generated ?? '?'} cases generated, ${responses} responses, 5xx: ${stServerErrors}, 429: ${rateLimited}, ` +
        `failed checks: ${failedChecks.length ? failedChecks.map((f) => `${f.code} ${f.title} ×${f.count}`).join('; ') : 'none'}` +
        `${report.errors?.length ? `, errors: ${report.errors.length}` : ''}`,
    );
    if (stServerErrors || rateLimited || failedChecks.length) failures += 1;
    if (publicOnly) {
      // Without the token, each admin operation is a 401 (with or without a body, whatever its parameters).
      for (const op of operations.filter((o) => o.admin)) {
        const response = await fetch(`${url}${concretePath(op.path)}`, { method: op.method.toUpperCase(), headers: { 'content-type': 'application/json' }, ...(op.method === 'get' ? {} : { body: '{}' }) });
        await response.arrayBuffer();
        console.log(`  without the token: ${op.name.padEnd(45)} ${response.status}`);
        if (response.status !== 401) failures += 1;
      }
    } else if (unauthorisedOnly.length) {
      failures += 1;
      console.error(`admin operations never answered 2xx (the token was not used?): ${unauthorisedOnly.join(', ')}`);
    }

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
