import type { Connection } from '@temporalio/client';
import type { PrismaClient } from '../storage/prisma';

export interface Health {
  ok: boolean;
  temporal: { reachable: boolean };
  database: { reachable: boolean };
}

const probeTimeoutMs = 2_000;

function withinTimeout(promise: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), probeTimeoutMs);
  });
  return Promise.race([promise.then(() => true, () => false), timeout]).finally(() => clearTimeout(timer));
}

/** Checks, in parallel and within two seconds, that Temporal and PostgreSQL answer. */
export function createHealthProbe(connection: Connection, prisma: PrismaClient) {
  return async function probe(): Promise<Health> {
    const [temporal, database] = await Promise.all([
      withinTimeout(connection.withDeadline(Date.now() + probeTimeoutMs, () => connection.healthService.check({}))),
      withinTimeout(prisma.$queryRaw`SELECT 1`),
    ]);
    return { ok: temporal && database, temporal: { reachable: temporal }, database: { reachable: database } };
  };
}

export type HealthProbe = ReturnType<typeof createHealthProbe>;
