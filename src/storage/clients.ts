import type { PrismaClient } from './prisma';

/** A film counts against its client's "films at once" quota until it ends. */
export const runningStatuses = ['pending', 'generating', 'stitching'] as const;

export interface ClientLimits {
  /** NULL: the gateway's default (CLIENT_REQUESTS_PER_MINUTE). */
  requestsPerMinute?: number | null;
  /** NULL: the gateway's default (CLIENT_MAX_RUNNING_FILMS). */
  maxRunningFilms?: number | null;
}

export interface ClientSummary {
  id: string;
  requestsPerMinute: number | null;
  maxRunningFilms: number | null;
  createdAt: Date;
  runningFilms: number;
  workingKeys: number;
}

export class ClientExistsError extends Error {
  constructor(readonly clientId: string) {
    super(`A client named ${clientId} already exists`);
  }
}

export function createClients(prisma: PrismaClient) {
  return {
    async create(id: string, limits: ClientLimits = {}) {
      try {
        return await prisma.client.create({ data: { id, ...limits } });
      } catch (err) {
        if ((err as { code?: string }).code === 'P2002') throw new ClientExistsError(id);
        throw err;
      }
    },

    find: (id: string) => prisma.client.findUnique({ where: { id } }),

    setLimits: (id: string, limits: ClientLimits) => prisma.client.update({ where: { id }, data: limits }),

    /** Every client with its films in flight and its keys that still work, for the console and the CLI. */
    async list(now = new Date()): Promise<ClientSummary[]> {
      const [clients, running, keys] = await Promise.all([
        prisma.client.findMany({ orderBy: { id: 'asc' } }),
        prisma.project.groupBy({ by: ['clientId'], where: { clientId: { not: null }, status: { in: [...runningStatuses] } }, _count: true }),
        prisma.apiKey.groupBy({
          by: ['clientId'],
          where: { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
          _count: true,
        }),
      ]);
      const runningOf = new Map(running.map((r) => [r.clientId, r._count]));
      const keysOf = new Map(keys.map((k) => [k.clientId, k._count]));
      return clients.map((c) => ({ ...c, runningFilms: runningOf.get(c.id) ?? 0, workingKeys: keysOf.get(c.id) ?? 0 }));
    },
  };
}

export type Clients = ReturnType<typeof createClients>;
