import type { Database } from '../db/database';
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
 * The two statements every webhook runs are plain SQL on the shared pool: measured on this stack,
 * Prisma's upsert cost 3 ms of CPU per call (it compiles and interprets each query in JavaScript), the
 * same statement through `pg` 0.2 ms. Their shape follows prisma/schema.prisma's WebhookEvent.
 */
const recordDeliverySql = `
  INSERT INTO webhook_events (id, endpoint, task_id, status, project_id, scene_id, headers, raw_body, outcome)
  VALUES (gen_random_uuid(), $1::"WebhookEndpoint", $2, $3, $4, $5, $6::jsonb, $7, 'received')
  ON CONFLICT (endpoint, task_id, status) DO UPDATE SET deliveries = webhook_events.deliveries + 1
  RETURNING id, outcome, deliveries`;

const setOutcomeSql = `
  UPDATE webhook_events
  SET outcome = $2::"WebhookOutcome", signaled_at = CASE WHEN $2::text = 'signaled' THEN now() ELSE signaled_at END
  WHERE id = $1`;

/**
 * The gateway's memory of every verified webhook. One upsert per delivery both stores a new event
 * and counts a repeat, so the duplicate check costs a single round trip.
 */
export function createEventStore({ prisma, pool }: Database) {
  return {
    async recordDelivery(event: IncomingEvent): Promise<StoredEvent> {
      const { rows } = await pool.query<StoredEvent>(recordDeliverySql, [
        event.endpoint,
        event.taskId,
        event.status,
        event.projectId,
        event.sceneId ?? null,
        JSON.stringify(event.headers),
        event.rawBody,
      ]);
      return rows[0];
    },

    async setOutcome(id: string, outcome: WebhookOutcome): Promise<void> {
      await pool.query(setOutcomeSql, [id, outcome]);
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
