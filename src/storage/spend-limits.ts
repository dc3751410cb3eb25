import type { Prisma, PrismaClient } from './prisma';

/** A client's default spend limits as the admin API shows them: its own, each user's, and the latest changes. */
export interface ClientSpendLimits {
  clientId: string;
  /** The client's default; null: the gateway's SPEND_LIMIT. */
  spendLimit: number | null;
  users: { userId: string; spendLimit: number; updatedAt: Date }[];
  changes: { userId: string | null; spendLimit: number | null; changedBy: string; changedAt: Date }[];
}

/** How many of the latest changes a listing shows. */
const changesShown = 50;

/**
 * Default spend limits (docs/review.md#the-spend-limit): a client's and each of its users', each change
 * recorded in spend_limit_changes (who, when, what). A new film takes the first of: its request's
 * `spend_limit`, its user's default, its client's default, SPEND_LIMIT.
 */
export function createSpendLimits(prisma: PrismaClient) {
  const record = (tx: Prisma.TransactionClient, clientId: string, userId: string | null, spendLimit: number | null, changedBy: string) =>
    tx.spendLimitChange.create({ data: { clientId, userId, spendLimit, changedBy } });

  return {
    async ofClient(clientId: string): Promise<ClientSpendLimits | null> {
      const client = await prisma.client.findUnique({
        where: { id: clientId },
        select: {
          spendLimit: true,
          userSpendLimits: { orderBy: { userId: 'asc' }, select: { userId: true, spendLimit: true, updatedAt: true } },
        },
      });
      if (!client) return null;
      const changes = await prisma.spendLimitChange.findMany({
        where: { clientId },
        orderBy: { changedAt: 'desc' },
        take: changesShown,
        select: { userId: true, spendLimit: true, changedBy: true, changedAt: true },
      });
      return { clientId, spendLimit: client.spendLimit, users: client.userSpendLimits, changes };
    },

    /** The client's default (null: back to SPEND_LIMIT). */
    setForClient: (clientId: string, spendLimit: number | null, changedBy: string) =>
      prisma.$transaction(async (tx) => {
        await tx.client.update({ where: { id: clientId }, data: { spendLimit } });
        await record(tx, clientId, null, spendLimit, changedBy);
      }),

    /** One user's default (null: removed, back to the client's). */
    setForUser: (clientId: string, userId: string, spendLimit: number | null, changedBy: string) =>
      prisma.$transaction(async (tx) => {
        if (spendLimit === null) await tx.userSpendLimit.deleteMany({ where: { clientId, userId } });
        else
          await tx.userSpendLimit.upsert({
            where: { clientId_userId: { clientId, userId } },
            create: { clientId, userId, spendLimit },
            update: { spendLimit, updatedAt: new Date() },
          });
        await record(tx, clientId, userId, spendLimit, changedBy);
      }),
  };
}

export type SpendLimits = ReturnType<typeof createSpendLimits>;
