import type { RecordedReviewAction, ReviewRecord } from './review-api';
import type { SceneStatus } from './statuses';

/**
 * The database writes the project workflow makes (local activities): what each one records. Plain
 * updates keyed by id, so a retried write leaves the same row.
 */

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

export interface FinalVideoRecord {
  projectId: string;
  taskId: string;
  finalVideoUrl: string;
  thumbnailUrl?: string;
  detail: Record<string, unknown>;
  /** A review film's cut (1, 2, …): kept beside the earlier ones. */
  cut?: number;
}

export interface ProjectFailure {
  projectId: string;
  sceneId?: string;
  /** What the project API and the user's notification say: no host, address or upstream text. */
  reason: string;
  /** For the error log only: the service's reason as sent, or the failed call's URL, status and answer. */
  detail?: unknown;
  /** A service reported the task failed, or one of our activities ran out of retries. */
  cause: { kind: 'task'; step: string } | { kind: 'activity'; activityType: string; failureType?: string };
}

export interface ProjectResumption {
  projectId: string;
  status: 'generating' | 'stitching';
  sceneId?: string;
  sceneStatus?: SceneStatus;
}

export interface RecordActivities {
  setProjectStatus(input: { projectId: string; status: 'generating' | 'stitching' }): Promise<void>;
  saveSceneVideo(record: SceneVideoRecord): Promise<void>;
  completeScene(record: SceneFrameRecord): Promise<void>;
  completeProject(record: FinalVideoRecord): Promise<void>;
  /** An operator retried a failed project: it is in progress again, from the step that failed. */
  resumeProject(resumption: ProjectResumption): Promise<void>;
  cancelProject(input: { projectId: string; reason: string }): Promise<void>;
  /** Marks the project (and the scene that broke it, if any) failed, and records why in the error log. */
  failProject(failure: ProjectFailure): Promise<void>;
  /** A review film's status, what awaits review, and its scenes' chosen takes (docs/review.md). */
  recordReview(record: ReviewRecord): Promise<void>;
  /** The film's review actions as the gateway recorded them, oldest first (read back by a run an operator reset). */
  recordedReviewActions(input: { projectId: string }): Promise<RecordedReviewAction[]>;
}
