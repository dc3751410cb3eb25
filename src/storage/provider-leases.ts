import type pg from 'pg';
import { withTransaction } from './transaction';
import { leaseSql, waiterTtlMs } from './provider-line';

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

/** Held: a slot, and how long the task waited in line for it. Not held: its place in line. */
export type LeaseAnswer = { held: true; waitedSeconds: number } | { held: false; position: number; waiting: number };

/** A slot just given to a waiting task: its film is woken to claim it (docs/providers.md, "Caps and the queue"). */
export interface SlotGrant {
  projectId: string;
  fingerprint: string;
}

/** Tells the films granted a slot that their turn has come (a Temporal signal); failures only cost the waiter its fallback wait. */
export type WakeGranted = (grants: SlotGrant[]) => Promise<void>;

/**
 * Caps on tasks running at once at each provider, held in PostgreSQL (docs/providers.md, "Caps and the queue").
 *
 * Why a lease table and not Temporal's task-queue limits (maxConcurrentActivityTaskExecutions,
 * maxTaskQueueActivitiesPerSecond): those bound activity executions, and a provider's task outlives the
 * activity that submitted it by minutes (its end arrives as a webhook or a poll). A lease spans exactly
 * that: taken before the submit, given back when the outcome is known, across every worker and gateway
 * replica; `expires_at` returns the slot of a worker killed mid-task. Grants are serialized per provider
 * by a row lock on its provider_caps row, and served in fair order (fairLine) rather than to whoever
 * retried luckiest.
 *
 * Hand-over is pushed, not polled: whoever frees a slot (the gateway on a webhook, a worker on a poll
 * result or a cancel) grants the next in line in the same transaction and wakes exactly the films
 * granted (`wake`, a signal). Waiters do not poll; each asks again only on a fallback timer (a lost
 * signal, a slot that expired), so a line of hundreds costs PostgreSQL a few queries a second, not hundreds.
 */
