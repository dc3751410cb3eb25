import type pg from 'pg';
import type { WebhookEndpoint, WebhookOutcome } from './prisma';

/** A verified webhook as it is stored. */
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

/**
 * The webhooks' writes, as statements (checked against the schema by test/integration/storage-schema.test.ts).
 * `recordDeliveries` stores (or counts again) every webhook of a batch, as one row each of the arrays
 * $1..$7, and marks the events of $8 signalled, in one statement: one round trip and one commit for all.
 * A mark is left out (and returned unmarked) when a repeat of its own event is in the batch: PostgreSQL
 * cannot change one row twice in a statement, and would silently keep only one of the two changes.
 */
export const webhookWritesSql = {
  recordDeliveries: `
  WITH incoming AS (
    SELECT * FROM unnest($1::"WebhookEndpoint"[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[])
      WITH ORDINALITY AS i(endpoint, task_id, status, project_id, scene_id, headers, raw_body, n)
  ),
  marked AS (
    UPDATE webhook_events w SET outcome = 'signaled', signaled_at = now()
    WHERE w.id = ANY($8::text[])
      AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.endpoint = w.endpoint AND i.project_id = w.project_id
                      AND i.scene_id IS NOT DISTINCT FROM w.scene_id AND i.task_id = w.task_id AND i.status = w.status)
    RETURNING w.id
  ),
  stored AS (
    INSERT INTO webhook_events (id, endpoint, task_id, status, project_id, scene_id, headers, raw_body, outcome)
    SELECT gen_random_uuid(), endpoint, task_id, status, project_id, scene_id, headers, raw_body, 'received' FROM incoming ORDER BY n
    ON CONFLICT (endpoint, project_id, scene_id, task_id, status) DO UPDATE SET deliveries = webhook_events.deliveries + 1
    RETURNING id, outcome, deliveries, endpoint, task_id, status, project_id, scene_id
  )
  SELECT i.n::int AS n, stored.id, stored.outcome, stored.deliveries,
         s.index AS scene_index, s.status::text AS scene_status, p.status::text AS project_status,
         s.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scenes later WHERE later.project_id = stored.project_id AND later.index > s.index) AS last_scene,
         (SELECT coalesce(array_agg(id), '{}') FROM marked) AS marked
  FROM stored
  JOIN incoming i ON i.endpoint = stored.endpoint AND i.project_id = stored.project_id AND i.scene_id IS NOT DISTINCT FROM stored.scene_id
                 AND i.task_id = stored.task_id AND i.status = stored.status
  LEFT JOIN projects p ON p.id = stored.project_id
  LEFT JOIN scenes s ON s.id = stored.scene_id AND s.project_id = stored.project_id`,

  /** Marks stored webhook events `signaled`, many in one statement, when no webhook is waiting to be recorded to carry them. */
  signaledMarks: `
  UPDATE webhook_events SET outcome = 'signaled', signaled_at = now()
  WHERE id = ANY($1::text[])`,
} as const;

interface StoredEventRow {
  n: number;
  id: string;
  outcome: WebhookOutcome;
  deliveries: number;
  scene_index: number | null;
  scene_status: string | null;
  last_scene: boolean;
  project_status: string | null;
  marked: string[];
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}
type WaitingRecord = Waiting<IncomingEvent, StoredEvent> & { key: string };
type WaitingMark = Waiting<string, void>;

/** The event store's unique key: two deliveries with the same one are the same event. */
const keyOf = (e: IncomingEvent) => JSON.stringify([e.endpoint, e.projectId, e.sceneId ?? null, e.taskId, e.status]);

const storedEventOf = (row: StoredEventRow): StoredEvent => ({
  id: row.id,
  outcome: row.outcome,
  deliveries: row.deliveries,
  target: { sceneIndex: row.scene_index, sceneStatus: row.scene_status, lastScene: row.last_scene, projectStatus: row.project_status },
});

/**
 * A webhook's two writes, batched. Each round trip to PostgreSQL costs the gateway more than anything
 * else it does for a webhook (a CPU profile of the stubbed path: 29% of its time in the `writev` that
 * sends a statement, which wakes the database), so the webhooks that arrive while one statement is on its
 * way go together in the next, and the signalled marks waiting then ride along in the same statement.
 * A lone webhook's statement goes at once, as before.
 *
 * - Recorded durably before anything else: a batch's statement commits synchronously, and no webhook
 *   of it is signalled or answered before that. A crash of the gateway loses nothing that was answered.
 * - Two deliveries of one event never share a statement (PostgreSQL's upsert cannot touch a row twice
 *   in one): the second waits for the next, where it is counted as a repeat.
 * - A statement that fails is tried again piece by piece (the marks alone, then each webhook alone), so
 *   one webhook's bad row, or a repeat meeting its own mark, fails no other.
 * - Marks with no webhook to carry them go alone, committed without waiting for the disk (`asyncCommit`):
 *   a crash of PostgreSQL may lose the last of them, which costs nothing (the event stays `received`,
 *   a repeat signals again, and the workflow ignores a callback it has applied). Every caller waits for
 *   its mark before answering, so a repeat that follows the answer sees it.
 */
