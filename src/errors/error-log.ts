import type { PrismaClient, Prisma } from '../db/prisma';
import type { ErrorSeverity } from '../generated/prisma/enums';

export type Severity = ErrorSeverity;

export interface GlobalError {
  /** A stable, filterable kind, e.g. `webhook_invalid_signature`, `activity_failed`. */
  type: string;
  severity: Severity;
  message: string;
  /** What an on-call needs to find the cause: ids, endpoint, status. Never secrets (scrubbed anyway). */
  context?: Record<string, unknown>;
}

const sensitiveKey = /secret|token|password|passwd|authorization|signature|api[-_]?key|cookie/i;
const maxMessageLength = 2000;

/** Replaces the value of any key that looks like a credential, at any depth. */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, sensitiveKey.test(k) ? '[redacted]' : scrubSecrets(v, depth + 1)]),
  );
}

export interface ErrorQuery {
  type?: string;
  severity?: Severity;
  since?: Date;
  limit: number;
  /** The id of the last row of the previous page. */
  cursor?: string;
}

interface Counts {
  total: number;
  by_type: Record<string, number>;
  by_severity: Record<string, number>;
}

/** The error system: one table every part of Reelay writes its failures to, for the API and on-call. */
export function createErrorLog(prisma: PrismaClient) {
  async function countsSince(since: Date): Promise<Counts> {
    const groups = await prisma.errorLog.groupBy({
      by: ['type', 'severity'],
      where: { createdAt: { gte: since } },
      _count: { _all: true },
    });
    const counts: Counts = { total: 0, by_type: {}, by_severity: {} };
    for (const g of groups) {
      counts.total += g._count._all;
      counts.by_type[g.type] = (counts.by_type[g.type] ?? 0) + g._count._all;
      counts.by_severity[g.severity] = (counts.by_severity[g.severity] ?? 0) + g._count._all;
    }
    return counts;
  }

  return {
    async addGlobalError({ type, severity, message, context }: GlobalError): Promise<void> {
      await prisma.errorLog.create({
        data: {
          type,
          severity,
          message: message.length > maxMessageLength ? `${message.slice(0, maxMessageLength)}…` : message,
          context: (scrubSecrets(context ?? {}) as Prisma.InputJsonObject) ?? {},
        },
      });
    },

    /** Newest first, keyset-paginated by id within equal timestamps. */
    async list({ type, severity, since, limit, cursor }: ErrorQuery) {
      const rows = await prisma.errorLog.findMany({
        where: { type, severity, ...(since ? { createdAt: { gte: since } } : {}) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      });
      return { rows: rows.slice(0, limit), nextCursor: rows.length > limit ? rows[limit - 1].id : null };
    },

    async stats(now = new Date()) {
      const hour = new Date(now.getTime() - 3_600_000);
      const day = new Date(now.getTime() - 86_400_000);
      const [lastHour, lastDay] = await Promise.all([countsSince(hour), countsSince(day)]);
      return { generated_at: now.toISOString(), last_hour: lastHour, last_day: lastDay };
    },

    /** Deletes rows older than the retention; returns how many went. */
    async prune(retentionDays: number, now = new Date()): Promise<number> {
      const { count } = await prisma.errorLog.deleteMany({
        where: { createdAt: { lt: new Date(now.getTime() - retentionDays * 86_400_000) } },
      });
      return count;
    },
  };
}

export type ErrorLog = ReturnType<typeof createErrorLog>;
