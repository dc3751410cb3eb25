import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { killLeftover, removePidFile, writePidFile } from './pid-file';

/** A server binary of ours running in the background, its output in a log file. */
export interface LoggedProcess {
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after the grace period; closes the log, forgets the pid. */
  stop(): Promise<void>;
  /** kill -9, for chaos runs. */
  kill(): Promise<void>;
}

export interface LoggedProcessOptions {
  /** Where its stdout and stderr go (appended). */
  logFile: string;
  /**
   * Remembers its pid, so a run killed with -9 does not leave it holding its port: a leftover still
   * running `program` is stopped first.
   */
  pidFile?: { path: string; program: string };
}

/** Starts `command` the way the embedded Temporal, its UI and the dev server all run. */
export async function spawnLogged(command: string, args: string[], { logFile, pidFile }: LoggedProcessOptions): Promise<LoggedProcess> {
  if (pidFile) await killLeftover(pidFile.path, pidFile.program);
  await mkdir(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  // A binary that cannot be run (EACCES, ENOENT) is an error of this start-up, not an unhandled 'error' event.
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  }).catch((err: NodeJS.ErrnoException) => {
    log.end();
    throw new Error(`Could not run ${command} (${err.code ?? err.message}): ${spawnAdvice[err.code ?? ''] ?? err.message}`);
  });
  child.on('error', (err) => log.write(`[reelay] ${err.message}\n`));
  // A parent that dies without stop() (a crash, process.exit) takes its servers with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  if (pidFile && child.pid) await writePidFile(pidFile.path, child.pid);
  return {
    child,
    async stop() {
      await stopChild(child);
      process.removeListener('exit', killOnExit);
      log.end();
      if (pidFile) await removePidFile(pidFile.path);
    },
    async kill() {
      await stopChild(child, 0);
      process.removeListener('exit', killOnExit);
      log.end();
    },
  };
}

const spawnAdvice: Record<string, string> = {
  EACCES: 'this user may not run it (check that the file is executable and that every folder above it may be entered)',
  ENOENT: 'no such file',
};

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls `url` until its status passes `ready` (below 500 by default); fails when `child` exits first. */
export async function waitForHttp(
  url: string,
  child: ChildProcess,
  { timeoutMs = 90_000, ready = (status: number) => status < 500 }: { timeoutMs?: number; ready?: (status: number) => boolean } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited during start-up (${child.exitCode ?? child.signalCode})`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) => ready(r.status), () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
}
