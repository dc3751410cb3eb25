import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Stack } from '../../src/dev/start-stack';
import { waitFor } from './projects';
import { freePort, testEnv } from './test-stack';

const root = path.resolve(__dirname, '..', '..');

/**
 * `npm run gateway` as a real child process on the shared test stack (its PostgreSQL, Temporal and
 * Redis), on a port of its own that it keeps across restarts: a replica that can be killed -9 and come
 * back where senders expect it. `env` over that (a provider stand-in's keys).
 */
export class GatewayProcess {
  private child?: ChildProcess;
  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly port: number,
  ) {}

  static async onStack(stack: Stack, env: Record<string, string> = {}): Promise<GatewayProcess> {
    const port = await freePort();
    const gatewayEnv = testEnv({
      LOG_LEVEL: 'warn',
      PORT: String(port),
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      REDIS_URL: stack.config.redisUrl,
      RATE_LIMIT_ENABLED: 'false',
      ...env,
    });
    return new GatewayProcess({ ...process.env, ...gatewayEnv }, port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/gateway.ts'], { cwd: root, env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.child.stderr!.on('data', (chunk) => (stderr += chunk));
    const child = this.child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`gateway exited: ${stderr}`);
        return fetch(`${this.url}/health`).then((r) => r.ok, () => false);
      },
      60_000,
      'the gateway to start',
    );
  }

  /** kill -9: no shutdown, no goodbye; requests in flight are cut off. */
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
