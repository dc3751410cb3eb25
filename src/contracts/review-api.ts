import { defineUpdate } from '@temporalio/workflow';
import type { ProviderCost } from './providers';

/**
 * A person steering a film (docs/review.md): review gates, takes of a scene, cuts of the film and a
 * spend limit. What the workflow is started with, the updates it takes and what it records. Free of zod
 * (the request bodies' schemas are in review.ts): the workflow bundle imports this, and every workflow
 * instance evaluates its bundle's modules afresh.
 */
export const reviewModes = ['none', 'each_scene', 'before_stitch'] as const;
export type ReviewMode = (typeof reviewModes)[number];
export const reviewTimeoutActions = ['approve', 'fail'] as const;
export type ReviewTimeoutAction = (typeof reviewTimeoutActions)[number];
export const laterScenesChoices = ['rechain', 'keep'] as const;
export type LaterScenes = (typeof laterScenesChoices)[number];

/** A film's review and spending rules, fixed in its workflow input. Absent: no review and no limit (the film runs as it always did). */
export interface ReviewPlan {
  mode: ReviewMode;
  /** How long each wait for a person lasts, and how long a finished film stays open for edits. */
  timeoutMs: number;
  timeoutAction: ReviewTimeoutAction;
  /** The most the film may spend, in the unit its provider reports; null: no limit. */
  spendLimit: number | null;
  /**
   * Each scene's video priced before it is made, by index (providers/prices.ts; null: no price known):
   * checked against the limit before each submit, and counted for a video whose provider reports no cost.
   * Absent in films started before estimates (they check the last take's cost, as they always did).
   */
  estimates?: (ProviderCost | null)[];
}

/** Who asked, as the gateway identified them: carried in each update's arguments, so the history says who. */
export type ReviewActor = { kind: 'client'; clientId: string } | { kind: 'operator' };
export const actorName = (actor: ReviewActor): string => (actor.kind === 'client' ? `client:${actor.clientId}` : 'operator');

/** What a new take is made with, over the scene's own prompt and inputs. */
export interface TakeRequest {
  take: number;
  prompt?: string;
  seed?: number;
  options?: Record<string, unknown>;
}

export interface ApproveInput {
  actor: ReviewActor;
}
export interface RegenerateInput {
  actor: ReviewActor;
  sceneIndex: number;
  prompt?: string;
  seed?: number;
  options?: Record<string, unknown>;
  laterScenes?: LaterScenes;
}
export interface ChooseTakeInput {
  actor: ReviewActor;
  sceneIndex: number;
  take: number;
  laterScenes?: LaterScenes;
}
export interface SpendLimitInput {
  actor: ReviewActor;
  limit: number;
}

export type Awaiting = { sceneIndex: number } | { stitch: true };

/** Approves what awaits review: the current scene's take, or the stitch. */
export const approveUpdate = defineUpdate<{ approved: Awaiting }, [ApproveInput]>('approve');
/** A new take of a scene; on a scene followed by scenes already made, `laterScenes` says what becomes of them. */
export const regenerateSceneUpdate = defineUpdate<{ sceneIndex: number; take: number; regenerating: number[] }, [RegenerateInput]>('regenerateScene');
/** Makes an earlier take of a scene the one the film uses. */
export const chooseTakeUpdate = defineUpdate<{ sceneIndex: number; take: number; regenerating: number[] }, [ChooseTakeInput]>('chooseTake');
/** Sets the film's spend limit; a film waiting for budget goes on once it fits. */
export const setSpendLimitUpdate = defineUpdate<{ limit: number }, [SpendLimitInput]>('setSpendLimit');

/**
 * An action as the gateway recorded it (review_actions), in the updates' own terms: what a run reset by
 * an operator reads back, since Temporal re-delivers the updates at the reset point, where their
 * validators refuse them.
 */
export interface RecordedReviewAction {
  action: 'approve' | 'regenerate' | 'choose' | 'spend_limit';
  sceneIndex: number | null;
  arguments: Record<string, unknown>;
}

/** The review database write the workflow makes (a local activity): the film's status and what awaits review, and scenes' takes. */
export interface ReviewRecord {
  projectId: string;
  status: 'generating' | 'completed' | 'awaiting_review' | 'awaiting_budget';
  awaiting: Awaiting | null;
  timeoutAt: string | null;
  scenes?: ReviewSceneRecord[];
}
export interface ReviewSceneRecord {
  sceneId: string;
  chosenTake: number;
  chainBroken: boolean;
  /** The chosen take's video and frames, which become the scene's. */
  take: { videoUrl: string; thumbnailUrl?: string; lastFrameUrl: string; cost: { amount: number; unit: string } | null };
}
