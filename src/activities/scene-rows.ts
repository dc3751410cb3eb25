import type pg from 'pg';
import type { FinalVideoRecord, SceneFrameRecord, SceneVideoRecord } from '../contracts/records';
import { costOf } from '../contracts/providers';
import type { TakeRequest } from '../contracts/review-api';
import type { Step } from '../contracts/steps';
import type { WebhookEndpoint } from '../storage/prisma';
import type { StepMetrics } from './step-metrics';

export interface ScenePrompt {
  index: number;
  prompt: string;
  duration: number | null;
}

/** A scene's prompt with what makes it: the project's provider, and the model and inputs (the scene's over the project's). */
export interface SceneChoice extends ScenePrompt {
  provider: string;
  model: string | null;
  projectOptions: Record<string, unknown> | null;
  sceneOptions: Record<string, unknown> | null;
  /** The project's opening image, for the first scene. */
  startImageUrl: string | null;
}

/** A review film's take is made with its own prompt, seed and inputs over the scene's (the seed is a model input). */
export function withTake(scene: SceneChoice, take: TakeRequest | undefined): SceneChoice {
  if (!take) return scene;
  const options = take.options || take.seed !== undefined ? { ...scene.sceneOptions, ...take.options, ...(take.seed !== undefined ? { seed: take.seed } : {}) } : scene.sceneOptions;
  return { ...scene, prompt: take.prompt ?? scene.prompt, sceneOptions: options };
}

/**
 * The callback the gateway already stored for task $2 (the run was reset past it: the service will not
 * send it again), as storage/event-store.ts's callbackOf finds it.
 */
const storedCallback = (endpoint: string, projectId: string, sceneId: string) => `(
    SELECT raw_body FROM webhook_events
    WHERE endpoint = ${endpoint}::"WebhookEndpoint" AND project_id = ${projectId} AND scene_id ${sceneId} AND task_id = $2 AND status IN ('completed', 'failed')
    ORDER BY status = 'completed' DESC, received_at LIMIT 1
  ) AS stored_callback`;

/**
 * A step is being requested: the scene ($1), and its project if an operator reset a failed film, are in
 * progress again. In the same round trip, the task's ($2) stored callback; `endpoint` ($n) NULL looks
 * for none. `ending` (the write that saves the step before, riding along) is a CTE `saved` that
 * already updated the scene.
 */
const requestedSql = (assignments: string, n: number) => `
  WITH scene AS (
    UPDATE scenes SET ${assignments}, failure_reason = NULL, updated_at = now() WHERE id = $1 RETURNING project_id
  ), revived AS (
    UPDATE projects SET status = 'generating', failure_reason = NULL, completed_at = NULL, updated_at = now()
    WHERE id IN (SELECT project_id FROM scene) AND status = 'failed'
  )
  SELECT count(*)::int AS n, ${storedCallback(`$${n}`, `$${n + 1}`, '= $1')} FROM scene`;

/**
 * A write that saves a step's result into row $1 of `table` (CTE `saved`). The row was last written
 * when the step was requested, so `step_seconds` says how long the step took, when this write is the
 * one that ended it: a retried write finds the row past `fromStatus` already and reports nothing, so a
 * step is counted once.
 */
const savedCte = (table: 'scenes' | 'projects', fromStatus: string, assignments: string) => `
  before AS (SELECT id, status, updated_at FROM ${table} WHERE id = $1 FOR UPDATE),
  saved AS (
    UPDATE ${table} SET ${assignments}, updated_at = now() FROM before WHERE ${table}.id = before.id
    RETURNING ${table}.id, CASE WHEN before.status = '${fromStatus}' THEN extract(epoch FROM now() - before.updated_at)::float8 END AS step_seconds
  )`;

const sceneCompleted = savedCte('scenes', 'extracting_frame', `status = 'completed', last_frame_task_id = $2, last_frame_url = $3,
    last_frame_detail = $4::jsonb, completed_at = now()`);

const promptColumns = `s.index, s.prompt, s.duration, p.provider, COALESCE(s.model, p.model) AS model, p.provider_options AS "projectOptions",
    s.provider_options AS "sceneOptions", p.start_image_url AS "startImageUrl"`;

/**
 * The scene and film reads and writes every step makes, in SQL on the shared pool: under load the
 * worker's CPU profile showed Prisma (which compiles and interprets each query in JavaScript) at a fifth
 * of its main thread. `updated_at` is set here because Prisma fills its @updatedAt in the client. Each
 * write sets fixed values by id, so a retry writes the same row again. Writes that ride along with a
 * step's request share its round trip. Checked against prisma/schema.prisma by
 * test/integration/storage-schema.test.ts.
 */
