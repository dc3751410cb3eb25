/**
 * The SQL of a provider's line (storage/provider-leases.ts): who is next for a slot under the cap.
 */

/** A granted slot its waiter must claim (come back and submit) within this, or it goes to the next in line. */
export const claimMs = 30_000;
/**
 * A waiter refreshes its place each time it asks (when woken, and on its fallback timer: every 20 s at
 * most near the front of the line, every 10 minutes further back: activity-proxies.ts); one silent
 * this long (its film was terminated without ending) leaves the line. A film that ends gives its place
 * back at once (releaseProject), and a slot granted to a film that never comes returns after claimMs,
 * so a long time-to-live costs little, while a short one made every waiter wake to keep its place.
 */
export const waiterTtlMs = 30 * 60_000;

/**
 * The line for one provider, in fair order: round-robin between clients and, within a client, between
 * its users. A party's turn counts the slots it already holds, so a client with 500 films queued and
 * 4 running goes after one with 2 queued and none running.
 *
 * Priority (0-10, the project's) is a weight in that round-robin, not a separate line: a task's turn
 * is divided by 1 + priority, so a party at priority p goes ahead of normal parties holding as many
 * slots. The line keeps no memory of past grants, so weight alone could still starve normal work under
 * a steady stream of urgent films; ageing bounds that: a task gains one turn per agingSecondsPerTurn
 * of waiting, so a normal task is served within about a minute of urgent work however much arrives.
 * One turn a minute is slow next to a line that moves every few seconds, so among normal work the
 * round-robin between users still decides (a light user is not put behind a heavy user's older films).
 */
export const agingSecondsPerTurn = 60;

export const fairLine = `
  WITH held AS (
    SELECT COALESCE(client_id, '') AS client_key, COALESCE(user_id, '') AS user_key, count(*)::int AS n
    FROM provider_leases WHERE provider = $1 AND state = 'held' AND expires_at > now()
    GROUP BY 1, 2
  ), by_user AS (
    SELECT l.fingerprint, l.project_id, l.priority, l.enqueued_at,
      extract(epoch FROM now() - l.enqueued_at) / ${agingSecondsPerTurn}.0 AS aged_turns,
      COALESCE(l.client_id, '') AS client_key,
      row_number() OVER (PARTITION BY COALESCE(l.client_id, ''), COALESCE(l.user_id, '') ORDER BY l.priority DESC, l.enqueued_at, l.fingerprint)
        + COALESCE((SELECT n FROM held h WHERE h.client_key = COALESCE(l.client_id, '') AND h.user_key = COALESCE(l.user_id, '')), 0) AS user_turn
    FROM provider_leases l WHERE l.provider = $1 AND l.state = 'waiting' AND l.expires_at > now()
  ), by_client AS (
    SELECT b.*, row_number() OVER (PARTITION BY b.client_key ORDER BY b.user_turn / (1.0 + b.priority) - b.aged_turns, b.enqueued_at, b.fingerprint)
        + COALESCE((SELECT sum(n) FROM held h WHERE h.client_key = b.client_key), 0) AS client_turn
    FROM by_user b
  )
  SELECT fingerprint, project_id,
    row_number() OVER (ORDER BY client_turn / (1.0 + priority) - aged_turns, user_turn / (1.0 + priority) - aged_turns, enqueued_at, fingerprint)::int AS position
  FROM by_client`;

export const leaseSql = {
  ensureCap: 'INSERT INTO provider_caps (provider) VALUES ($1) ON CONFLICT (provider) DO NOTHING',
  /** In line (again): a waiter's row is refreshed on each ask; a held one is left as it is. */
  join: `INSERT INTO provider_leases (fingerprint, provider, project_id, scene_id, client_id, user_id, priority, state, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'waiting', now() + make_interval(secs => $8 / 1000.0))
    ON CONFLICT (fingerprint) DO UPDATE SET expires_at = CASE WHEN provider_leases.state = 'waiting' THEN EXCLUDED.expires_at ELSE provider_leases.expires_at END
    RETURNING state`,
  /** A scene asks for a new task only once its previous one has ended (failed, lost or replaced): that one's slot is free. */
  dropEarlierTasks: 'DELETE FROM provider_leases WHERE scene_id = $1 AND fingerprint <> $2',
  /** A held slot is kept; the answer says how long the task waited in line for it (the wait metric), and for whom. */
  hold: `UPDATE provider_leases SET expires_at = now() + make_interval(secs => $2 / 1000.0) WHERE fingerprint = $1 AND state = 'held'
    RETURNING extract(epoch FROM COALESCE(acquired_at, now()) - enqueued_at)::float AS waited_seconds, client_id`,
  /**
   * The provider's row, locked by one granter at a time. A waiter asking takes it with SKIP LOCKED, so
   * hundreds of them never queue on the lock (whoever holds it serves the line in fair order anyway).
   */
  lockCapOrSkip: 'SELECT max_running FROM provider_caps WHERE provider = $1 FOR UPDATE SKIP LOCKED',
  /** Whoever frees a slot waits for the lock instead: the slot it freed must be granted by someone. */
  lockCap: 'SELECT max_running FROM provider_caps WHERE provider = $1 FOR UPDATE',
  cap: 'SELECT max_running FROM provider_caps WHERE provider = $1',
  heldCount: `SELECT count(*)::int AS n FROM provider_leases WHERE provider = $1 AND state = 'held'`,
  /**
   * Under the provider's lock: drops what expired and grants every free slot ($2 the cap, 0 unlimited),
   * in fair order, in one statement. Whoever holds the lock waits on nothing but this and its commit:
   * as three statements (expire, count, grant), a freer's hand-over waited for the askers' round trips.
   * Expired rows are left out by each part's own `expires_at > now()` (the DELETE's effect is not
   * visible within the statement), and a full line costs nothing: LIMIT 0 reads no row of it.
   */
  grantFree: `WITH expired AS (DELETE FROM provider_leases WHERE provider = $1 AND expires_at <= now()),
    held AS (SELECT count(*)::int AS n FROM provider_leases WHERE provider = $1 AND state = 'held' AND expires_at > now())
    UPDATE provider_leases SET state = 'held', acquired_at = now(), expires_at = now() + make_interval(secs => ${claimMs / 1000})
    WHERE fingerprint IN (SELECT fingerprint FROM (${fairLine}) line ORDER BY position
      LIMIT (SELECT CASE WHEN $2::int = 0 THEN 1000 ELSE least(1000, greatest(0, $2::int - n)) END FROM held))
    RETURNING project_id AS "projectId", fingerprint`,
  place: `SELECT position, (SELECT count(*)::int FROM provider_leases WHERE provider = $1 AND state = 'waiting' AND expires_at > now()) AS waiting
    FROM (${fairLine}) line WHERE fingerprint = $2`,
  providersOf: (where: string) => `SELECT DISTINCT provider FROM provider_leases WHERE ${where}`,
  free: (where: string, providerParam: number) => `DELETE FROM provider_leases WHERE ${where} AND provider = $${providerParam}`,
} as const;
