import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const root = path.resolve(__dirname, '..');

/** A Node child process running one of our entry points: compiled JavaScript as is, TypeScript through tsx. */
export class NodeProcess {
  private child?: ChildProcess;
  private stderr = '';

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    /** An URL that answers 2xx once the process is ready. */
    private readonly readyUrl?: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 90_000): Promise<void> {
    this.stderr = '';
    const loader = this.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    this.child = spawn(process.execPath, [...cpuProfileFlags(this.name), ...loader, this.entry], {
      cwd: root,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.on('data', (chunk) => (this.stderr = (this.stderr + chunk).slice(-4000)));
    if (!this.readyUrl) return;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited during start-up: ${this.stderr}`);
      const ok = await fetch(this.readyUrl).then((r) => r.status < 500, () => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`${this.name} did not become ready: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** kill -9: the process gets no chance to clean up. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals) {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  /** Peak resident memory so far (VmHWM), in MiB. */
  async peakMemoryMiB(): Promise<number | undefined> {
    if (!this.child?.pid) return undefined;
    return peakMemoryOf(this.child.pid);
  }
}

export async function peakMemoryOf(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Math.round(Number(kb) / 1024) : undefined;
}

/** BENCH_CPU_PROF=dir: a V8 CPU profile of the process (written on a normal exit) in dir/`name`, for finding hot paths. */
function cpuProfileFlags(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, name)}`] : [];
}

/** Runs a bench helper script to completion and returns the JSON it prints last. */
export function runJson<T>(entry: string, args: unknown, env: NodeJS.ProcessEnv = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cpuProfileFlags(path.basename(entry, '.ts')), '--import', 'tsx', entry, JSON.stringify(args)], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${entry} failed (${code}): ${stderr}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as T);
      } catch {
        reject(new Error(`${entry} printed no JSON: ${stdout.slice(-500)} ${stderr}`));
      }
    });
  });
}
