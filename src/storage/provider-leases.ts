import type pg from 'pg';

/** Who a provider task is for, and how urgent: what its turn in line is decided by. */
export interface LeaseRequest {
  provider: string;
  fingerprint: string;
  projectId: string;
  sceneId: string;
  clientId: string | null;
  userId: string | null;
  priority: number;
  /** How long a granted slot stays held without news of the task: the step's deadline. */
  holdMs: number;
}

export type LeaseAnswer = { held: true } | { held: false; position: number; waiting: number };

/** A granted slot its waiter must claim (come back and submit) within this, or it goes to the next in line. */
const claimMs = 30_000;
/** A waiter asks again every second or so; one silent this long (its worker died, its film ended) leaves the line. */
const waiterTtlMs = 60_000;

/**
 * The line for one provider, in fair order: priority first, then round-robin between clients and,
 * within a client, between its users. A party's turn counts the slots it already holds, so a client
 * with 500 films queued and 4 running goes after one with 2 queued and none running.
 */
const fairLine = `
  WITH held AS (
    SELECT COALESCE(client_id, '') AS client_key, COALESCE(user_id, '') AS user_key, count(*)::int AS n
    FROM provider_leases WHERE provider = $1 AND state = 'held' AND expires_at > now()
    GROUP BY 1, 2
  ), by_user AS (
    SELECT l.fingerprint, l.project_id, l.priority, l.enqueued_at,
      COALESCE(l.client_id, '') AS client_key,
      row_number() OVER (PARTITION BY COALESCE(l.client_id, ''), COALESCE(l.user_id, '') ORDER BY l.priority DESC, l.enqueued_at, l.fingerprint)
        + COALESCE((SELECT n FROM held h WHERE h.client_key = COALESCE(l.client_id, '') AND h.user_key = COALESCE(l.user_id, '')), 0) AS user_turn
    FROM provider_leases l WHERE l.provider = $1 AND l.state = 'waiting' AND l.expires_at > now()
  ), by_client AS (
    SELECT b.*, row_number() OVER (PARTITION BY b.client_key ORDER BY b.priority DESC, b.user_turn, b.enqueued_at, b.fingerprint)
        + COALESCE((SELECT sum(n) FROM held h WHERE h.client_key = b.client_key), 0) AS client_turn
    FROM by_user b
  )
  SELECT fingerprint, project_id, row_number() OVER (ORDER BY priority DESC, client_turn, user_turn, enqueued_at, fingerprint)::int AS position
  FROM by_client`;

const leaseSql = {
  ensureCap: 'INSERT INTO provider_caps (provider) VALUES ($1) ON CONFLICT (provider) DO NOTHING',
  /** In line (again): a waiter's row is refreshed on each ask; a held one is left as it is. */
  join: `INSERT INTO provider_leases (fingerprint, provider, project_id, scene_id, client_id, user_id, priority, state, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'waiting', now() + make_interval(secs => $8 / 1000.0))
    ON CONFLICT (fingerprint) DO UPDATE SET expires_at = CASE WHEN provider_leases.state = 'waiting' THEN EXCLUDED.expires_at ELSE provider_leases.expires_at END
    RETURNING state`,
  /** A scene asks for a new task only once its previous one has ended (failed, lost or replaced): that one's slot is free. */
  dropEarlierTasks: 'DELETE FROM provider_leases WHERE scene_id = $1 AND fingerprint <> $2',
  hold: `UPDATE provider_leases SET expires_at = now() + make_interval(secs => $2 / 1000.0) WHERE fingerprint = $1 AND state = 'held'`,
  /**
   * The provider's row, locked by one granter at a time: SKIP LOCKED lets every other waiter go back to
   * sleep at once instead of queueing on the lock (the granter serves the line in fair order anyway).
   */
  lockCap: 'SELECT max_running FROM provider_caps WHERE provider = $1 FOR UPDATE SKIP LOCKED',
  expire: 'DELETE FROM provider_leases WHERE provider = $1 AND expires_at <= now()',
  heldCount: `SELECT count(*)::int AS n FROM provider_leases WHERE provider = $1 AND state = 'held'`,
  grant: `UPDATE provider_leases SET state = 'held', acquired_at = now(), expires_at = now() + make_interval(secs => ${claimMs / 1000})
    WHERE fingerprint IN (SELECT fingerprint FROM (${fairLine}) line ORDER BY position LIMIT $2)`,
  place: `SELECT position, (SELECT count(*)::int FROM provider_leases WHERE provider = $1 AND state = 'waiting' AND expires_at > now()) AS waiting
    FROM (${fairLine}) line WHERE fingerprint = $2`,
} as const;

/**
 * Caps on tasks running at once at each provider, held in PostgreSQL (docs/providers.md, "Caps and the queue").
 *
 * Why a lease table and not Temporal's task-queue limits (maxConcurrentActivityTaskExecutions,
 * maxTaskQueueActivitiesPerSecond): those bound activity executions, and a provider's task outlives the
 * activity that submitted it by minutes (its end arrives as a webhook or a poll). A lease spans exactly
 * that: taken before the submit, given back when the outcome is known, across every worker and gateway
 * replica; `expires_at` returns the slot of a worker killed mid-task. Grants are serialized per provider
 * by a row lock taken with SKIP LOCKED, and served in fair order (fairLine) rather than to whoever
 * retried luckiest.
 */
