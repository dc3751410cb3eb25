import type pg from 'pg';
import type {
  FinalVideoRecord,
  ProjectFailure,
  ProjectResumption,
  RecordActivities,
  SceneFrameRecord,
  SceneVideoRecord,
} from '../contracts/records';
import { costOf } from '../contracts/providers';
import type { RecordedReviewAction, ReviewRecord, TakeRequest } from '../contracts/review-api';
import type { Step } from '../contracts/steps';
import { storableCopy } from '../contracts/text';
import type { Database } from '../storage/database';
import type { WebhookEndpoint } from '../storage/prisma';
import { DbNull } from '../storage/prisma';
import { captureErrorLogEntry } from '../platform/error-monitoring';
import { errorLogRow, type GlobalError } from '../storage/error-log';
import type { ProviderLeases } from '../storage/provider-leases';
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

/**
 * A step is being requested: the scene, and its project if an operator reset a failed film, are in
 * progress again. In the same round trip, the task's callback if the gateway already stored it (the run
 * was reset past it: the service will not send it again); `endpoint` ($n) NULL looks for none. As
 * storage/event-store.ts's callbackOf, for the task ($2) of this scene ($1) of project $n+1.
 */
const requestedSql = (assignments: string, n: number) => `
  WITH scene AS (
    UPDATE scenes SET ${assignments}, failure_reason = NULL, updated_at = now() WHERE id = $1 RETURNING project_id
  ), revived AS (
    UPDATE projects SET status = 'generating', failure_reason = NULL, completed_at = NULL, updated_at = now()
    WHERE id IN (SELECT project_id FROM scene) AND status = 'failed'
  )
  SELECT count(*)::int AS n, (
    SELECT raw_body FROM webhook_events
    WHERE endpoint = $${n}::"WebhookEndpoint" AND project_id = $${n + 1} AND scene_id = $1 AND task_id = $2 AND status IN ('completed', 'failed')
    ORDER BY status = 'completed' DESC, received_at LIMIT 1
  ) AS stored_callback FROM scene`;

/**
 * A step's result is saved. The row was last written when the step was requested, so the answer says
 * how long the step took, when this write is the one that ended it: a retried write finds the row past
 * `fromStatus` already and reports nothing, so a step is counted once.
 */
const savedSql = (table: 'scenes' | 'projects', fromStatus: string, assignments: string, alsoWith = '') => `
  WITH ${alsoWith}before AS (SELECT id, status, updated_at FROM ${table} WHERE id = $1 FOR UPDATE)
  UPDATE ${table} SET ${assignments}, updated_at = now() FROM before WHERE ${table}.id = before.id
  RETURNING CASE WHEN before.status = '${fromStatus}' THEN extract(epoch FROM now() - before.updated_at)::float8 END AS step_seconds`;

/**
 * The scene reads and writes every step makes (and the film's last write, the stitch's result), in SQL
 * on the shared pool: under load the worker's CPU profile showed Prisma (which compiles and interprets
 * each query in JavaScript) at a fifth of its main thread. `updated_at` is set here because Prisma
 * fills its @updatedAt in the client. Each write sets fixed values by id, so a retry writes the same
 * row again. Checked against prisma/schema.prisma by test/integration/storage-schema.test.ts.
 */
export const sceneSql = {
  prompt: `SELECT s.index, s.prompt, s.duration, p.provider, COALESCE(s.model, p.model) AS model, p.provider_options AS "projectOptions",
    s.provider_options AS "sceneOptions", p.start_image_url AS "startImageUrl" FROM scenes s JOIN projects p ON p.id = s.project_id WHERE s.id = $1`,
  videoRequested: requestedSql(`status = 'generating', video_task_id = $2, start_frame_url = $3, attempts = $4`, 5),
  lastFrameRequested: requestedSql(`status = 'extracting_frame', last_frame_task_id = $2, attempts = $3`, 4),
  // The scene's provider task ended: its slot under the provider's cap is free (storage/provider-leases.ts), in the same round trip.
  videoSaved: savedSql(
    'scenes',
    'generating',
    `status = 'extracting_frame', video_task_id = $2, video_url = $3, thumbnail_url = $4, video_detail = $5::jsonb`,
    'freed AS (DELETE FROM provider_leases WHERE scene_id = $1), ',
  ),
  completed: savedSql('scenes', 'extracting_frame', `status = 'completed', last_frame_task_id = $2, last_frame_url = $3,
    last_frame_detail = $4::jsonb, completed_at = now()`),
  /** The stitch's result. Its start was written through Prisma, with the worker's clock rather than the database's. */
  projectCompleted: savedSql('projects', 'stitching', `status = 'completed', stitch_task_id = $2, final_video_url = $3, thumbnail_url = $4,
    final_video_detail = $5::jsonb, failure_reason = NULL, completed_at = now()`),
} as const;

