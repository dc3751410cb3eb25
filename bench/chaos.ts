import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { Client, Connection } from '@temporalio/client';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres';
import { migrateDatabase } from '../src/storage/migrate';
import { openDatabase } from '../src/storage/database';
import { createLogger } from '../src/platform/logger';
import { ServiceSimulator } from '../src/dev/simulator/simulator';
import type { projectWorkflow } from '../src/workflows';
import { stepNames, stepOfEndpoint, webhookEndpointDbValue, webhookEndpoints } from '../src/contracts/steps';
import { createProject, randomSecret, randomWebhookSecrets } from './app-processes';
import { clusterDeployment, probeGateway, singleDeployment, type ProbeResult, type Target } from './chaos-deployments';
import { freePort, pool, withDeadline } from './support';

export interface ChaosOptions {
  projects: number;
  scenes: number;
  kills: { worker: number; gateway: number; temporal: number };
  seed: number;
  /** An existing PostgreSQL to use instead of an embedded one (the test suite's). */
  databaseUrl?: string;
  log?: (line: string) => void;
  /** The production shape (`npm run cluster`): Temporal server on PostgreSQL, replicas behind one port. */
  cluster?: { workers: number; gateways: number };
  /** Called after each kill and restart, for a progress bar. */
  onKill?: (done: number, total: number, what: string) => void;
}

export interface ChaosReport {
  seed: number;
  projects: number;
  completed: number;
  kills: string[];
  webhooksAcknowledged: number;
  webhooksApplied: number;
  /** Acknowledged with a 2xx but in no workflow history: lost. */
  acknowledgedNotApplied: number;
  /** Applied (in a workflow history) though the event store does not say `signaled`: a gateway killed in between. */
  appliedNotMarked: number;
  /** Steps for which more than one task was created: work done twice. */
  duplicateTasks: number;
  /** Requests repeated with the same Idempotency-Key (retries the service absorbed). */
  idempotentRetries: number;
  notificationsSent: number;
  errorsRecorded: Record<string, number>;
  /** The health prober's answers through the run (see probeGateway). */
  gatewayProbe: ProbeResult;
  seconds: number;
  ok: boolean;
}

