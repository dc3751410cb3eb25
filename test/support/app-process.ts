import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './projects';

const root = path.resolve(__dirname, '..', '..');

/** One of Reelay's commands (`src/cli/<name>.ts`) as a real child process: started until healthy, killed -9 or stopped. */
export class AppProcess {
  private child?: ChildProcess;
  constructor(
    private readonly command: 'worker' | 'gateway',
    private readonly env: NodeJS.ProcessEnv,
    private readonly healthUrl: () => string,
  ) {}

  async start(): Promise<void> {
    this.child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${this.command}.ts`], { cwd: root, env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.child.stderr!.on('data', (chunk) => (stderr += chunk));
    const child = this.child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.command} exited: ${stderr}`);
        return fetch(this.healthUrl()).then((r) => r.ok, () => false);
      },
      60_000,
      `the ${this.command} to start`,
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
