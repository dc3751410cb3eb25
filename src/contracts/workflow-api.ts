import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate, type SignalDefinition } from '@temporalio/workflow';
import type { MediaPlan } from './media';
import type { ProjectProgress } from './progress';
import type { ReviewPlan } from './review-api';
import { stepNames, type Step, type StepEvent } from './steps';
import type { SettingsOverrides } from './workflow-settings';

/**
 * The project workflow's API: how it is started, the messages it takes and the search attributes it
 * sets. Names are what ops type with the `temporal` CLI, e.g.
 * `temporal workflow update execute --workflow-id project-42 --name retryScene`.
 */

export interface ProjectWorkflowInput {
  projectId: string;
  userId: string | null;
  /** Scene ids in film order; prompts stay in the database, out of the workflow's history. */
  sceneIds: string[];
  settings?: SettingsOverrides;
  /** Built-in media steps and the asset store (contracts/media.ts); absent: the remote services only, as before. */
  media?: MediaPlan;
  /** Review gates and the spend limit (contracts/review-api.ts); absent: none, and the film runs as it always did. */
  review?: ReviewPlan;
  /** Where the previous run stopped, when this run was started by continue-as-new. */
  resume?: ProjectProgress;
}

/** The workflow type, as started by the gateway: one per project, id `project-<projectId>`. */
export type ProjectWorkflow = (input: ProjectWorkflowInput) => Promise<ProjectProgress>;
export const projectWorkflowType = 'projectWorkflow';

/** Service callbacks, sent by the gateway: one signal per step. */
export const videoCompleteSignal = defineSignal<[StepEvent]>(stepNames.video.signal);
export const lastFrameCompleteSignal = defineSignal<[StepEvent]>(stepNames.lastFrame.signal);
export const stitchCompleteSignal = defineSignal<[StepEvent]>(stepNames.stitch.signal);

export const callbackSignals: Record<Step, SignalDefinition<[StepEvent]>> = {
  video: videoCompleteSignal,
  lastFrame: lastFrameCompleteSignal,
  stitch: stitchCompleteSignal,
};

/**
 * A slot under a provider's cap was granted to the scene's task with this fingerprint: sent by whoever
 * freed it (storage/provider-leases.ts), so the film submits at once instead of polling for its turn.
 */
export const providerSlotGrantedSignal = defineSignal<[string]>('providerSlotGranted');

/** Live state: current scene, step, attempt, deadline. `temporal workflow query --name progress` */
export const progressQuery = defineQuery<ProjectProgress>('progress');

/** Stops the film: nothing more is requested and the project ends `cancelled`. Input: `{"reason": "..."}` (optional). */
export const cancelProjectUpdate = defineUpdate<{ status: 'cancelling' }, [{ reason?: string }]>('cancelProject');

/** Resumes a failed project from the step that failed (not from the start), with fresh attempts. */
export const retrySceneUpdate = defineUpdate<{ resumedAt: { step: string; sceneIndex: number | null } }, []>('retryScene');

/** Stops waiting for the current callback (or backoff) and asks the service again right away. */
export const requestNowUpdate = defineUpdate<{ step: string; sceneIndex: number | null; attempt: number }, []>('requestNow');

/**
 * Custom search attributes on each project workflow, so ops can filter in the Web UI or with
 * `temporal workflow list --query 'ProjectStatus="failed"'`.
 */
export const projectIdKey = defineSearchAttributeKey('ProjectId', SearchAttributeType.KEYWORD);
export const projectStatusKey = defineSearchAttributeKey('ProjectStatus', SearchAttributeType.KEYWORD);
export const currentSceneKey = defineSearchAttributeKey('CurrentScene', SearchAttributeType.INT);

/** The same attributes as the server registers them (the worker does so at start; the dev server by flag). */
export const searchAttributeRegistrations = [
  ['ProjectId', 'Keyword'],
  ['ProjectStatus', 'Keyword'],
  ['CurrentScene', 'Int'],
] as const;
