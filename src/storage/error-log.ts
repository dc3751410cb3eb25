import type { ErrorType, Severity } from '../contracts/statuses';
import { captureErrorLogEntry } from '../platform/error-monitoring';
import { scrubSecrets, scrubText } from '../platform/redaction';
import type { PrismaClient, Prisma } from './prisma';

export type { ErrorType, Severity } from '../contracts/statuses';

export interface GlobalError {
  /** The guide's category, what `GET /api/v1/errors?type=` filters on. */
  type: ErrorType;
  /** The specific, stable reason within the category, e.g. `invalid_signature`, `task_failed`. */
  code: string;
  severity: Severity;
  message: string;
  /** What an on-call needs to find the cause: ids, endpoint, status. Never secrets (scrubbed anyway). */
  context?: Record<string, unknown>;
}

const maxMessageLength = 2000;

/** The row for one error, secrets scrubbed and the message bounded: the one way errors are written. */
export function errorLogRow({ type, code, severity, message, context }: GlobalError) {
  const scrubbed = scrubText(message); // before bounding: a cut could leave half a credential unrecognised
  return {
    type,
    code,
    severity,
    message: scrubbed.length > maxMessageLength ? `${scrubbed.slice(0, maxMessageLength)}…` : scrubbed,
    context: (scrubSecrets(context ?? {}) as Prisma.InputJsonObject) ?? {},
  };
}

export interface ErrorQuery {
  type?: string;
  code?: string;
  severity?: Severity;
  since?: Date;
  limit: number;
  /** The id of the last row of the previous page. */
  cursor?: string;
}

interface Counts {
  total: number;
  by_type: Record<string, number>;
  by_code: Record<string, number>;
  by_severity: Record<string, number>;
}

/** The error system: one table every part of Reelay writes its failures to, for the API and on-call. */
export function createErrorLog(prisma: PrismaClient) {
  async function countsSince(since: Date): Promise<Counts> {
    const groups = await prisma.errorLog.groupBy({
      by: ['type', 'code', 'severity'],
      where: { createdAt: { gte: since } },
      _count: { _all: true },
    });
    const counts: Counts = { total: 0, by_type: {}, by_code: {}, by_severity: {} };
    const add = (into: Record<string, number>, key: string, n: number) => (into[key] = (into[key] ?? 0) + n);
    for (const g of groups) {
      const n = g._count._all;
      counts.total += n;
      add(counts.by_type, g.type, n);
      add(counts.by_code, g.code, n);
      add(counts.by_severity, g.severity, n);
    }
    return counts;
  }

  return {
    /** Writes one row; returns its id. */
    async addGlobalError(error: GlobalError): Promise<string> {
      captureErrorLogEntry(error); // first, so error monitoring hears of it even when the database is what failed
      const { id } = await prisma.errorLog.create({ data: errorLogRow(error), select: { id: true } });
      return id;
    },

    /** Rewrites a row's message and context, e.g. to say how many times a repeated failure happened. */
    async rewrite(id: string, error: Pick<GlobalError, 'message' | 'context'>): Promise<void> {
      const { message, context } = errorLogRow({ type: 'system', code: '', severity: 'info', ...error });
      await prisma.errorLog.update({ where: { id }, data: { message, context } });
    },

    /** Newest first, keyset-paginated by id within equal timestamps. */
    async list({ type, code, severity, since, limit, cursor }: ErrorQuery) {
      const rows = await prisma.errorLog.findMany({
        where: { type, code, severity, ...(since ? { createdAt: { gte: since } } : {}) },
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