/** Where a requested task's callback would be stored, to hand back one that already came (see requestedSql). */
export interface StoredCallbackKey {
  endpoint: WebhookEndpoint;
  projectId: string;
}

interface SceneRow {
  n?: number;
  step_seconds?: number | null;
  stored_callback?: string | null;
}

/** A review film's take is made with its own prompt, seed and inputs over the scene's (the seed is a model input). */
export function withTake(scene: SceneChoice, take: TakeRequest | undefined): SceneChoice {
  if (!take) return scene;
  const options = take.options || take.seed !== undefined ? { ...scene.sceneOptions, ...take.options, ...(take.seed !== undefined ? { seed: take.seed } : {}) } : scene.sceneOptions;
  return { ...scene, prompt: take.prompt ?? scene.prompt, sceneOptions: options };
}

const takeRequestedSql = `INSERT INTO scene_takes (scene_id, take, task_id, prompt, seed, options, start_frame_url) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
  ON CONFLICT (scene_id, take) DO UPDATE SET task_id = EXCLUDED.task_id, start_frame_url = EXCLUDED.start_frame_url`;

export function createSceneRows(pool: pg.Pool, steps: StepMetrics) {
  // Named, so each pooled connection parses and plans these statements once rather than on every step.
  async function write(name: keyof typeof sceneSql, values: unknown[], what = 'Scene'): Promise<SceneRow | undefined> {
    const { rows, rowCount } = await pool.query<SceneRow>({ name: `scene.${name}`, text: sceneSql[name], values });
    if ((rows[0]?.n ?? rowCount) === 0) throw new Error(`${what} ${String(values[0])} not found`);
    return rows[0];
  }
  /** A write that ends `step`: its duration goes to the step metrics. */
  async function save(step: Step, name: keyof typeof sceneSql, values: unknown[], what?: string): Promise<boolean> {
    const seconds = (await write(name, values, what))?.step_seconds;
    if (typeof seconds === 'number') steps.stepFinished(step, seconds);
    return typeof seconds === 'number';
  }
  /** The raw body of the task's stored callback, when `callback` names where to look and one is there. */
  const requested = async (name: 'videoRequested' | 'lastFrameRequested', values: unknown[], callback: StoredCallbackKey | undefined) =>
    (await write(name, [...values, callback?.endpoint ?? null, callback?.projectId ?? null]))?.stored_callback ?? undefined;

  return {
    async prompt(sceneId: string): Promise<SceneChoice> {
      const { rows } = await pool.query<SceneChoice>({ name: 'scene.prompt', text: sceneSql.prompt, values: [sceneId] });
      if (!rows[0]) throw new Error(`Scene ${sceneId} not found`);
      return rows[0];
    },
    videoRequested: (sceneId: string, r: { taskId: string; startFrameUrl: string | null; attempts: number }, callback?: StoredCallbackKey) =>
      requested('videoRequested', [sceneId, r.taskId, r.startFrameUrl, r.attempts], callback),
    /** A review film's take is asked for: its row, with what it is made from. */
    takeRequested: (sceneId: string, r: { take: TakeRequest; prompt: string; taskId: string; startFrameUrl: string | null }) =>
      pool.query(takeRequestedSql, [sceneId, r.take.take, r.taskId, r.prompt, r.take.seed ?? null, r.take.options ? JSON.stringify(r.take.options) : null, r.startFrameUrl]),
    lastFrameRequested: (sceneId: string, r: { taskId: string; attempts: number }, callback?: StoredCallbackKey) =>
      requested('lastFrameRequested', [sceneId, r.taskId, r.attempts], callback),
    async videoSaved(r: SceneVideoRecord): Promise<void> {
      const ended = await save('video', 'videoSaved', [r.sceneId, r.taskId, r.videoUrl, r.thumbnailUrl ?? null, JSON.stringify(r.detail)]);
      const cost = costOf(r.detail);
      if (ended && cost) steps.taskCost(typeof r.detail.provider === 'string' ? r.detail.provider : 'guide', cost);
    },
    completed: (r: SceneFrameRecord) =>
      save('lastFrame', 'completed', [r.sceneId, r.taskId, r.lastFrameUrl, JSON.stringify(r.detail)]),
    projectCompleted: (r: FinalVideoRecord) =>
      save('stitch', 'projectCompleted', [r.projectId, r.taskId, r.finalVideoUrl, r.thumbnailUrl ?? null, JSON.stringify(r.detail)], 'Project'),
  };
}

export type SceneRows = ReturnType<typeof createSceneRows>;

/**
 * The workflow's progress, written to PostgreSQL. Every write is a plain update keyed by id, so a
 * retried activity writes the same row to the same values: idempotent by construction.
 */
