import type { Database } from '../db/database';
import type { Prisma } from '../db/prisma';
import { errorLogRow } from '../errors/error-log';
import { createSceneRows, type SceneFrameRecord, type SceneVideoRecord } from './scene-rows';

export interface FinalVideoRecord {
  projectId: string;
  taskId: string;
  finalVideoUrl: string;
  thumbnailUrl?: string;
  detail: Record<string, unknown>;
}

export interface ProjectFailure {
  projectId: string;
  sceneId?: string;
  reason: string;
  /** A service reported the task failed, or one of our activities ran out of retries. */
  cause: { kind: 'task'; step: string } | { kind: 'activity'; activityType: string; failureType?: string };
}

export interface ProjectResumption {
  projectId: string;
  status: 'generating' | 'stitching';
  sceneId?: string;
  sceneStatus?: 'generating' | 'extracting_frame' | 'completed' | 'pending' | 'failed';
}

const json = (detail: Record<string, unknown>) => detail as Prisma.InputJsonObject;

/**
 * The workflow's progress, written to PostgreSQL. Every write is a plain update keyed by id, so a
 * retried activity writes the same row to the same values: idempotent by construction.
 */
export function createProjectRecords({ prisma, pool }: Database) {
  const scenes = createSceneRows(pool);
  return {
    async setProjectStatus({ projectId, status }: { projectId: string; status: 'generating' | 'stitching' }): Promise<void> {
      await prisma.project.update({ where: { id: projectId }, data: { status } });
    },

    // The two writes every scene makes: SQL, see scene-rows.ts.
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
      await prisma.$transaction([
        ...(sceneId
          ? [prisma.scene.update({ where: { id: sceneId }, data: { status: 'failed', failureReason: reason } })]
          : []),
        prisma.project.update({
          where: { id: projectId },
          data: { status: 'failed', failureReason: reason, completedAt: new Date() },
        }),
        prisma.errorLog.create({
          data: errorLogRow({
            // A step that gave up (task failures, lost callbacks) is the workflow's verdict; an activity
            // out of retries (a service down past the outage tolerance) is the activity's.
            ...(cause.kind === 'task' ? { type: 'workflow', code: 'step_failed' } : { type: 'activity', code: 'activity_failed' }),
            severity: 'error',
            message: reason,
            context: { projectId, ...(sceneId ? { sceneId } : {}), ...cause },
          }),
        }),
      ]);
    },
  };
}
