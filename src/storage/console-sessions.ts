import type { PrismaClient } from './prisma';

export interface StoredSession {
  csrfSecret: string;
  expiresAt: Date;
}

/**
 * The console's sessions, in PostgreSQL so every gateway replica sees a sign-out at once. Rows are
 * found by the SHA-256 of the cookie's key (`id`): a leaked table does not hand out sessions.
 */
export function createConsoleSessionStore(prisma: PrismaClient) {
  return {
    async create(id: string, session: StoredSession): Promise<void> {
      await prisma.consoleSession.create({ data: { id, ...session } });
    },

    /** The session, when it exists and has not expired. */
    async find(id: string, now = new Date()): Promise<StoredSession | undefined> {
      const row = await prisma.consoleSession.findUnique({ where: { id }, select: { csrfSecret: true, expiresAt: true } });
      return row && row.expiresAt > now ? row : undefined;
    },

    async revoke(id: string): Promise<void> {
      await prisma.consoleSession.deleteMany({ where: { id } });
    },

    /** Deletes expired sessions; returns how many went. */
    async prune(now = new Date()): Promise<number> {
      const { count } = await prisma.consoleSession.deleteMany({ where: { expiresAt: { lte: now } } });
      return count;
    },
  };
}

export type ConsoleSessionStore = ReturnType<typeof createConsoleSessionStore>;