/**
 * A bounded chaos run over the simulator: projects are created, then the worker, the gateway and
 * Temporal (the dev server on its SQLite file, or with `cluster` one replica of each and the Temporal
 * server on PostgreSQL) are killed with -9 and restarted at random moments chosen
 * by the seed, while the simulator keeps re-sending every webhook that did not get a 2xx. At the end
 * nothing may be lost: every project completed, every acknowledged webhook applied, no step's task
 * created twice.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const rng = xoroshiro128plus(options.seed);
  const between = (min: number, max: number) => uniformInt(rng, min, max);
  const started = Date.now();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-chaos-'));
  const logger = createLogger({ level: 'silent' });
  const cleanups: (() => Promise<unknown>)[] = [];

  try {
    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      const database = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort(), ephemeral: true });
      cleanups.push(() => database.stop());
      databaseUrl = database.url;
      await migrateDatabase(databaseUrl);
    }
    const db = openDatabase(databaseUrl);
    const { prisma } = db;
    cleanups.push(() => db.close());

    const secrets = randomWebhookSecrets();
    // Real providers keep re-sending until they get a 2xx; so does the simulator here.
    const simulator = new ServiceSimulator({ secrets, delayMs: 300, logger, maxDeliveryAttempts: 1_000 });
    const simulatorUrl = await simulator.start(0);
    cleanups.push(() => simulator.stop());

    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      TEMPORAL_TASK_QUEUE: `chaos-${options.seed}-${randomSecret().slice(0, 6)}`,
      // Outages are short: ride them out rather than re-asking.
      STEP_TIMEOUT_VIDEO_SECONDS: '120',
      STEP_TIMEOUT_LAST_FRAME_SECONDS: '120',
      STEP_TIMEOUT_STITCH_SECONDS: '120',
      SERVICE_OUTAGE_TOLERANCE_MINUTES: '30',
      CIRCUIT_RESET_MS: '1000',
    };
    const deployment = options.cluster
      ? await clusterDeployment({ ...options.cluster, dataDir, databaseUrl, simulatorUrl, secrets, env })
      : await singleDeployment({ dataDir, databaseUrl, simulatorUrl, secrets, env });
    cleanups.push(() => deployment.stop());
    const { gatewayUrl } = deployment;

    const connection = await Connection.connect({ address: deployment.temporalAddress });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    // Through the whole run, a client asks the gateway for a page every 50 ms: when one replica
    // dies another must answer (a connection lost with the killed process is allowed, a 5xx is not).
    const probe = probeGateway(gatewayUrl);
    cleanups.push(async () => probe.stop());

    const run = randomSecret().slice(0, 8);
    const ids = Array.from({ length: options.projects }, (_, i) => `chaos-${run}-${i}`);
    await pool(ids, 16, (projectId) => createProject(gatewayUrl, projectId, options.scenes));
    log(`created ${ids.length} projects of ${options.scenes} scenes`);

    // The kill schedule: every kill of each kind, shuffled by the seed, a random pause apart.
    const schedule: Target[] = [
      ...Array<Target>(options.kills.worker).fill('worker'),
      ...Array<Target>(options.kills.gateway).fill('gateway'),
      ...Array<Target>(options.kills.temporal).fill('temporal'),
    ];
    for (let i = schedule.length - 1; i > 0; i -= 1) {
      const j = between(0, i);
      [schedule[i], schedule[j]] = [schedule[j], schedule[i]];
    }
    const kills: string[] = [];
    for (const [i, target] of schedule.entries()) {
      await sleep(between(500, 3_000));
      const down = between(200, 2_000);
      kills.push(await deployment.killAndRestart(target, down, between));
      log(`killed and restarted the ${target} (${i + 1}/${schedule.length})`);
      options.onKill?.(i + 1, schedule.length, target);
    }

    const outcomes = await withDeadline(
      Promise.all(ids.map((id) => resultOf(client, `project-${id}`))),
      10 * 60_000,
      'the chaos projects',
    );

    // The books: what the simulator was told (2xx) against what reached each project's workflow. The
    // event store's outcome alone cannot say: a gateway killed between the signal and writing
    // `signaled` leaves the event `received`, and the provider's re-send after the film finished is
    // stored `ignored`, although the first delivery was applied. The workflow history is the truth.
    const mine = new Set(ids);
    const acknowledged = simulator.webhooks.filter((w) => w.acknowledged && mine.has(w.projectId));
    const ackedTasks = new Set(acknowledged.map((w) => `${w.endpoint.replace(/-/g, '_')}:${w.taskId}`));
    const applied = await prisma.webhookEvent.findMany({ where: { projectId: { in: ids }, outcome: 'signaled' }, select: { endpoint: true, taskId: true } });
    const appliedTasks = new Set(applied.map((e) => `${e.endpoint}:${e.taskId}`));
    const storedAsApplied = appliedTasks.size;
    for (const task of await signalledTasks(client, ids)) appliedTasks.add(task);
    const keysPerStep = new Map<string, Set<string>>();
    let requests = 0;
    for (const r of simulator.requests) {
      if (!mine.has(String(r.body.project_id))) continue;
      requests += 1;
      const step = `${String(r.body.project_id)}:${r.service}:${(r.body.scene_id as string | undefined) ?? ''}`;
      keysPerStep.set(step, (keysPerStep.get(step) ?? new Set()).add(r.idempotencyKey!));
    }
    const duplicateTasks = [...keysPerStep.values()].filter((keys) => keys.size > 1).length;
    const errors = await prisma.errorLog.groupBy({ by: ['type'], where: { createdAt: { gte: new Date(started) } }, _count: { _all: true } });

    const report: ChaosReport = {
      seed: options.seed,
      projects: ids.length,
      completed: outcomes.filter((o) => o === 'completed').length,
      kills,
      webhooksAcknowledged: ackedTasks.size,
      webhooksApplied: appliedTasks.size,
      acknowledgedNotApplied: [...ackedTasks].filter((t) => !appliedTasks.has(t)).length,
      appliedNotMarked: appliedTasks.size - storedAsApplied,
      duplicateTasks,
      idempotentRetries: requests - keysPerStep.size,
      notificationsSent: [...keysPerStep.keys()].filter((k) => k.includes(':notification:')).length,
      errorsRecorded: Object.fromEntries(errors.map((e) => [e.type, e._count._all])),
      gatewayProbe: probe.stop(),
      seconds: Math.round((Date.now() - started) / 1000),
      ok: false,
    };
    report.ok =
      report.completed === report.projects &&
      report.acknowledgedNotApplied === 0 &&
      report.webhooksAcknowledged === report.webhooksApplied &&
      report.duplicateTasks === 0 &&
      report.notificationsSent === report.projects &&
      report.gatewayProbe.serverErrors === 0;
    return report;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
}

const endpointOfSignal: Record<string, string> = Object.fromEntries(
  webhookEndpoints.map((endpoint) => [stepNames[stepOfEndpoint[endpoint]].signal, webhookEndpointDbValue[endpoint]]),
);

/** `endpoint:taskId` of every callback signal in the projects' workflow histories. */
async function signalledTasks(client: Client, projectIds: string[]): Promise<string[]> {
  const tasks: string[] = [];
  await pool(projectIds, 8, async (projectId) => {
    const history = await client.workflow.getHandle(`project-${projectId}`).fetchHistory();
    for (const event of history.events ?? []) {
      const signal = event.workflowExecutionSignaledEventAttributes;
      const data = signal?.input?.payloads?.[0]?.data;
      if (!signal?.signalName || !data) continue;
      const { taskId } = JSON.parse(Buffer.from(data).toString('utf8')) as { taskId: string };
      tasks.push(`${endpointOfSignal[signal.signalName]}:${taskId}`);
    }
  });
  return tasks;
}

/** A project's end state, waiting through Temporal restarts (the client reconnects). */
async function resultOf(client: Client, workflowId: string): Promise<string> {
  for (;;) {
    try {
      return (await client.workflow.getHandle<typeof projectWorkflow>(workflowId).result()).status;
    } catch (err) {
      if ((err as Error).name === 'WorkflowFailedError') return 'failed';
      await sleep(500);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
