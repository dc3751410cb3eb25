import type pg from 'pg';
import type {
  FinalVideoRecord,
  ProjectFailure,
  ProjectResumption,
  RecordActivities,
  SceneFrameRecord,
  SceneVideoRecord,
} from '../contracts/records';
import type { Database } from '../storage/database';
import { captureErrorLogEntry } from '../platform/error-monitoring';
import { errorLogRow, type GlobalError } from '../storage/error-log';
import type { Prisma } from '../storage/prisma';

export interface ScenePrompt {
  index: number;
  prompt: string;
  duration: number | null;
}

/** A step is being requested: the scene, and its project if an operator reset a failed film, are in progress again. */
const requestedSql = (assignments: string) => `
  WITH scene AS (
    UPDATE scenes SET ${assignments}, failure_reason = NULL, updated_at = now() WHERE id = $1 RETURNING project_id
  ), revived AS (
    UPDATE projects SET status = 'generating', failure_reason = NULL, completed_at = NULL, updated_at = now()
    WHERE id IN (SELECT project_id FROM scene) AND status = 'failed'
  )
  SELECT count(*)::int AS n FROM scene`;

/**
 * The scene reads and writes every step makes, in SQL on the shared pool: under load the worker's CPU
 * profile showed Prisma (which compiles and interprets each query in JavaScript) at a fifth of its main
 * thread. `updated_at` is set here because Prisma fills its @updatedAt in the client. Each write sets
 * fixed values by id, so a retry writes the same row again. Checked against prisma/schema.prisma by
 * test/integration/storage-schema.test.ts.
 */
export const sceneSql = {
  prompt: 'SELECT index, prompt, duration FROM scenes WHERE id = $1',
  videoRequested: requestedSql(`status = 'generating', video_task_id = $2, start_frame_url = $3, attempts = $4`),
  lastFrameRequested: requestedSql(`status = 'extracting_frame', last_frame_task_id = $2, attempts = $3`),
  videoSaved: `UPDATE scenes SET status = 'extracting_frame', video_task_id = $2, video_url = $3, thumbnail_url = $4,
    video_detail = $5::jsonb, updated_at = now() WHERE id = $1`,
  completed: `UPDATE scenes SET status = 'completed', last_frame_task_id = $2, last_frame_url = $3,
    last_frame_detail = $4::jsonb, completed_at = now(), updated_at = now() WHERE id = $1`,
} as const;

export function createSceneRows(pool: pg.Pool) {
  async function write(sql: string, values: unknown[]): Promise<void> {
    const { rows, rowCount } = await pool.query<{ n?: number }>(sql, values);
    if ((rows[0]?.n ?? rowCount) === 0) throw new Error(`Scene ${String(values[0])} not found`);
  }

  return {
    async prompt(sceneId: string): Promise<ScenePrompt> {
      const { rows } = await pool.query<ScenePrompt>(sceneSql.prompt, [sceneId]);
      if (!rows[0]) throw new Error(`Scene ${sceneId} not found`);
      return rows[0];
    },
    videoRequested: (sceneId: string, r: { taskId: string; startFrameUrl: string | null; attempts: number }) =>
      write(sceneSql.videoRequested, [sceneId, r.taskId, r.startFrameUrl, r.attempts]),
    lastFrameRequested: (sceneId: string, r: { taskId: string; attempts: number }) =>
      write(sceneSql.lastFrameRequested, [sceneId, r.taskId, r.attempts]),
    videoSaved: (r: SceneVideoRecord) =>
      write(sceneSql.videoSaved, [r.sceneId, r.taskId, r.videoUrl, r.thumbnailUrl ?? null, JSON.stringify(r.detail)]),
    completed: (r: SceneFrameRecord) =>
      write(sceneSql.completed, [r.sceneId, r.taskId, r.lastFrameUrl, JSON.stringify(r.detail)]),
  };
}

export type SceneRows = ReturnType<typeof createSceneRows>;

const json = (detail: Record<string, unknown>) => detail as Prisma.InputJsonObject;

/**
 * The workflow's progress, written to PostgreSQL. Every write is a plain update keyed by id, so a
 * retried activity writes the same row to the same values: idempotent by construction.
 */
export function createProjectRecords({ prisma, pool }: Database): RecordActivities {
  const scenes = createSceneRows(pool);
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
      await prisma.project.update({
        where: { id: r.projectId },
        data: {
          status: 'completed',
          stitchTaskId: r.taskId,
          finalVideoUrl: r.finalVideoUrl,
          thumbnailUrl: r.thumbnailUrl ?? null,
          finalVideoDetail: json(r.detail),
          failureReason: null,
          completedAt: new Date(),
        },
      });
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
      await prisma.project.update({
        where: { id: projectId },
        data: { status: 'cancelled', failureReason: reason, completedAt: new Date() },
      });
    },

    /** Marks the project (and the scene that broke it, if any) failed, and records why in the error log. */
    async failProject({ projectId, sceneId, reason, cause }: ProjectFailure): Promise<void> {
      const failure: GlobalError = {
        // A step that gave up (task failures, lost callbacks) is the workflow's verdict; an activity
        // out of retries (a service down past the outage tolerance) is the activity's.
        ...(cause.kind === 'task' ? { type: 'workflow', code: 'step_failed' } : { type: 'activity', code: 'activity_failed' }),
        severity: 'error',
        message: reason,
        context: { projectId, ...(sceneId ? { sceneId } : {}), ...cause },
      };
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
