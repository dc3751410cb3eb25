import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { StepEvent } from './events';
import type { ProjectProgress } from './progress';

/**
 * The project workflow's message API. Names are what ops type with the `temporal` CLI, e.g.
 * `temporal workflow update execute --workflow-id project-42 --name retryScene`.
 */

/** Service callbacks, sent by the gateway. */
export const videoCompleteSignal = defineSignal<[StepEvent]>('videoComplete');
export const lastFrameCompleteSignal = defineSignal<[StepEvent]>('lastFrameComplete');
export const stitchCompleteSignal = defineSignal<[StepEvent]>('stitchComplete');

/** Live state: current scene, step, attempt, deadline. `temporal workflow query --name progress` */
export const progressQuery = defineQuery<ProjectProgress>('progress');

/** Stops the film: nothing more is requested and the project ends `cancelled`. Input: `{"reason": "..."}` (optional). */
export const cancelProjectUpdate = defineUpdate<{ status: 'cancelling' }, [{ reason?: string }]>('cancelProject');

/** Resumes a failed project from the step that failed (not from the start), with fresh attempts. */
export const retrySceneUpdate = defineUpdate<{ resumedAt: { step: string; sceneIndex: number | null } }, []>('retryScene');

/** Stops waiting for the current callback (or backoff) and asks the service again right away. */
export const requestNowUpdate = defineUpdate<{ step: string; sceneIndex: number | null; attempt: number }, []>('requestNow');