export const sceneSql = {
  prompt: `SELECT ${promptColumns} FROM scenes s JOIN projects p ON p.id = s.project_id WHERE s.id = $1`,
  /** The previous scene ($1) completed and this scene's ($5) prompt read: the two before a scene's video request. */
  completedThenPrompt: `WITH ${sceneCompleted}
  SELECT ${promptColumns}, (SELECT count(*)::int FROM saved) AS saved, (SELECT step_seconds FROM saved) AS step_seconds
  FROM scenes s JOIN projects p ON p.id = s.project_id WHERE s.id = $5`,
  videoRequested: requestedSql(`status = 'generating', video_task_id = $2, start_frame_url = $3, attempts = $4`, 5),
  lastFrameRequested: requestedSql(`status = 'extracting_frame', last_frame_task_id = $2, attempts = $3`, 4),
  /**
   * The scene's video saved ($6-$9) and its last frame requested ($2-$5) in one write after the
   * last-frame request: the row is written once for both. Its provider task ended, so its slot under
   * the provider's cap is free (storage/provider-leases.ts).
   */
  videoSavedLastFrameRequested: `
  WITH freed AS (DELETE FROM provider_leases WHERE scene_id = $1), ${savedCte(
    'scenes',
    'generating',
    `status = 'extracting_frame', video_task_id = $6, video_url = $7, thumbnail_url = $8, video_detail = $9::jsonb,
    last_frame_task_id = $2, attempts = $3, failure_reason = NULL`,
  )}, revived AS (
    UPDATE projects SET status = 'generating', failure_reason = NULL, completed_at = NULL, updated_at = now()
    WHERE id IN (SELECT project_id FROM scenes WHERE id = $1) AND status = 'failed'
  )
  SELECT count(*)::int AS n, max(step_seconds) AS step_seconds, ${storedCallback('$4', '$5', '= $1')} FROM saved`,
  // The scene's provider task ended: its slot under the provider's cap is free, in the same round trip.
  videoSaved: `WITH freed AS (DELETE FROM provider_leases WHERE scene_id = $1), ${savedCte(
    'scenes',
    'generating',
    `status = 'extracting_frame', video_task_id = $2, video_url = $3, thumbnail_url = $4, video_detail = $5::jsonb`,
  )} SELECT step_seconds FROM saved`,
  completed: `WITH ${sceneCompleted} SELECT step_seconds FROM saved`,
  /**
   * Before the stitch's request: the last scene ($1, NULL for none) completed, the film ($5) moved to
   * `stitching` when $6, and the film's key scope read.
   */
  stitchStarts: `WITH ${sceneCompleted}, stitching AS (
    UPDATE projects SET status = 'stitching', updated_at = now() WHERE id = $5 AND $6::boolean
  )
  SELECT key_scope, (SELECT count(*)::int FROM saved) AS saved, (SELECT step_seconds FROM saved) AS step_seconds FROM projects WHERE id = $5`,
  /** The stitch's task ($2) recorded on the film ($1); its stitch step is timed from here. */
  stitchRequested: `WITH film AS (UPDATE projects SET stitch_task_id = $2, updated_at = now() WHERE id = $1 RETURNING id)
  SELECT count(*)::int AS n, ${storedCallback('$3', '$1', 'IS NULL')} FROM film`,
  /** The stitch's result. */
  projectCompleted: `WITH ${savedCte('projects', 'stitching', `status = 'completed', stitch_task_id = $2, final_video_url = $3, thumbnail_url = $4,
    final_video_detail = $5::jsonb, failure_reason = NULL, completed_at = now()`)} SELECT step_seconds FROM saved`,
  projectStatus: `UPDATE projects SET status = $2::"ProjectStatus", updated_at = now() WHERE id = $1`,
} as const;

const takeRequestedSql = `INSERT INTO scene_takes (scene_id, take, task_id, prompt, seed, options, start_frame_url) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
  ON CONFLICT (scene_id, take) DO UPDATE SET task_id = EXCLUDED.task_id, start_frame_url = EXCLUDED.start_frame_url`;

/** Where a requested task's callback would be stored, to hand back one that already came (see requestedSql). */
export interface StoredCallbackKey {
  endpoint: WebhookEndpoint;
  projectId: string;
}

interface SceneRow {
  n?: number;
  saved?: number;
  step_seconds?: number | null;
  stored_callback?: string | null;
  key_scope?: string | null;
}

const frameValues = (r: SceneFrameRecord) => [r.sceneId, r.taskId, r.lastFrameUrl, JSON.stringify(r.detail)];

