import type { Connection } from '@temporalio/client';
import type { PrismaClient } from '../storage/prisma';

export interface Health {
  ok: boolean;
  temporal: { reachable: boolean };
  database: { reachable: boolean };
}

/** How one check of a dependency ended: answered in time, answered with an error, or not answered in time. */
export type ProbeOutcome = 'answered' | 'failed' | 'timedOut';

export interface SlowTolerance {
  /** How long a check may take before it counts as slow. */
  probeTimeoutMs: number;
  /** Slow checks in a row before a slow dependency is reported unreachable… */
  slowProbes: number;
  /** …over at least this long. */
  slowForMs: number;
}

export const defaultSlowTolerance: SlowTolerance = { probeTimeoutMs: 2_000, slowProbes: 3, slowForMs: 5_000 };

/**
 * What to report of one dependency, check after check. An error answer (connection refused, UNAVAILABLE)
 * is reported at once; a check with no answer in time changes nothing until the dependency stays slow
 * (`slowProbes` checks in a row over `slowForMs`): a server busy starting up, or a stop-the-world pause,
 * answers late for a moment, and a health answer that flips on it sends load balancers the wrong way.
 */
export function dependencyVerdict(tolerance: Pick<SlowTolerance, 'slowProbes' | 'slowForMs'>, now: () => number = Date.now) {
  let reachable = true;
  let slowSince: number | undefined;
  let slowInARow = 0;
  return function verdict(outcome: ProbeOutcome): boolean {
    if (outcome !== 'timedOut') {
      slowSince = undefined;
      slowInARow = 0;
      reachable = outcome === 'answered';
      return reachable;
    }
    slowSince ??= now();
    slowInARow += 1;
    if (slowInARow >= tolerance.slowProbes && now() - slowSince >= tolerance.slowForMs) reachable = false;
    return reachable;
  };
}

function outcomeWithin(timeoutMs: number, check: () => Promise<unknown>): Promise<ProbeOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(() => resolve('timedOut'), timeoutMs);
  });
  const answer = check().then((): ProbeOutcome => 'answered', (): ProbeOutcome => 'failed');
  return Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
}

/** Checks, in parallel, that Temporal and PostgreSQL answer: healthProbeOf with the two real checks. */
export function createHealthProbe(connection: Connection, prisma: PrismaClient, tolerance: SlowTolerance = defaultSlowTolerance) {
  return healthProbeOf(
    {
      // The gRPC deadline comes after the probe's own timeout, so a late answer counts as slow, not as an error.
      temporal: () => connection.withDeadline(Date.now() + tolerance.probeTimeoutMs + 1_000, () => connection.healthService.check({})),
      database: () => prisma.$queryRaw`SELECT 1`,
    },
    tolerance,
  );
}

/**
 * Runs both checks in parallel and reports each dependency as dependencyVerdict says. Requests that
 * arrive while a check runs share its answer rather than start more checks on a busy dependency.
 */
export function healthProbeOf(checks: Record<'temporal' | 'database', () => Promise<unknown>>, tolerance: SlowTolerance = defaultSlowTolerance) {
  const temporalVerdict = dependencyVerdict(tolerance);
  const databaseVerdict = dependencyVerdict(tolerance);
  let running: Promise<Health> | undefined;

  async function check(): Promise<Health> {
    const [temporal, database] = await Promise.all([
      outcomeWithin(tolerance.probeTimeoutMs, checks.temporal),
      outcomeWithin(tolerance.probeTimeoutMs, checks.database),
    ]);
    const reachable = { temporal: temporalVerdict(temporal), database: databaseVerdict(database) };
    return { ok: reachable.temporal && reachable.database, temporal: { reachable: reachable.temporal }, database: { reachable: reachable.database } };
  }

  return function probe(): Promise<Health> {
    running ??= check().finally(() => (running = undefined));
    return running;
  };
}

export type HealthProbe = ReturnType<typeof createHealthProbe>;
