import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { StepEvent } from './events';
import type { ProjectProgress } from './progress';

/**
 * The project workflow's message API. Names are what ops type with the `temporal` CLI, e.g.
 * `temporal workflow signal --workflow-id project-42 --name videoComplete --input '{...}'`.
 */
export const videoCompleteSignal = defineSignal<[StepEvent]>('videoComplete');
export const lastFrameCompleteSignal = defineSignal<[StepEvent]>('lastFrameComplete');
export const stitchCompleteSignal = defineSignal<[StepEvent]>('stitchComplete');

/** `temporal workflow query --workflow-id project-42 --name progress` */
export const progressQuery = defineQuery<ProjectProgress>('progress');