export function createProviderLeases(pool: pg.Pool, configuredCap: (provider: string) => number = () => 0, wake: WakeGranted = async () => undefined) {
  /** Within a transaction holding the provider's lock: drops what expired and grants every free slot, in fair order. */
  async function grantFree(client: pg.PoolClient, provider: string, maxRunning: number | null): Promise<SlotGrant[]> {
    return (await client.query<SlotGrant>(leaseSql.grantFree, [provider, maxRunning ?? configuredCap(provider)])).rows;
  }

  /** Runs `work` in a transaction, then wakes the films it granted a slot to (after the commit: they must find their grant). */
  async function inTransaction<T>(work: (client: pg.PoolClient, grants: SlotGrant[]) => Promise<T>, except?: string): Promise<T> {
    const grants: SlotGrant[] = [];
    const result = await withTransaction(pool, (client) => work(client, grants));
    const others = grants.filter((g) => g.fingerprint !== except);
    if (others.length) await wake(others);
    return result;
  }

  /**
   * Frees the leases `where` names and, holding each provider's lock (taken first, so a granter and a
   * freer never wait on each other's rows), grants the freed slots to the next in line.
   */
  async function free(where: string, values: unknown[], knownProvider?: string): Promise<void> {
    // A webhook names its provider: one round trip fewer before the hand-over's lock.
    const providers = knownProvider ? [knownProvider] : (await pool.query<{ provider: string }>(leaseSql.providersOf(where), values)).rows.map((r) => r.provider);
    for (const provider of providers) {
      await inTransaction(async (client, grants) => {
        const locked = await client.query<{ max_running: number | null }>(leaseSql.lockCap, [provider]);
        const freed = await client.query(leaseSql.free(where, values.length + 1), [...values, provider]);
        // Nothing of it held or waited there (a repeated webhook, a provider named by the caller): nothing to grant.
        if (locked.rows[0] && freed.rowCount) grants.push(...(await grantFree(client, provider, locked.rows[0].max_running)));
      });
    }
  }

  /** Grants whatever is free at the provider now (a cap raised live; a waiter that found the lock taken while slots were free). */
  const grantNow = (provider: string, except?: string) =>
    inTransaction(async (client, grants) => {
      const locked = await client.query<{ max_running: number | null }>(leaseSql.lockCap, [provider]);
      if (locked.rows[0]) grants.push(...(await grantFree(client, provider, locked.rows[0].max_running)));
      return grants;
    }, except);

  /** One ask: join the line (or refresh one's place), and grant free slots if no other granter is at it. */
  const ask = (r: LeaseRequest) =>
    inTransaction(async (client, grants) => {
      const values = [r.fingerprint, r.provider, r.projectId, r.sceneId, r.clientId, r.userId, r.priority, waiterTtlMs];
      const joined = await client.query<{ state: 'waiting' | 'held' }>(leaseSql.join, values);
      await client.query(leaseSql.dropEarlierTasks, [r.sceneId, r.fingerprint]);
      let skipped = false;
      let mine = joined.rows[0].state === 'held';
      if (!mine) {
        const locked = await client.query<{ max_running: number | null }>(leaseSql.lockCapOrSkip, [r.provider]);
        if (locked.rows[0]) grants.push(...(await grantFree(client, r.provider, locked.rows[0].max_running)));
        else skipped = true;
        mine = grants.some((g) => g.fingerprint === r.fingerprint);
      }
      // Not held: another granter cannot have granted it since the join (the row is this transaction's until its commit).
      if (!mine) return { held: false, waitedSeconds: 0, skipped };
      const granted = await client.query<{ waited_seconds: number }>(leaseSql.hold, [r.fingerprint, r.holdMs]);
      return { held: granted.rowCount !== 0, waitedSeconds: Math.max(0, granted.rows[0]?.waited_seconds ?? 0), skipped };
    }, r.fingerprint);

  /** Extends a held slot's lease: how long the task waited for it and its film's client; undefined when the task holds none. One statement. */
  async function claim(fingerprint: string, holdMs: number): Promise<{ waitedSeconds: number; clientId: string | null } | undefined> {
    const { rows } = await pool.query<{ waited_seconds: number; client_id: string | null }>(leaseSql.hold, [fingerprint, holdMs]);
    return rows[0] ? { waitedSeconds: Math.max(0, rows[0].waited_seconds), clientId: rows[0].client_id } : undefined;
  }

  /** The task's place in line, read after the ask's commit: the provider's lock is not held while the line is ranked. */
  async function placeOf(r: LeaseRequest, asked: { held: boolean; waitedSeconds: number }): Promise<LeaseAnswer> {
    if (asked.held) return { held: true, waitedSeconds: asked.waitedSeconds };
    const place = await pool.query<{ position: number; waiting: number }>(leaseSql.place, [r.provider, r.fingerprint]);
    return { held: false, position: place.rows[0]?.position ?? 1, waiting: place.rows[0]?.waiting ?? 1 };
  }

  return {
    /** The seconds the task waited, when its slot is held (granted while its film slept): the hand-over's path from signal to submit. */
    claim,

    /** Takes a slot for the task, or a place in line. Idempotent: asking again about a held task only extends it. */
    async acquire(r: LeaseRequest): Promise<LeaseAnswer> {
      await pool.query(leaseSql.ensureCap, [r.provider]);
      const asked = await ask(r);
      if (asked.held || !asked.skipped) return placeOf(r, asked);
      // Another granter held the line's lock: it may have granted this task after the ask looked (its
      // wake is then on its way), or counted before this task joined. With slots free, grant once more
      // (waiting for the lock, outside the join's transaction); either way the answer is the lease's own.
      const cap = (await pool.query<{ max_running: number | null }>(leaseSql.cap, [r.provider])).rows[0]?.max_running ?? configuredCap(r.provider);
      const held = (await pool.query<{ n: number }>(leaseSql.heldCount, [r.provider])).rows[0].n;
      if (cap === 0 || held < cap) await grantNow(r.provider, r.fingerprint);
      const claimed = await claim(r.fingerprint, r.holdMs);
      return claimed ? { held: true, waitedSeconds: claimed.waitedSeconds } : placeOf(r, asked);
    },

    /** Grants whatever is free at the provider now, waking the films granted (after a cap is raised live). */
    grantNow: (provider: string) => grantNow(provider),

    /** The task's outcome is known (its webhook or poll result arrived, or it was cancelled): its slot goes to the next in line. */
    releaseTask: (fingerprint: string, sceneId: string, provider?: string) => free('fingerprint = $1 AND scene_id = $2', [fingerprint, sceneId], provider),

    /** The scene's video is saved, or its task was cancelled or watched to its end. */
    releaseScene: (sceneId: string) => free('scene_id = $1', [sceneId]),

    /** The film ended (failed, cancelled): nothing of it holds a slot or stands in line. */
    releaseProject: (projectId: string) => free('project_id = $1', [projectId]),

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
