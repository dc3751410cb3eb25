import type { ProjectStatus, SceneStatus } from './statuses';
import type { ProviderCost } from './providers';
import type { Awaiting, ReviewMode, TakeRequest } from './review-api';
import type { Step, StepEvent } from './steps';

export type { ProjectStatus, SceneStatus } from './statuses';

/** The workflow's callback inbox as plain data (see workflows/step-runner.ts). */
export interface InboxSnapshot {
  /** The key of every callback already taken. */
  taken: string[];
  /** Callbacks received but not yet taken, oldest first. */
  waiting: { step: Step; event: StepEvent }[];
}

export interface SceneProgress {
  sceneId: string;
  index: number;
  status: SceneStatus;
  videoUrl?: string;
  thumbnailUrl?: string;
  lastFrameUrl?: string;
  steps: { video: StepCounters; lastFrame: StepCounters };
  /** Review films (docs/review.md): every take made, the one in use, the one being made, and a kept chain's break. */
  takes?: TakeProgress[];
  take?: number;
  nextTake?: TakeRequest;
  chainBroken?: boolean;
  /** The take a person approved (or chose): a scene whose take in use differs is asked about again before the stitch. */
  reviewedTake?: number;
  /** The cost the provider reported for the video just made. */
  cost?: ProviderCost | null;
}

/** One video made for a scene, with what it was made from (over the scene's own prompt and inputs). */
export interface TakeProgress extends TakeRequest {
  videoUrl: string;
  thumbnailUrl?: string;
  lastFrameUrl: string;
  cost: ProviderCost | null;
}

/** A review film's state: what awaits a person, what was spent, the cuts made. */
export interface ReviewProgress {
  mode: ReviewMode;
  awaiting: Awaiting | null;
  /** When the current wait ends (or a finished film's editing window), ISO 8601. */
  timeoutAt: string | null;
  /** Finished, and open for edits until timeoutAt. */
  open: boolean;
  spent: number;
  unit: string | null;
  limit: number | null;
  cuts: { cut: number; videoUrl: string }[];
  /** Each scene's take in the newest cut, to tell whether a change needs a new one. */
  stitchedTakes: number[];
  /** Review notifications sent, so each is sent once however often retried. */
  notified: number;
  /** The recorded actions were read back (once per film: a reset run reads them again from its start). */
  actionsRead?: boolean;
  /** Each scene's reviewedTake is kept (films begun with that change; a run resumed from an older one is not asked again). */
  reviewsTracked?: boolean;
}

export interface StepCounters {
  /** Requests made since the step last started (an operator's retry starts it again). */
  attempts: number;
  /** Tasks ever started for the step: part of the idempotency key, so a new task never reuses a key. */
  tasksStarted: number;
}

/** The step in progress: what ops see with the `progress` query, and what the Web UI shows. */
export interface CurrentStep {
  step: Step;
  sceneIndex: number | null;
  attempt: number;
  /** Task ids requested for this step so far; a callback for any of them is accepted. */
  taskIds: string[];
  /** `waiting` for a callback, `backing_off` before asking again. */
  phase: 'requesting' | 'waiting' | 'backing_off';
  /** When the wait (or the backoff) ends, ISO 8601. */
  until: string | null;
}

/**
 * Everything the workflow knows about its project. Plain data, so it is both the `progress` query's
 * answer and what continue-as-new carries into the next run.
 */
export interface ProjectProgress {
  projectId: string;
  userId: string | null;
  status: ProjectStatus;
  /** Index of the scene being worked on, null before the first and after the last. */
  currentScene: number | null;
  current: CurrentStep | null;
  scenes: SceneProgress[];
  stitch: StepCounters;
  finalVideoUrl?: string;
  failure?: { reason: string; step: Step; sceneId?: string; at: string };
  /** Failed notifications sent so far, so each failure is announced once. */
  failuresNotified: number;
  /** Runs of this workflow chained by continue-as-new. */
  run: number;
  /** Callbacks taken (step:taskId) and those buffered for later, carried across continue-as-new. */
  inbox: InboxSnapshot;
  /** Films made with review or a spend limit only. */
  review?: ReviewProgress;
}
