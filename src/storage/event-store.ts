import type { Database } from './database';
import type { WebhookEndpoint, WebhookEvent, WebhookOutcome } from './prisma';
import { createWebhookWrites, webhookWritesSql, type IncomingEvent, type StoredEvent } from './webhook-writes';

/** A webhook event as stored, raw body included. */
export type StoredWebhookEvent = WebhookEvent;

export type { CallbackTarget, IncomingEvent, StoredEvent } from './webhook-writes';

export interface EventQuery {
  projectId?: string;
  endpoint?: WebhookEndpoint;
  outcome?: WebhookOutcome;
  /** Received at or after. */
  since?: Date;
  /** Received before. */
  until?: Date;
  limit: number;
  /** The id of the last event of the previous page. */
  cursor?: string;
}

/** Outcomes after which a repeat delivery must not signal the workflow again. */
const settled: ReadonlySet<WebhookOutcome> = new Set(['signaled', 'ignored']);

export const isSettled = (outcome: WebhookOutcome): boolean => settled.has(outcome);

/**
 * The statements every webhook runs are plain SQL (batched, see webhook-writes.ts): measured on this stack,
 * Prisma's upsert cost 3 ms of CPU per call (it compiles and interprets each query in JavaScript), the
 * same statement through `pg` 0.2 ms. They run as named statements (`named` below), so each connection
 * has PostgreSQL parse and plan them once, not on every webhook. Checked against prisma/schema.prisma by
 * test/integration/storage-schema.test.ts; everything else goes through Prisma's typed client.
 */
export const eventStoreSql = {
  /** Whether a project has a webhook that arrived before it and was never applied (pendingFor's outcomes). */
  anyPending: `SELECT 1 FROM webhook_events WHERE project_id = $1 AND outcome IN ('pending_project', 'received', 'signal_failed') LIMIT 1`,
  ...webhookWritesSql,

  setOutcome: `
  UPDATE webhook_events
  SET outcome = $2::"WebhookOutcome", signaled_at = CASE WHEN $2::text = 'signaled' THEN now() ELSE signaled_at END
  WHERE id = $1`,

  callbackOf: `
  SELECT raw_body FROM webhook_events
  WHERE endpoint = $1::"WebhookEndpoint" AND project_id = $2 AND scene_id IS NOT DISTINCT FROM $3 AND task_id = $4
    AND status IN ('completed', 'failed')
  ORDER BY status = 'completed' DESC, received_at
  LIMIT 1`,
} as const;

/** A statement of eventStoreSql as a named (prepared once per connection) query. */
const named = (name: keyof typeof eventStoreSql, values: unknown[]) => ({ name: `events.${name}`, text: eventStoreSql[name], values });

/**
 * The gateway's memory of every verified webhook. One upsert both stores a new event and counts a
 * repeat, so the duplicate check costs no round trip of its own.
 */
export function createEventStore({ prisma, pool, asyncCommit }: Database) {
  const writes = createWebhookWrites(pool, asyncCommit);
  return {
    /** Stored with the webhooks that arrive with it, in one statement (webhook-writes.ts). */
    recordDelivery(event: IncomingEvent): Promise<StoredEvent> {
      return writes.record(event);
    },

    /** `signaled`, the outcome of nearly every webhook, rides with the next webhooks' statement or goes batched alone (webhook-writes.ts). */
    async setOutcome(id: string, outcome: WebhookOutcome): Promise<void> {
      if (outcome === 'signaled') return writes.markSignaled(id);
      await pool.query(named('setOutcome', [id, outcome]));
    },

    /** Newest first, keyset-paginated. */
    async list({ projectId, endpoint, outcome, since, until, limit, cursor }: EventQuery) {
      const receivedAt = since || until ? { ...(since ? { gte: since } : {}), ...(until ? { lt: until } : {}) } : undefined;
      const rows = await prisma.webhookEvent.findMany({
        where: { projectId, endpoint, outcome, receivedAt },
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

    /**
     * The stored callback of one task, if the service already sent it: a run reset with Temporal
     * (signals left out, or reset before they arrived) asks for the same task again under the same
     * idempotency key, and the service will not call back a second time.
     */
    async callbackOf(key: { endpoint: WebhookEndpoint; projectId: string; sceneId?: string; taskId: string }): Promise<{ rawBody: string } | undefined> {
      const { rows } = await pool.query<{ raw_body: string }>(named('callbackOf', [key.endpoint, key.projectId, key.sceneId ?? null, key.taskId]));
      return rows[0] ? { rawBody: rows[0].raw_body } : undefined;
    },

    /** Events that arrived before their project existed, oldest first, to apply in order. */
    async pendingFor(projectId: string) {
      // Asked on every create, where there is nearly never one: a plain existence check first, since a
      // Prisma query costs the gateway far more CPU than PostgreSQL spends on it (BENCHMARKS.md, provider caps).
      const any = await pool.query(named('anyPending', [projectId]));
      if (!any.rowCount) return [];
      return prisma.webhookEvent.findMany({
        where: { projectId, outcome: { in: ['pending_project', 'received', 'signal_failed'] } },
        orderBy: { receivedAt: 'asc' },
      });
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
