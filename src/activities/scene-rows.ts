import type pg from 'pg';

export interface SceneVideoRecord {
  sceneId: string;
  taskId: string;
  videoUrl: string;
  thumbnailUrl?: string;
  detail: Record<string, unknown>;
}

export interface SceneFrameRecord {
  sceneId: string;
  taskId: string;
  lastFrameUrl: string;
  detail: Record<string, unknown>;
}

export interface ScenePrompt {
  index: number;
  prompt: string;
  duration: number | null;
}

/**
 * The scene reads and writes every step makes, in SQL on the shared pool: under load the worker's CPU
 * profile showed Prisma (which compiles and interprets each query in JavaScript) at a fifth of its main
 * thread. Columns follow prisma/schema.prisma's Scene; `updated_at` is set here because Prisma fills
 * its @updatedAt in the client. Each write sets fixed values by id, so a retry writes the same row again.
 */
export function createSceneRows(pool: pg.Pool) {
  async function update(sceneId: string, assignments: string, values: unknown[]): Promise<void> {
    const { rowCount } = await pool.query(`UPDATE scenes SET ${assignments}, updated_at = now() WHERE id = $1`, [sceneId, ...values]);
    if (rowCount === 0) throw new Error(`Scene ${sceneId} not found`);
  }

  /**
   * A step is being requested, so the scene, and its project, are in progress: after an operator reset
   * a failed film with Temporal, the rows stop saying `failed` as soon as the re-run asks for a task.
   * One statement, so the normal path pays no extra round trip.
   */
  async function requested(sceneId: string, assignments: string, values: unknown[]): Promise<void> {
    const { rows } = await pool.query<{ n: number }>(
      `WITH scene AS (
         UPDATE scenes SET ${assignments}, failure_reason = NULL, updated_at = now() WHERE id = $1 RETURNING project_id
       ), revived AS (
         UPDATE projects SET status = 'generating', failure_reason = NULL, completed_at = NULL, updated_at = now()
         WHERE id IN (SELECT project_id FROM scene) AND status = 'failed'
       )
       SELECT count(*)::int AS n FROM scene`,
      [sceneId, ...values],
    );
    if (rows[0].n === 0) throw new Error(`Scene ${sceneId} not found`);
  }

  return {
    async prompt(sceneId: string): Promise<ScenePrompt> {
      const { rows } = await pool.query<ScenePrompt>('SELECT index, prompt, duration FROM scenes WHERE id = $1', [sceneId]);
      if (!rows[0]) throw new Error(`Scene ${sceneId} not found`);
      return rows[0];
    },

    videoRequested(sceneId: string, r: { taskId: string; startFrameUrl: string | null; attempts: number }) {
      return requested(sceneId, `status = 'generating', video_task_id = $2, start_frame_url = $3, attempts = $4`, [r.taskId, r.startFrameUrl, r.attempts]);
    },

    lastFrameRequested(sceneId: string, r: { taskId: string; attempts: number }) {
      return requested(sceneId, `status = 'extracting_frame', last_frame_task_id = $2, attempts = $3`, [r.taskId, r.attempts]);
    },

    videoSaved(r: SceneVideoRecord) {
      return update(
        r.sceneId,
        `status = 'extracting_frame', video_task_id = $2, video_url = $3, thumbnail_url = $4, video_detail = $5::jsonb`,
        [r.taskId, r.videoUrl, r.thumbnailUrl ?? null, JSON.stringify(r.detail)],
      );
    },

    completed(r: SceneFrameRecord) {
      return update(
        r.sceneId,
        `status = 'completed', last_frame_task_id = $2, last_frame_url = $3, last_frame_detail = $4::jsonb, completed_at = now()`,
        [r.taskId, r.lastFrameUrl, JSON.stringify(r.detail)],
      );
    },
  };
}

export type SceneRows = ReturnType<typeof createSceneRows>;