export function createSceneRows(pool: pg.Pool, steps: StepMetrics) {
  // Named, so each pooled connection parses and plans these statements once rather than on every step.
  const query = async <R extends object = SceneRow>(name: keyof typeof sceneSql, values: unknown[]) => pool.query<R>({ name: `scene.${name}`, text: sceneSql[name], values });
  async function write(name: keyof typeof sceneSql, values: unknown[], what = 'Scene'): Promise<SceneRow | undefined> {
    const { rows, rowCount } = await query(name, values);
    if ((rows[0]?.n ?? rowCount) === 0) throw new Error(`${what} ${String(values[0])} not found`);
    return rows[0];
  }
  /** A write that saved `step`'s result: when it ended the step, its duration goes to the step metrics. */
  function ended(step: Step, seconds: number | null | undefined): boolean {
    if (typeof seconds === 'number') steps.stepFinished(step, seconds);
    return typeof seconds === 'number';
  }
  /** A video step ended: its provider's cost is counted once, with the write that ended it. */
  function videoEnded(r: SceneVideoRecord, seconds: number | null | undefined): void {
    const cost = costOf(r.detail);
    if (ended('video', seconds) && cost) steps.taskCost(typeof r.detail.provider === 'string' ? r.detail.provider : 'guide', cost);
  }
  /** The raw body of the task's stored callback, when `callback` names where to look and one is there. */
  const requested = async (name: 'videoRequested' | 'lastFrameRequested', values: unknown[], callback: StoredCallbackKey | undefined) =>
    (await write(name, [...values, callback?.endpoint ?? null, callback?.projectId ?? null]))?.stored_callback ?? undefined;
  async function prompt(sceneId: string): Promise<SceneChoice> {
    const { rows } = await query<SceneChoice>('prompt', [sceneId]);
    if (!rows[0]) throw new Error(`Scene ${sceneId} not found`);
    return rows[0];
  }

  return {
    prompt,
    /** The scene's prompt, after saving the previous scene's completion (riding along) when one is given. */
    async promptAfter(sceneId: string, previous: SceneFrameRecord | undefined): Promise<SceneChoice> {
      if (!previous) return prompt(sceneId);
      const { rows } = await query<SceneChoice & SceneRow>('completedThenPrompt', [...frameValues(previous), sceneId]);
      if (rows[0]?.saved === 0) throw new Error(`Scene ${previous.sceneId} not found`);
      if (!rows[0]) throw new Error(`Scene ${sceneId} not found`);
      const { saved: _saved, step_seconds: seconds, ...scene } = rows[0];
      ended('lastFrame', seconds);
      return scene;
    },
    videoRequested: (sceneId: string, r: { taskId: string; startFrameUrl: string | null; attempts: number }, callback?: StoredCallbackKey) =>
      requested('videoRequested', [sceneId, r.taskId, r.startFrameUrl, r.attempts], callback),
    /** A review film's take is asked for: its row, with what it is made from. */
    takeRequested: (sceneId: string, r: { take: TakeRequest; prompt: string; taskId: string; startFrameUrl: string | null }) =>
      pool.query(takeRequestedSql, [sceneId, r.take.take, r.taskId, r.prompt, r.take.seed ?? null, r.take.options ? JSON.stringify(r.take.options) : null, r.startFrameUrl]),
    lastFrameRequested: (sceneId: string, r: { taskId: string; attempts: number }, callback?: StoredCallbackKey) =>
      requested('lastFrameRequested', [sceneId, r.taskId, r.attempts], callback),
    /** The scene's video saved and its last frame requested, in one write: the raw body of the request's stored callback, if any. */
    async videoSavedLastFrameRequested(video: SceneVideoRecord, r: { taskId: string; attempts: number }, callback: StoredCallbackKey): Promise<string | undefined> {
      const values = [video.sceneId, r.taskId, r.attempts, callback.endpoint, callback.projectId, video.taskId, video.videoUrl, video.thumbnailUrl ?? null, JSON.stringify(video.detail)];
      const row = await write('videoSavedLastFrameRequested', values);
      videoEnded(video, row?.step_seconds);
      return row?.stored_callback ?? undefined;
    },
    async videoSaved(r: SceneVideoRecord): Promise<void> {
      const row = await write('videoSaved', [r.sceneId, r.taskId, r.videoUrl, r.thumbnailUrl ?? null, JSON.stringify(r.detail)]);
      videoEnded(r, row?.step_seconds);
    },
    completed: async (r: SceneFrameRecord) => ended('lastFrame', (await write('completed', frameValues(r)))?.step_seconds),
    /** Before the stitch's request (`lastScene` and `startsStitching` riding along): the film's key scope. */
    async stitchStarts(projectId: string, lastScene: SceneFrameRecord | undefined, startsStitching: boolean): Promise<string | null> {
      const { rows } = await query('stitchStarts', [...(lastScene ? frameValues(lastScene) : [null, null, null, null]), projectId, startsStitching]);
      if (!rows[0]) throw new Error(`Project ${projectId} not found`);
      if (lastScene && rows[0].saved === 0) throw new Error(`Scene ${lastScene.sceneId} not found`);
      ended('lastFrame', rows[0].step_seconds);
      return rows[0].key_scope ?? null;
    },
    /** The stitch's task recorded on the film: the raw body of its stored callback, if any. */
    stitchRequested: async (projectId: string, taskId: string, endpoint: WebhookEndpoint) =>
      (await write('stitchRequested', [projectId, taskId, endpoint], 'Project'))?.stored_callback ?? undefined,
    projectCompleted: async (r: FinalVideoRecord) =>
      ended('stitch', (await write('projectCompleted', [r.projectId, r.taskId, r.finalVideoUrl, r.thumbnailUrl ?? null, JSON.stringify(r.detail)], 'Project'))?.step_seconds),
    setProjectStatus: async (projectId: string, status: 'generating' | 'stitching') => void (await write('projectStatus', [projectId, status], 'Project')),
  };
}

export type SceneRows = ReturnType<typeof createSceneRows>;
