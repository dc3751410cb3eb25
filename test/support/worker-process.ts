import type { Stack } from '../../src/dev/start-stack';
import { AppProcess } from './app-process';
import { freePort, testEnv } from './test-stack';

/** `npm run worker` as a real child process, on a task queue of its own. */
export class WorkerProcess extends AppProcess {
  constructor(
    env: NodeJS.ProcessEnv,
    readonly healthPort: number,
  ) {
    super('worker', env, () => `http://127.0.0.1:${healthPort}/health`);
  }
}

/**
 * A worker process on its own task queue against the shared test stack: its database and Temporal, the
 * simulator for the guide's services, the gateway as the callback URL; `env` over that (a stand-in's keys).
 */
export async function stackWorker(stack: Stack, taskQueue: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const simulator = stack.simulator!.url;
  const healthPort = await freePort();
  const workerEnv = testEnv({
    LOG_LEVEL: 'warn',
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    NEXT_PUBLIC_APP_URL: stack.gatewayUrl,
    VIDEO_GENERATION_SERVICE: simulator,
    LAST_FRAME_SERVICE_URL: simulator,
    STITCH_SERVICE_URL: simulator,
    NOTIFICATION_SERVICE_URL: simulator,
    PROVIDER_POLL_INTERVAL_MS: '200',
    WORKER_HEALTH_PORT: String(healthPort),
    ...env,
  });
  return new WorkerProcess({ ...process.env, ...workerEnv }, healthPort);
}