export function createProviderLeases(pool: pg.Pool, configuredCap: (provider: string) => number = () => 0) {
  return {
    /** Takes a slot for the task, or a place in line. Idempotent: asking again about a held task only extends it. */
    async acquire(r: LeaseRequest): Promise<LeaseAnswer> {
      await pool.query(leaseSql.ensureCap, [r.provider]);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const values = [r.fingerprint, r.provider, r.projectId, r.sceneId, r.clientId, r.userId, r.priority, waiterTtlMs];
        const joined = await client.query<{ state: 'waiting' | 'held' }>(leaseSql.join, values);
        await client.query(leaseSql.dropEarlierTasks, [r.sceneId, r.fingerprint]);
        if (joined.rows[0].state === 'waiting') {
          const locked = await client.query<{ max_running: number | null }>(leaseSql.lockCap, [r.provider]);
          if (locked.rows[0]) {
            await client.query(leaseSql.expire, [r.provider]);
            const cap = locked.rows[0].max_running ?? configuredCap(r.provider);
            const held = (await client.query<{ n: number }>(leaseSql.heldCount, [r.provider])).rows[0].n;
            const free = cap === 0 ? Number.MAX_SAFE_INTEGER : cap - held;
            if (free > 0) await client.query(leaseSql.grant, [r.provider, Math.min(free, 1_000)]);
          }
        }
        const granted = await client.query(leaseSql.hold, [r.fingerprint, r.holdMs]);
        if (granted.rowCount) {
          await client.query('COMMIT');
          return { held: true };
        }
        const place = await client.query<{ position: number; waiting: number }>(leaseSql.place, [r.provider, r.fingerprint]);
        await client.query('COMMIT');
        return { held: false, position: place.rows[0]?.position ?? 1, waiting: place.rows[0]?.waiting ?? 1 };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },

    /** The task's outcome is known (its webhook or poll result arrived, or it was cancelled): its slot is free. */
    async releaseTask(fingerprint: string, sceneId: string): Promise<void> {
      await pool.query('DELETE FROM provider_leases WHERE fingerprint = $1 AND scene_id = $2', [fingerprint, sceneId]);
    },

    /** The scene's video is saved, or its task was cancelled or watched to its end. */
    async releaseScene(sceneId: string): Promise<void> {
      await pool.query('DELETE FROM provider_leases WHERE scene_id = $1', [sceneId]);
    },

    /** The film ended (failed, cancelled): nothing of it holds a slot or stands in line. */
    async releaseProject(projectId: string): Promise<void> {
      await pool.query('DELETE FROM provider_leases WHERE project_id = $1', [projectId]);
    },

    /** A film's place in its provider's line, while one of its scenes waits for a slot. */
    async queueOf(projectId: string): Promise<{ provider: string; position: number } | null> {
      const { rows } = await pool.query<{ provider: string; fingerprint: string }>(
        `SELECT provider, fingerprint FROM provider_leases WHERE project_id = $1 AND state = 'waiting' AND expires_at > now() LIMIT 1`,
        [projectId],
      );
      if (!rows[0]) return null;
      const place = await pool.query<{ position: number }>(leaseSql.place, [rows[0].provider, rows[0].fingerprint]);
      return place.rows[0] ? { provider: rows[0].provider, position: place.rows[0].position } : null;
    },

    /** Per provider: tasks in line and slots held (the metrics, and the admin view). */
    async usage(): Promise<{ provider: string; waiting: number; held: number }[]> {
      const { rows } = await pool.query<{ provider: string; waiting: number; held: number }>(
        `SELECT provider, count(*) FILTER (WHERE state = 'waiting')::int AS waiting, count(*) FILTER (WHERE state = 'held')::int AS held
         FROM provider_leases WHERE expires_at > now() GROUP BY provider ORDER BY provider`,
      );
      return rows;
    },

    /** A cap changed live through the admin API (NULL: back to the setting), recorded with who changed it. */
    async setCap(provider: string, maxRunning: number | null, changedBy: string): Promise<void> {
      await pool.query(
        `WITH changed AS (INSERT INTO provider_caps (provider, max_running, updated_at) VALUES ($1, $2, now())
           ON CONFLICT (provider) DO UPDATE SET max_running = EXCLUDED.max_running, updated_at = now() RETURNING provider)
         INSERT INTO provider_cap_changes (id, provider, max_running, changed_by) SELECT gen_random_uuid(), provider, $2, $3 FROM changed`,
        [provider, maxRunning, changedBy],
      );
    },

    /** The caps as set live (NULL: the setting applies). */
    async liveCaps(): Promise<Map<string, number | null>> {
      const { rows } = await pool.query<{ provider: string; max_running: number | null }>('SELECT provider, max_running FROM provider_caps');
      return new Map(rows.map((r) => [r.provider, r.max_running]));
    },
  };
}

export type ProviderLeases = ReturnType<typeof createProviderLeases>;
