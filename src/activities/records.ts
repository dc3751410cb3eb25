import type {
  FinalVideoRecord,
  ProjectFailure,
  ProjectResumption,
  RecordActivities,
  SceneFrameRecord,
  SceneVideoRecord,
} from '../contracts/records';
import type { RecordedReviewAction, ReviewRecord } from '../contracts/review-api';
import { storableCopy } from '../contracts/text';
import type { Database } from '../storage/database';
import { DbNull } from '../storage/prisma';
import { captureErrorLogEntry } from '../platform/error-monitoring';
import { errorLogRow, type GlobalError } from '../storage/error-log';
import type { ProviderLeases } from '../storage/provider-leases';
import { createSceneRows } from './scene-rows';
import type { StepMetrics } from './step-metrics';

export type { SceneChoice, ScenePrompt } from './scene-rows';

/**
 * The workflow's progress, written to PostgreSQL. Every write is a plain update keyed by id, so a
 * retried activity writes the same row to the same values: idempotent by construction.
 */
export function createProjectRecords({ prisma, pool }: Database, steps: StepMetrics, leases: Pick<ProviderLeases, 'releaseProject'>): RecordActivities {
  const scenes = createSceneRows(pool, steps);
  return {
    async setProjectStatus({ projectId, status }: { projectId: string; status: 'generating' | 'stitching' }): Promise<void> {
      await scenes.setProjectStatus(projectId, status);
    },

    // The two writes every scene makes: SQL, see scene-rows.ts.
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
