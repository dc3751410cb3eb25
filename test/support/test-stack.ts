import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadConfig } from '../../src/platform/load-config';
import { startTestRedis } from './redis';
import { closeAccessLogFile } from '../../src/platform/access-log-file';
import { createLogger } from '../../src/platform/logger';
import { startTracing } from '../../src/platform/tracing';
import { startStack, type Stack } from '../../src/dev/start-stack';
import { bundleProjectWorkflows } from '../../src/worker/workflow-bundle';
import type { SettingsOverrides } from '../../src/contracts/workflow-settings';

/** Known secrets, so tests can sign webhooks the way the services do. */
export const testSecrets = {
  'video-complete': 'test-video-secret-0123456789abcdef',
  'last-frame-complete': 'test-frame-secret-0123456789abcdef',
  'stitch-complete': 'test-stitch-secret-0123456789abcdef',
} as const;

export const testAdminToken = 'test-admin-token-0123456789abcdef-0123';
/** Signs the asset links test deployments hand out (the shared stack and every extra gateway and worker). */
export const testAssetLinkSecret = 'test-asset-link-secret-0123456789abcdef';

/** Short retries and deadlines, so failure paths finish in a second or two rather than minutes. */
export const testWorkflowSettings: SettingsOverrides = {
  retryInitialIntervalMs: 100,
  retryMaximumIntervalMs: 400,
  retryMaximumAttempts: 3,
  serviceOutageToleranceMs: 5_000,
  stepTimeoutMs: { video: 3_000, lastFrame: 3_000, stitch: 3_000 },
  stepMaxAttempts: 3,
  stepRetryBackoffMs: 100,
  failedProjectRetentionMs: 0,
  pollHeartbeatTimeoutMs: 2_000,
};

/**
 * Where every test gateway writes its webhook access log (WEBHOOK_LOG), never the repository's logs/:
 * one folder for this mocha process, removed after the suite.
 */
export const testLogDir = path.join(os.tmpdir(), `reelay-test-logs-${process.pid}`);
export const testWebhookLog = path.join(testLogDir, 'webhooks.log');

/**
 * Every span of the suite's stack, gateway and worker alike (they share this process): the suite runs
 * with tracing on, as a deployment that traces would. Emptied after each test.
 */
export const testSpans = new InMemorySpanExporter();

interface BootedStack {
  stack: Stack;
  dataDir: string;
  redis: { url: string; stop(): Promise<void> };
}

let booting: Promise<BootedStack> | undefined;

/**
 * How long the shared stack may take to start before every test that needs it fails (TEST_STACK_DEADLINE_MS):
 * under mocha's 60 s, so the first hook reports which step hung, and every later suite fails at once
 * instead of waiting a minute of its own.
 */
export const testStackDeadlineMs = Number(process.env.TEST_STACK_DEADLINE_MS ?? 55_000);

/** The environment every test gateway starts from: known secrets and admin token. */
export function testEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    VIDEO_WEBHOOK_SECRET: testSecrets['video-complete'],
    LAST_FRAME_WEBHOOK_SECRET: testSecrets['last-frame-complete'],
    STITCH_WEBHOOK_SECRET: testSecrets['stitch-complete'],
    ADMIN_API_TOKEN: testAdminToken,
    ASSET_LINK_SECRET: testAssetLinkSecret,
    WEBHOOK_LOG: testWebhookLog,
    ...overrides,
  };
}

export async function freePort(): Promise<number> {
  const { default: getPort } = await import('get-port');
  return getPort({ host: '127.0.0.1' });
}

async function boot(onStep: (step: string) => void): Promise<BootedStack> {
  onStep('starting Redis');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-test-'));
  await startTracing('reelay-test', [new SimpleSpanProcessor(testSpans)]);
  const redis = await startTestRedis(await freePort());
  const config = loadConfig(
    testEnv({
      SIMULATOR_PORT: '0',
      SIMULATOR_DELAY_MS: '20',
      // Providers without webhooks (the Runway stand-in) are asked about a task five times a second.
      PROVIDER_POLL_INTERVAL_MS: '200',
      TEMPORAL_CLI: process.env.TEMPORAL_CLI,
      REDIS_URL: redis.url,
      // The simulator's webhooks all come from 127.0.0.1; limits are tested on gateways of their own.
      RATE_LIMIT_ENABLED: 'false',
      WORKER_METRICS_PORT: String(await freePort()),
      WORKER_HEALTH_PORT: String(await freePort()),
      // Circuits that open after a few failures and try again within a second, so outage tests stay short.
      CIRCUIT_VOLUME_THRESHOLD: '3',
      CIRCUIT_RESET_MS: '1000',
      // Real infrastructure from outside, when given; embedded otherwise.
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
    }),
    'stack',
  );
  const logger = createLogger({
    level: config.logLevel,
    file: config.logLevel === 'silent' ? undefined : path.join(dataDir, 'reelay.log'),
    consoleLevel: process.env.TEST_LOG_CONSOLE ? 'warn' : 'silent',
  });
  try {
    onStep('bundling the workflows');
    const workflowBundle = { code: await bundleProjectWorkflows() };
    const stack = await startStack({
      onStep,
      config,
      logger,
      dataDir,
      ephemeral: true,
      temporalPort: await freePort(),
      temporalUiPort: null,
      postgresPort: await freePort(),
      workflowBundle,
      workflowSettings: testWorkflowSettings,
    });
    return { stack, dataDir, redis };
  } catch (err) {
    // startStack cleans up after itself; what the suite started around it goes too, or mocha never exits.
    await redis.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Boots within `deadlineMs` or fails naming the step it was at. A boot that finishes after its
 * deadline is stopped then, not left running; one that never finishes dies with mocha (--exit), its
 * servers with it.
 */
function bootWithin(deadlineMs: number): Promise<BootedStack> {
  let step = 'preparing';
  let late = false;
  const started = boot((message) => (step = message.trim()));
  void started.then((booted) => (late ? stopBooted(booted) : undefined), () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new Error(`The test stack did not start within ${deadlineMs / 1000} s (its last step: ${step}); TEST_LOG_LEVEL=debug writes its log`));
    }, deadlineMs);
  });
  return Promise.race([started, deadline]).finally(() => clearTimeout(timer));
}

async function stopBooted({ stack, dataDir, redis }: BootedStack): Promise<void> {
  await stack.stop();
  await redis.stop();
  await rm(dataDir, { recursive: true, force: true });
}

/**
 * One real stack (Temporal dev server, PostgreSQL, gateway, simulator, worker) shared by the suite. A
 * stack that could not start fails every later call at once, with the same cause.
 */
export async function testStack(): Promise<Stack> {
  booting ??= bootWithin(testStackDeadlineMs);
  return (await booting).stack;
}

/** mocha's root hooks. The suite shares one simulator: no test's injected faults outlive it. */
export const mochaHooks = {
  async afterEach(): Promise<void> {
    const booted = await booting?.catch(() => undefined);
    if (booted?.stack.simulator) booted.stack.simulator.behaviour = () => undefined;
    testSpans.reset();
  },
};

/** mocha calls this once, after every test file has run. */
export async function mochaGlobalTeardown(): Promise<void> {
  const booted = await booting?.catch(() => undefined);
  if (booted) await stopBooted(booted);
  // Extra gateways' access logs too, once nothing can write to them any more.
  await closeAccessLogFile();
  await rm(testLogDir, { recursive: true, force: true });
}