export function createWebhookWrites(pool: pg.Pool, asyncCommit: pg.Pool) {
  let records: WaitingRecord[] = [];
  let marks: WaitingMark[] = [];
  /** Marks a batch left out: they go alone next, never riding again (one whose row is gone would ride forever). */
  let leftOut: WaitingMark[] = [];
  let writing = false;

  const recordStatement = (batch: WaitingRecord[], markIds: string[]) => {
    const column = <T>(of: (e: IncomingEvent) => T) => batch.map((w) => of(w.item));
    return pool.query<StoredEventRow>({
      name: 'events.recordDeliveries',
      text: webhookWritesSql.recordDeliveries,
      values: [
        column((e) => e.endpoint),
        column((e) => e.taskId),
        column((e) => e.status),
        column((e) => e.projectId),
        column((e) => e.sceneId ?? null),
        column((e) => JSON.stringify(e.headers)),
        column((e) => e.rawBody),
        markIds,
      ],
    });
  };

  /** Records the batch, and returns which of the marks it carried were made. */
  async function writeRecords(batch: WaitingRecord[], markIds: string[]): Promise<Set<string>> {
    const { rows } = await recordStatement(batch, markIds);
    for (const row of rows) batch[row.n - 1].resolve(storedEventOf(row));
    // Every row of an upsert comes back; this only keeps a caller from waiting forever if one did not.
    if (rows.length !== batch.length) for (const w of batch) w.reject(new Error('A stored webhook was not returned by its statement'));
    return new Set(rows[0]?.marked ?? []);
  }

  async function writeMarks(batch: WaitingMark[]): Promise<void> {
    try {
      await asyncCommit.query({ name: 'events.signaledMarks', text: webhookWritesSql.signaledMarks, values: [batch.map((w) => w.item)] });
      for (const w of batch) w.resolve();
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }

  /** The records to send now: all waiting, but never two deliveries of the same event. */
  function takeRecords(): WaitingRecord[] {
    const keys = new Set<string>();
    const now: WaitingRecord[] = [];
    const later: WaitingRecord[] = [];
    for (const w of records) {
      if (keys.has(w.key)) later.push(w);
      else {
        keys.add(w.key);
        now.push(w);
      }
    }
    records = later;
    return now;
  }

  async function writeBatch(batch: WaitingRecord[], carried: WaitingMark[]): Promise<void> {
    try {
      const marked = await writeRecords(batch, carried.map((w) => w.item));
      // A mark left out (its event's repeat was in the batch, now committed) goes alone next.
      for (const w of carried) if (marked.has(w.item)) w.resolve();
      leftOut = carried.filter((w) => !marked.has(w.item));
    } catch (err) {
      if (batch.length === 1 && !carried.length) return batch[0].reject(err);
      // Piece by piece: the marks first (a repeat in this batch may be of a marked event), then each webhook.
      if (carried.length) await writeMarks(carried);
      await Promise.all(batch.map((w) => writeRecords([w], []).catch(w.reject)));
    }
  }

  async function writeAll(): Promise<void> {
    writing = true;
    try {
      while (records.length || marks.length || leftOut.length) {
        if (leftOut.length) {
          const alone = leftOut;
          leftOut = [];
          await writeMarks(alone);
          continue;
        }
        const carried = marks;
        marks = [];
        if (records.length) await writeBatch(takeRecords(), carried);
        else await writeMarks(carried);
      }
    } finally {
      writing = false;
    }
  }

  const enqueue = () => {
    if (!writing) void writeAll();
  };

  return {
    /** Stores a verified webhook (or counts a repeat); resolves once it is committed. */
    record(event: IncomingEvent): Promise<StoredEvent> {
      return new Promise((resolve, reject) => {
        records.push({ item: event, key: keyOf(event), resolve, reject });
        enqueue();
      });
    },
    /** Marks a stored event `signaled`; resolves once the mark is committed. */
    markSignaled(id: string): Promise<void> {
      return new Promise((resolve, reject) => {
        marks.push({ item: id, resolve, reject });
        enqueue();
      });
    },
  };
}
