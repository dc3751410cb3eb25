import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './prisma';

export interface Database {
  prisma: PrismaClient;
  /** The same connections, for the few hot-path queries written in SQL (storage/event-store.ts, activities/records.ts). */
  pool: pg.Pool;
  /**
   * One more connection, opened on first use, whose commits do not wait for the disk
   * (`synchronous_commit = off`): for writes that a crash of PostgreSQL itself may lose without harm
   * (at most the last ~0.6 s of them; never out of order, never half of one). See event-store.ts.
   */
  asyncCommit: pg.Pool;
  /**
   * Two more connections, opened on first use, for the provider line's hand-over alone (a webhook
   * freeing a slot grants it to the next in line: storage/provider-leases.ts). On the shared pool that
   * transaction queued behind whatever else the process was doing, such as 1,000 films being created
   * at once (BENCHMARKS.md, provider caps).
   */
  handOver: pg.Pool;
  close(): Promise<void>;
}

/**
 * One pool of PostgreSQL connections per process, shared by Prisma (through the `pg` driver adapter:
 * no native query engine) and by plain SQL where Prisma's per-query cost matters. `max` bounds this
 * process's share of the server's connections.
 */
export function openDatabase(
  databaseUrl: string,
  { max = 10, onIdleError }: { max?: number; onIdleError?: (err: Error) => void } = {},
): Database {
  // Sessions in UTC: the schema's timestamps are `timestamp without time zone` holding UTC (Prisma's
  // convention), so SQL defaults and now() in the hand-written queries must not follow the server's zone.
  const pool = new pg.Pool({ connectionString: databaseUrl, max, options: '-c TimeZone=UTC' });
  // An idle connection that the server drops (a restart, a failover) must not crash the process:
  // the pool discards it and opens a new one on the next query.
  pool.on('error', (err) => onIdleError?.(err));
  const asyncCommit = new pg.Pool({ connectionString: databaseUrl, max: 1, options: '-c TimeZone=UTC -c synchronous_commit=off' });
  asyncCommit.on('error', (err) => onIdleError?.(err));
  const handOver = new pg.Pool({ connectionString: databaseUrl, max: 2, options: '-c TimeZone=UTC' });
  handOver.on('error', (err) => onIdleError?.(err));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    asyncCommit,
    handOver,
    async close() {
      await prisma.$disconnect();
      await Promise.all([pool.end(), asyncCommit.end(), handOver.end()]);
    },
  };
}