export function createProjectRecords({ prisma, pool }: Database, steps: StepMetrics, leases: Pick<ProviderLeases, 'releaseProject'>): RecordActivities {
  const scenes = createSceneRows(pool, steps);
  return {
    async setProjectStatus({ projectId, status }: { projectId: string; status: 'generating' | 'stitching' }): Promise<void> {
      await prisma.project.update({ where: { id: projectId }, data: { status } });
    },

    // The two writes every scene makes: SQL, see sceneSql above.
    async saveSceneVideo(r: SceneVideoRecord): Promise<void> {
      await scenes.videoSaved(r);
    },

    async completeScene(r: SceneFrameRecord): Promise<void> {
      await scenes.completed(r);
    },

    async completeProject(r: FinalVideoRecord): Promise<void> {
      await scenes.projectCompleted(r);
      if (r.cut) await prisma.projectCut.upsert({ where: { projectId_cut: { projectId: r.projectId, cut: r.cut } }, create: { projectId: r.projectId, cut: r.cut, videoUrl: r.finalVideoUrl }, update: {} });
    },

    async recordedReviewActions({ projectId }: { projectId: string }): Promise<RecordedReviewAction[]> {
      const rows = await prisma.reviewAction.findMany({ where: { projectId }, orderBy: { createdAt: 'asc' } });
      return rows.map((row) => {
        const { later_scenes: laterScenes, ...rest } = row.arguments as Record<string, unknown>;
        return { action: row.action as RecordedReviewAction['action'], sceneIndex: row.sceneIndex, arguments: { ...rest, ...(laterScenes ? { laterScenes } : {}) } };
      });
    },

    /** A review film's status and what awaits review, with the scenes' chosen takes (whose video and frames become the scene's). */
    async recordReview({ projectId, status, awaiting, timeoutAt, scenes: chosen = [] }: ReviewRecord): Promise<void> {
      const awaitingJson = awaiting ? ('stitch' in awaiting ? { stitch: true } : { scene_index: awaiting.sceneIndex }) : null;
      await prisma.$transaction([
        ...chosen.flatMap(({ sceneId, chosenTake, chainBroken, take }) => [
          prisma.sceneTake.updateMany({ where: { sceneId, take: chosenTake }, data: { videoUrl: take.videoUrl, thumbnailUrl: take.thumbnailUrl ?? null, lastFrameUrl: take.lastFrameUrl, cost: take.cost ?? undefined } }),
          prisma.scene.update({ where: { id: sceneId }, data: { chosenTake, chainBroken, videoUrl: take.videoUrl, thumbnailUrl: take.thumbnailUrl ?? null, lastFrameUrl: take.lastFrameUrl } }),
        ]),
        prisma.project.update({
          where: { id: projectId },
          data: { status, reviewAwaiting: awaitingJson ?? DbNull, reviewTimeoutAt: timeoutAt ? new Date(timeoutAt) : null },
        }),
      ]);
    },

    /** An operator retried a failed project: it is in progress again, from the step that failed. */
    async resumeProject({ projectId, status, sceneId, sceneStatus }: ProjectResumption): Promise<void> {
      await prisma.$transaction([
        ...(sceneId && sceneStatus
          ? [prisma.scene.update({ where: { id: sceneId }, data: { status: sceneStatus, failureReason: null } })]
          : []),
        prisma.project.update({ where: { id: projectId }, data: { status, failureReason: null, completedAt: null } }),
      ]);
    },

    async cancelProject({ projectId, reason }: { projectId: string; reason: string }): Promise<void> {
      await leases.releaseProject(projectId); // first, as in failProject
      await prisma.project.update({ where: { id: projectId }, data: { status: 'cancelled', failureReason: reason, completedAt: new Date() } });
    },

    /** Marks the project (and the scene that broke it, if any) failed, and records why in the error log. */
    async failProject({ projectId, sceneId, reason, detail, cause }: ProjectFailure): Promise<void> {
      const failure: GlobalError = {
        // A step that gave up (task failures, lost callbacks) is the workflow's verdict; an activity
        // out of retries (a service down past the outage tolerance) is the activity's.
        ...(cause.kind === 'task' ? { type: 'workflow', code: 'step_failed' } : { type: 'activity', code: 'activity_failed' }),
        severity: 'error',
        message: reason,
        context: { projectId, ...(sceneId ? { sceneId } : {}), ...cause, ...(detail !== undefined ? { detail: storableCopy(detail) } : {}) },
      };
      // Nothing of a failed film holds a slot or stands in line: its slots go to the next in line now, not at
      // their TTL. Before the record, so a retry after a failed release never writes the error log twice.
      await leases.releaseProject(projectId);
      await prisma.$transaction([
        ...(sceneId
          ? [prisma.scene.update({ where: { id: sceneId }, data: { status: 'failed', failureReason: reason } })]
          : []),
        prisma.project.update({
          where: { id: projectId },
          data: { status: 'failed', failureReason: reason, completedAt: new Date() },
        }),
        prisma.errorLog.create({ data: errorLogRow(failure) }),
      ]);
      captureErrorLogEntry(failure); // once committed, so a retried activity reports it once
    },
  };
}
