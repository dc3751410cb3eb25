import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { stopChild } from '../logged-process';

export interface SupervisedProcessOptions {
  /** `worker 1`, `gateway 2`: how the console and the logs name it. */
  name: string;
  /**
   * Starts the process (child_process.spawn or cluster.fork) with its output piped, and says when it
   * serves (a health URL answers, the cluster worker listens).
   */
  launch: () => { child: ChildProcess; ready: Promise<void> };
  /** Its stdout and stderr go here, so the console stays readable. */
  logFile: string;
  onRestart?: (name: string, reason: string) => void;
  restartDelayMs?: number;
}

/**
 * One replica kept running, as a process supervisor (systemd, Kubernetes) would: restarted a moment
 * after it dies, whatever killed it, until `stop`.
 */
export class SupervisedProcess {
  private child?: ChildProcess;
  private log?: WriteStream;
  private stopping = false;
  private up = false;
  private diedAt = 0;
  restarts = 0;
  /** From its death to serving again, the last time it was restarted. */
  lastRestartMs?: number;

  constructor(private readonly options: SupervisedProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    this.log ??= createWriteStream(this.options.logFile, { flags: 'a' });
    const { child, ready } = this.options.launch();
    this.child = child;
    this.up = false;
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    // The last words of a process that dies while starting, for the error.
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => {
      if (this.stopping || this.child !== child) return;
      this.up = false;
      this.diedAt = Date.now();
      const reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
      this.options.onRestart?.(this.name, reason);
      this.restarts += 1;
      setTimeout(() => void this.start().catch(() => {}), this.options.restartDelayMs ?? 500);
    });
    await ready.catch((err: Error) => {
      throw new Error(`${this.name}: ${err.message}${output.trim() ? `\n${output.trim()}` : ''}`);
    });
    if (this.child !== child) return;
    this.up = true;
    if (this.diedAt) this.lastRestartMs = Date.now() - this.diedAt;
  }

  /** Started and serving (not dead, not still starting). */
  serving(): boolean {
    return this.up;
  }

  /** kill -9, for tests: the supervisor brings it back. */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  /**
   * No more restarts, from now on. Ctrl-C reaches every process of the terminal's group, so replicas
   * may exit on their own before `stop` gets to them: that is not a death to repair.
   */
  retire(): void {
    this.stopping = true;
  }

  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    if (this.child) await stopChild(this.child, graceMs);
    await new Promise<void>((resolve) => (this.log ? this.log.end(resolve) : resolve()));
  }
}
