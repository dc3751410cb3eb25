import type pg from 'pg';
import type { ProjectStatus, Severity } from '../contracts/statuses';
import type { Step } from '../contracts/steps';

/**
 * Counts over every film and the error log at once, for the gateway's metrics. They are read on each
 * scrape, so each query is bounded by what is in flight or by a recent window, never by the history.
 */
export const liveCountsSql = {
  /** Films not finished yet, by status (the status index: only films in flight are read). */
  filmsInProgress: `SELECT status::text AS status, count(*)::int AS n FROM projects
    WHERE status IN ('pending', 'generating', 'stitching') GROUP BY status`,
  /** Films waiting for a person: a review, or a higher spend limit (the status index: only those films are read). */
  filmsAwaiting: `SELECT status::text AS status, count(*)::int AS n FROM projects
    WHERE status IN ('awaiting_review', 'awaiting_budget') GROUP BY status`,
  /** Each client's films not finished yet: what its "films at once" quota counts (the client_id, status index). */
  clientFilmsRunning: `SELECT client_id AS client, count(*)::int AS n FROM projects
    WHERE client_id IS NOT NULL AND status IN ('pending', 'generating', 'stitching') GROUP BY client_id`,
  /** Films that ended in the last day, by how (the completed_at index). */
  filmsFinishedLastDay: `SELECT status::text AS status, count(*)::int AS n FROM projects
    WHERE completed_at >= now() - interval '1 day' AND status IN ('completed', 'failed', 'cancelled') GROUP BY status`,
  /**
   * Films whose current step has not moved for longer than its deadline ($1, $2, $3: seconds for video,
   * last frame, stitch). A step's row is written each time it is requested, and at its deadline the
   * workflow asks the service again, which writes it anew: a row older than that means nothing acted.
   */
  filmsPastStepDeadline: `
    SELECT 'video' AS step, count(DISTINCT s.project_id)::int AS n FROM projects p JOIN scenes s ON s.project_id = p.id
      WHERE p.status = 'generating' AND s.status = 'generating' AND s.updated_at < now() - make_interval(secs => $1)
    UNION ALL
    SELECT 'lastFrame', count(DISTINCT s.project_id)::int FROM projects p JOIN scenes s ON s.project_id = p.id
      WHERE p.status = 'generating' AND s.status = 'extracting_frame' AND s.updated_at < now() - make_interval(secs => $2)
    UNION ALL
    SELECT 'stitch', count(*)::int FROM projects WHERE status = 'stitching' AND updated_at < now() - make_interval(secs => $3)`,
  /** Error log rows of the last hour by category, reason and severity (the created_at index). */
  errorsLastHour: `SELECT type, code, severity::text AS severity, count(*)::int AS n FROM error_log
    WHERE created_at >= now() - interval '1 hour' GROUP BY type, code, severity`,
  /** Per provider: how long the scene first in line by age has waited for a slot (the provider_leases line index). */
  providerOldestWait: `SELECT provider, extract(epoch FROM now() - min(enqueued_at))::float AS seconds FROM provider_leases
    WHERE state = 'waiting' AND expires_at > now() GROUP BY provider`,
  /**
   * Per provider and client: scenes waiting for a slot. Clients are few (the operator makes each), so a
   * bounded label; the operator's own films are `@operator` (a client's name never holds `@`).
   */
  providerClientQueue: `SELECT provider, COALESCE(client_id, '@operator') AS client, count(*)::int AS n FROM provider_leases
    WHERE state = 'waiting' AND expires_at > now() GROUP BY provider, client_id`,
  /**
   * Per provider, the $1 users whose oldest scene in line has waited longest, and how long. Users are
   * unbounded (each client names its own), so only the worst few are a series at any time.
   */
  providerLongestWaitingUsers: `SELECT provider, client, "user", seconds FROM (
      SELECT provider, COALESCE(client_id, '@operator') AS client, COALESCE(user_id, '') AS "user",
        extract(epoch FROM now() - min(enqueued_at))::float AS seconds,
        row_number() OVER (PARTITION BY provider ORDER BY min(enqueued_at), COALESCE(client_id, ''), COALESCE(user_id, '')) AS rank
      FROM provider_leases WHERE state = 'waiting' AND expires_at > now() GROUP BY provider, client_id, user_id
    ) users WHERE rank <= $1`,
} as const;

export function createLiveCounts(pool: pg.Pool) {
  const rows = async <Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => (await pool.query<Row>(sql, values)).rows;
  return {
    filmsInProgress: () => rows<{ status: ProjectStatus; n: number }>(liveCountsSql.filmsInProgress),
    filmsAwaiting: () => rows<{ status: ProjectStatus; n: number }>(liveCountsSql.filmsAwaiting),
    clientFilmsRunning: () => rows<{ client: string; n: number }>(liveCountsSql.clientFilmsRunning),
    filmsFinishedLastDay: () => rows<{ status: ProjectStatus; n: number }>(liveCountsSql.filmsFinishedLastDay),
    filmsPastStepDeadline: (deadlineMs: Record<Step, number>) =>
      rows<{ step: Step; n: number }>(liveCountsSql.filmsPastStepDeadline, [deadlineMs.video / 1000, deadlineMs.lastFrame / 1000, deadlineMs.stitch / 1000]),
    errorsLastHour: () => rows<{ type: string; code: string; severity: Severity; n: number }>(liveCountsSql.errorsLastHour),
    providerOldestWait: () => rows<{ provider: string; seconds: number }>(liveCountsSql.providerOldestWait),
    providerClientQueue: () => rows<{ provider: string; client: string; n: number }>(liveCountsSql.providerClientQueue),
    providerLongestWaitingUsers: (top: number) =>
      rows<{ provider: string; client: string; user: string; seconds: number }>(liveCountsSql.providerLongestWaitingUsers, [top]),
  };
}

export type LiveCounts = ReturnType<typeof createLiveCounts>;
