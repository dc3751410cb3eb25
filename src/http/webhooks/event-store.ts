import type { PrismaClient, Prisma } from '../../db/prisma';
import type { WebhookEndpoint, WebhookOutcome } from '../../generated/prisma/enums';

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
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
