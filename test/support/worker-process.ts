import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Stack } from '../../src/dev/start-stack';
import { waitFor } from './projects';
import { freePort, testEnv } from './test-stack';

const root = path.resolve(__dirname, '..', '..');

/** `npm run worker` as a real child process, on a task queue of its own. */
export class WorkerProcess {
  private child?: ChildProcess;
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly healthPort: number,
  ) {}

  async start(): Promise<void> {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/worker.ts'], { cwd: root, env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.child.stderr!.on('data', (chunk) => (stderr += chunk));
    const child = this.child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`worker exited: ${stderr}`);
        return fetch(`http://127.0.0.1:${this.healthPort}/health`).then((r) => r.ok, () => false);
      },
      60_000,
      'the worker to start',
    );
  }

  /** kill -9: no shutdown, no goodbye. */
  async kill(): Promise<void> {
    const child = this.child!;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child!.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
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
