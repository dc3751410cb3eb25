import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type { PrismaClient, Prisma } from '../generated/prisma/client';

/**
 * Prisma through the `pg` driver adapter: no native query engine, so it runs wherever Node does.
 * `max` bounds this process's share of PostgreSQL connections.
 */
export function createPrisma(databaseUrl: string, { max = 10 }: { max?: number } = {}): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max }) });
}
