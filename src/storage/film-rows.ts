import type pg from 'pg';
import { withTransaction } from './transaction';
import { runningStatuses } from './clients';

/** What creating a film needs to know of its row: who it is, what it was asked with, how it is steered. */
export interface FilmRow {
  id: string;
  workflowId: string;
  status: string;
  requestHash: string;
  userId: string | null;
  reviewMode: string;
  reviewTimeoutHours: number | null;
  reviewTimeoutAction: string | null;
  spendLimit: number | null;
  createdAt: Date;
}

/** A new film's row and its scenes, as POST /api/v1/projects chose them. */
export interface NewFilm {
  id: string;
  clientId: string | null;
  userId: string | null;
  workflowId: string;
  requestHash: string;
  provider: string;
  priority: number;
  model: string | null;
  providerOptions: Record<string, unknown> | null;
  startImageUrl: string | null;
  reviewMode: string;
  reviewTimeoutHours: number;
  reviewTimeoutAction: string;
  /** The request's own; null: the user's default, else the client's, else `fallbackSpendLimit`. */
  spendLimit: number | null;
  fallbackSpendLimit: number | null;
  scenes: { id: string; prompt: string; duration: number | null; model: string | null; options: Record<string, unknown> | null }[];
}

/** The client's "films at once" quota a new film must fit in (storage/clients.ts). */
export interface FilmQuota {
  limit: number;
}

export type FilmInsert = { created: FilmRow } | { existing: FilmRow } | { refused: { running: number; limit: number } };

const filmColumns = `id, workflow_id AS "workflowId", status, request_hash AS "requestHash", user_id AS "userId", review_mode AS "reviewMode",
  review_timeout_hours AS "reviewTimeoutHours", review_timeout_action AS "reviewTimeoutAction", spend_limit AS "spendLimit",
  created_at AT TIME ZONE 'UTC' AS "createdAt"`; // a timestamptz: pg reads a bare timestamp in the process's own zone

const running = runningStatuses.map((s) => `'${s}'`).join(', ');

/**
 * A new film's rows in one statement: the film, unless its id is taken (a retried create, or an identical
 * one racing: it waits for that one's commit, then inserts nothing) or its client is at its quota ($16,
 * NULL for none), and its scenes ($17, a JSON array) with it. The answer's one row says how many of the
 * client's films were running and, when the film was written, its columns. `updated_at` is set here
 * because Prisma fills its @updatedAt in the client. Checked against prisma/schema.prisma by
 * test/integration/storage-schema.test.ts.
 */
export const filmRowSql = {
  insert: `
  WITH running AS (
    SELECT count(*)::int AS n FROM projects WHERE $16::int IS NOT NULL AND client_id = $2 AND status IN (${running})
  ), film AS (
    INSERT INTO projects (id, client_id, user_id, workflow_id, request_hash, provider, priority, model, provider_options, start_image_url,
      review_mode, review_timeout_hours, review_timeout_action, spend_limit, updated_at)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13,
      COALESCE($14::float8, (SELECT COALESCE(u.spend_limit, c.spend_limit) FROM clients c
        LEFT JOIN user_spend_limits u ON u.client_id = c.id AND u.user_id = $3 WHERE c.id = $2), $15::float8), now()
    WHERE $16::int IS NULL OR (SELECT n FROM running) < $16::int
    ON CONFLICT DO NOTHING
    RETURNING ${filmColumns}
  ), scenes AS (
    INSERT INTO scenes (id, project_id, index, prompt, duration, model, provider_options, updated_at)
    SELECT s.id, film.id, s.index, s.prompt, s.duration, s.model, s.options, now()
    FROM film, jsonb_to_recordset($17::jsonb) AS s(id text, index int, prompt text, duration float8, model text, options jsonb)
  )
  SELECT (SELECT n FROM running) AS running, film.* FROM (SELECT 1) AS one LEFT JOIN film ON true`,
  find: `SELECT ${filmColumns} FROM projects WHERE id = $1`,
  sceneIds: `SELECT id FROM scenes WHERE project_id = $1 ORDER BY index`,
  newKeyScope: `UPDATE projects SET key_scope = gen_random_uuid()::text, updated_at = now() WHERE id = $1 AND key_scope IS NULL`,
};

/** A statement of filmRowSql as a named (prepared once per connection) query. */
const named = (name: keyof typeof filmRowSql, values: unknown[]) => ({ name: `films.${name}`, text: filmRowSql[name], values });

/** How long a create waits for its client's quota lock before answering 503 database_busy (a burst of one client's creates queues on it). */
const quotaLockWaitMs = 10_000;

/**
 * New films' rows, written in SQL on the pool: creating 1,000 films at once, Prisma (which compiles and
 * interprets each query in JavaScript) was a third of the gateway's CPU, and its several statements per
 * film as many socket writes (BENCHMARKS.md, provider caps). One statement writes a film and its scenes.
 */
export function createFilmRows(pool: pg.Pool) {
  const values = (film: NewFilm, quota: FilmQuota | null) => [
    film.id, film.clientId, film.userId, film.workflowId, film.requestHash, film.provider, film.priority, film.model,
    film.providerOptions === null ? null : JSON.stringify(film.providerOptions), film.startImageUrl, film.reviewMode, film.reviewTimeoutHours,
    film.reviewTimeoutAction, film.spendLimit, film.fallbackSpendLimit, quota?.limit ?? null,
    JSON.stringify(film.scenes.map((scene, index) => ({ ...scene, index }))),
  ];

  async function find(id: string): Promise<FilmRow | undefined> {
    return (await pool.query<FilmRow>(named('find', [id]))).rows[0];
  }

  /**
   * Writes the film with its scenes, or finds the film already under its id (only a new film takes a
   * place in the quota). With a quota, a per-client advisory lock held to the commit makes count-then-insert
   * one step: two creates at once cannot both take the last place.
   */
  async function insert(film: NewFilm, quota: FilmQuota | null): Promise<FilmInsert> {
    type Answer = Partial<FilmRow> & { running: number };
    let row: Answer;
    if (!quota) row = (await pool.query<Answer>(named('insert', values(film, null)))).rows[0];
    else {
      row = await withTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`reelay:client:${film.clientId}`]);
        return (await client.query<Answer>(named('insert', values(film, quota)))).rows[0];
      }, `BEGIN; SET LOCAL lock_timeout = ${quotaLockWaitMs}`);
    }
    const { running, ...written } = row;
    if (written.id) return { created: written as FilmRow };
    const existing = await find(film.id);
    if (existing) return { existing };
    if (quota && running >= quota.limit) return { refused: { running, limit: quota.limit } };
    // Its id was taken by a film deleted since: write it now.
    return insert(film, quota);
  }

  return {
    insert,
    find,
    /** A film's scenes' ids, in order. */
    sceneIds: async (id: string): Promise<string[]> => (await pool.query<{ id: string }>(named('sceneIds', [id]))).rows.map((r) => r.id),
    /** Gives a film that took a deleted film's id keys of its own: the services may still hold the deleted film's under the shared ones. */
    newKeyScope: async (id: string): Promise<void> => {
      await pool.query(named('newKeyScope', [id]));
    },
  };
}

export type FilmRows = ReturnType<typeof createFilmRows>;
