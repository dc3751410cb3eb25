import type { PrismaClient, Prisma } from '../db/prisma';
import type { WebhookEndpoint, WebhookOutcome } from '../generated/prisma/enums';

export interface IncomingEvent {
  endpoint: WebhookEndpoint;
  taskId: string;
  status: string;
  projectId: string;
  sceneId?: string;
  headers: Record<string, string>;
  rawBody: string;
}

export interface StoredEvent {
  id: string;
  outcome: WebhookOutcome;
  /** How many times this event (endpoint, task id, status) has been delivered, this one included. */
  deliveries: number;
}

export interface EventQuery {
  projectId?: string;
  endpoint?: WebhookEndpoint;
  outcome?: WebhookOutcome;
  limit: number;
  /** The id of the last event of the previous page. */
  cursor?: string;
}

/** Outcomes after which a repeat delivery must not signal the workflow again. */
const settled: ReadonlySet<WebhookOutcome> = new Set(['signaled', 'ignored']);

export const isSettled = (outcome: WebhookOutcome): boolean => settled.has(outcome);

/**
 * The gateway's memory of every verified webhook. One upsert per delivery both stores a new event
 * and counts a repeat, so the duplicate check costs a single round trip.
 */
export function createEventStore(prisma: PrismaClient) {
  return {
    async recordDelivery(event: IncomingEvent): Promise<StoredEvent> {
      const { endpoint, taskId, status } = event;
      return prisma.webhookEvent.upsert({
        where: { endpoint_taskId_status: { endpoint, taskId, status } },
        create: { ...event, headers: event.headers as Prisma.InputJsonObject, outcome: 'received' },
        update: { deliveries: { increment: 1 } },
        select: { id: true, outcome: true, deliveries: true },
      });
    },

    async setOutcome(id: string, outcome: WebhookOutcome): Promise<void> {
      await prisma.webhookEvent.update({
        where: { id },
        data: { outcome, ...(outcome === 'signaled' ? { signaledAt: new Date() } : {}) },
      });
    },

    /** Newest first, keyset-paginated. */
    async list({ projectId, endpoint, outcome, limit, cursor }: EventQuery) {
      const rows = await prisma.webhookEvent.findMany({
        where: { projectId, endpoint, outcome },
        orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        omit: { rawBody: true },
      });
      return { rows: rows.slice(0, limit), nextCursor: rows.length > limit ? rows[limit - 1].id : null };
    },

    find(id: string) {
      return prisma.webhookEvent.findUnique({ where: { id } });
    },

    /** Events that arrived before their project existed, oldest first, to apply in order. */
    pendingFor(projectId: string) {
      return prisma.webhookEvent.findMany({
        where: { projectId, outcome: { in: ['pending_project', 'received', 'signal_failed'] } },
        orderBy: { receivedAt: 'asc' },
      });
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
