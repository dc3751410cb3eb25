import type { Database } from './database';
import type { WebhookEndpoint, WebhookEvent, WebhookOutcome } from './prisma';
import { createSignaledMarks, signaledMarksSql } from './signaled-marks';

/** A webhook event as stored, raw body included. */
export type StoredWebhookEvent = WebhookEvent;

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
  /** How many times this event (endpoint, project, scene, task id, status) has been delivered, this one included. */
  deliveries: number;
  /** What the database knows of the callback's scene and project as it arrives, for the answer's flags. */
  target: CallbackTarget;
}

export interface CallbackTarget {
  /** The scene named by the callback, when it is one of the project's; null otherwise. */
  sceneIndex: number | null;
  sceneStatus: string | null;
  /** Whether that scene is the project's last (false when it is not one of the project's). */
  lastScene: boolean;
  projectStatus: string | null;
}

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

interface StoredEventRow {
  id: string;
  outcome: WebhookOutcome;
  deliveries: number;
  scene_index: number | null;
  scene_status: string | null;
  last_scene: boolean;
  project_status: string | null;
}

/** Outcomes after which a repeat delivery must not signal the workflow again. */
const settled: ReadonlySet<WebhookOutcome> = new Set(['signaled', 'ignored']);

export const isSettled = (outcome: WebhookOutcome): boolean => settled.has(outcome);

/**
 * The two statements every webhook runs are plain SQL (the second batched, see signaled-marks.ts): measured on this stack,
 * Prisma's upsert cost 3 ms of CPU per call (it compiles and interprets each query in JavaScript), the
 * same statement through `pg` 0.2 ms. They run as named statements (`named` below), so each connection
 * has PostgreSQL parse and plan them once, not on every webhook. Checked against prisma/schema.prisma by
 * test/integration/storage-schema.test.ts; everything else goes through Prisma's typed client.
 */
export const eventStoreSql = {
  /** Whether a project has a webhook that arrived before it and was never applied (pendingFor's outcomes). */
  anyPending: `SELECT 1 FROM webhook_events WHERE project_id = $1 AND outcome IN ('pending_project', 'received', 'signal_failed') LIMIT 1`,
  recordDelivery: `
  WITH stored AS (
    INSERT INTO webhook_events (id, endpoint, task_id, status, project_id, scene_id, headers, raw_body, outcome)
    VALUES (gen_random_uuid(), $1::"WebhookEndpoint", $2, $3, $4, $5, $6::jsonb, $7, 'received')
    ON CONFLICT (endpoint, project_id, scene_id, task_id, status) DO UPDATE SET deliveries = webhook_events.deliveries + 1
    RETURNING id, outcome, deliveries
  )
  SELECT stored.id, stored.outcome, stored.deliveries,
         s.index AS scene_index, s.status::text AS scene_status, p.status::text AS project_status,
         s.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scenes later WHERE later.project_id = $4 AND later.index > s.index) AS last_scene
  FROM stored
  LEFT JOIN projects p ON p.id = $4
  LEFT JOIN scenes s ON s.id = $5 AND s.project_id = $4`,

  setOutcome: `
  UPDATE webhook_events
  SET outcome = $2::"WebhookOutcome", signaled_at = CASE WHEN $2::text = 'signaled' THEN now() ELSE signaled_at END
  WHERE id = $1`,

  signaledMarks: signaledMarksSql,

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
 * The gateway's memory of every verified webhook. One upsert per delivery both stores a new event
 * and counts a repeat, so the duplicate check costs a single round trip.
 */
export function createEventStore({ prisma, pool, asyncCommit }: Database) {
  const markSignaled = createSignaledMarks(asyncCommit);
  return {
    async recordDelivery(event: IncomingEvent): Promise<StoredEvent> {
      const { rows } = await pool.query<StoredEventRow>(
        named('recordDelivery', [event.endpoint, event.taskId, event.status, event.projectId, event.sceneId ?? null, JSON.stringify(event.headers), event.rawBody]),
      );
      const row = rows[0];
      return {
        id: row.id,
        outcome: row.outcome,
        deliveries: row.deliveries,
        target: { sceneIndex: row.scene_index, sceneStatus: row.scene_status, lastScene: row.last_scene, projectStatus: row.project_status },
      };
    },

    /** `signaled`, the outcome of nearly every webhook, goes through the batched marks (signaled-marks.ts). */
    async setOutcome(id: string, outcome: WebhookOutcome): Promise<void> {
      if (outcome === 'signaled') return markSignaled(id);
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
