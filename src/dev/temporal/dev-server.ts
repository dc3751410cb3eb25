import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { searchAttributeRegistrations } from '../../contracts/workflow-api';
import { spawnLogged } from '../logged-process';

/** `--search-attribute` flags for `temporal server start-dev`: the attributes the project workflows set. */
export function searchAttributeFlags(): string[] {
  return searchAttributeRegistrations.flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
  /** kill -9, for chaos runs: the SQLite file is all that survives. */
  kill(): Promise<void>;
}

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file that keeps workflows across restarts; omit for an in-memory server. */
  dbFile?: string;
  port: number;
  /** Omit to run without the Web UI. */
  uiPort?: number;
  namespace: string;
  /** Where the server's own log lines go. */
  logFile: string;
  /** Remembers the server's pid, so a run killed with -9 does not leave it holding the port. */
  pidFile?: string;
}

/** Starts `temporal server start-dev` (server, SQLite persistence, Web UI) and waits until it serves. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const { cliPath, dbFile, port, uiPort, namespace, logFile, pidFile } = options;
  if (dbFile) await mkdir(path.dirname(dbFile), { recursive: true });

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-format', 'json'];
  // WAL with synchronous=normal: still safe when a process is killed, far fewer fsyncs per event.
  args.push(...(dbFile ? ['--db-filename', dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'] : []));
  args.push(...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']));
  args.push(...(namespace !== 'default' ? ['--namespace', namespace] : []));
  // Eager activities: the server hands an activity scheduled by a workflow task straight back to the
  // worker that completed it, skipping the task queue round trip (less server work per step).
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  args.push(...searchAttributeFlags());

  const server = await spawnLogged(cliPath, args, { logFile, pidFile: pidFile ? { path: pidFile, program: 'temporal' } : undefined });
  const { child } = server;

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, child);
  } catch (err) {
    await server.kill();
    throw new Error(`${(err as Error).message} (server log: ${logFile})`);
  }
  return {
    address,
    uiUrl: uiPort ? `http://localhost:${uiPort}` : undefined,
    stop: () => server.stop(),
    kill: () => server.kill(),
  };
}

/** Until the frontend at `address` answers GetSystemInfo; fails early when `child` exits. */
export async function waitUntilServing(address: string, child: ChildProcess, timeoutMs = 60_000, tls?: ConnectionOptions['tls']): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`Temporal exited during start-up (exit code ${child.exitCode})`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000, tls });
      try {
        await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal did not start serving on ${address} within ${timeoutMs / 1000}s`);
}
