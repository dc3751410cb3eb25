import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { filmIdFor, workflowIdFor } from '../../contracts/ids';
import type { MediaPlan } from '../../contracts/media';
import type { CreateProjectRequest } from '../../contracts/projects';
import type { ProviderCost } from '../../contracts/providers';
import type { ReviewMode, ReviewPlan, ReviewTimeoutAction } from '../../contracts/review';
import { projectIdKey, projectStatusKey, projectWorkflowType, type ProjectWorkflow } from '../../contracts/workflow-api';
import type { WorkflowSettings } from '../../contracts/workflow-settings';
import type { FilmRow, FilmRows } from '../../storage/film-rows';
import { isMissingSearchAttribute } from '../readiness';
import type { VideoChoice } from './video-choice';

export type CreateProjectResult =
  | { kind: 'created' | 'existing'; project: FilmRow }
  | { kind: 'conflict'; project: FilmRow }
  | { kind: 'quota_exceeded'; running: number; limit: number };

/** Who a film is made for: a client (with its quota of films at once), or the operator (null). */
export type FilmOwner = { clientId: string; maxRunningFilms: number } | null;

export interface ProjectCreatorDeps {
  /** Films' rows, written in SQL (storage/film-rows.ts). */
  films: FilmRows;
  temporal: Client;
  taskQueue: string;
  /** What each new project's workflow starts with (timeouts, attempts, retention). */
  workflowSettings: WorkflowSettings;
  /** Applies webhooks that arrived before the project existed, once its workflow runs. */
  applyEarlyEvents?: (projectId: string) => Promise<unknown>;
  /** Answers a start Temporal refused for a search attribute the namespace lacks (a 503, not a 500). */
  namespaceNotReady?: (err: unknown) => Promise<never>;
  /** Review films' defaults: REVIEW_TIMEOUT_HOURS and SPEND_LIMIT (docs/review.md); a client's or its user's default spend limit comes first. */
  reviewDefaults?: { timeoutHours: number; spendLimit: number | null };
}

/** The film's review plan, fixed in its workflow input; none for a film without review or a spend limit (it runs as films always did). */
function reviewOf(project: FilmRow, estimates: FilmChoices['estimates']): { review?: ReviewPlan } {
  const mode = project.reviewMode as ReviewMode;
  if (mode === 'none' && project.spendLimit === null) return {};
  const timeoutMs = Math.round((project.reviewTimeoutHours ?? 72) * 3_600_000);
  const timeoutAction = (project.reviewTimeoutAction ?? 'approve') as ReviewTimeoutAction;
  return { review: { mode, timeoutMs, timeoutAction, spendLimit: project.spendLimit, ...(estimates ? { estimates } : {}) } };
}

/** Fingerprint of what was asked for, so a retried create can be told from a different one. */
export function requestHash(request: CreateProjectRequest): string {
  const { provider, model, options, start_image_url: startImage, media } = request;
  const chosen = provider || model || options || startImage || request.scenes.some((s) => s.model || s.options);
  // A request that chooses nothing hashes as before providers existed, so its retries still match.
  const choice = chosen
    ? { provider: provider ?? null, model: model ?? null, options: options ?? null, startImage: startImage ?? null, per: request.scenes.map((s) => [s.model ?? null, s.options ?? null]) }
    : {};
  const { review, review_timeout_hours: hours, review_timeout_action: action, spend_limit: limit } = request;
  // Likewise a request that chooses no media steps, no priority, no review and no spend limit.
  const mediaChoice = media && (media.last_frame || media.stitch) ? { media: [media.last_frame ?? null, media.stitch ?? null] } : {};
  const priority = request.priority ? { priority: request.priority } : {};
  const steering = review || hours || action || limit !== undefined ? { review: [review ?? null, hours ?? null, action ?? null, limit ?? null] } : {};
  const canonical = JSON.stringify({ user_id: request.user_id ?? null, scenes: request.scenes.map((s) => [s.prompt, s.duration ?? null]), ...choice, ...mediaChoice, ...priority, ...steering });
  return createHash('sha256').update(canonical).digest('hex');
}

interface Creation {
  request: CreateProjectRequest;
  choice: VideoChoice;
  hash: string;
  /** The new film's scenes' ids, in order: its workflow starts with them without reading them back. */
  sceneIds: string[];
}

/** What a film is made with beyond its scenes: its video provider, and its media steps (docs/media.md; none: remote services only). */
export interface FilmChoices {
  video: VideoChoice;
  media?: MediaPlan;
  /** Each scene's video priced before it is made (video-choice.ts sceneEstimates); absent when none is known. */
  estimates?: (ProviderCost | null)[];
}

const guideChoice: VideoChoice = { provider: 'guide', model: null, options: null, startImageUrl: null };

/**
 * Stores a project with its scenes, then starts its workflow. Safe to call again with the same
 * project id: the rows are written once and Temporal starts at most one workflow for the id, so a
 * client retrying after a timeout gets the same project rather than a second film.
 */
export function createProjectCreator(deps: ProjectCreatorDeps) {
  const { films, temporal, taskQueue, workflowSettings, applyEarlyEvents, namespaceNotReady } = deps;
  const defaults = deps.reviewDefaults ?? { timeoutHours: 72, spendLimit: null };

  /** Writes the film and its scenes, or finds the film already under its id; refused when its client is at its quota. */
  const insertOrFind = (filmId: string, owner: FilmOwner, { request, choice, hash, sceneIds }: Creation) =>
    films.insert(
      {
        id: filmId,
        clientId: owner?.clientId ?? null,
        userId: request.user_id ?? null,
        workflowId: workflowIdFor(filmId),
        requestHash: hash,
        provider: choice.provider,
        priority: request.priority ?? 0,
        model: choice.model,
        providerOptions: choice.options ?? null,
        startImageUrl: choice.startImageUrl,
        reviewMode: request.review ?? 'none',
        reviewTimeoutHours: request.review_timeout_hours ?? defaults.timeoutHours,
        reviewTimeoutAction: request.review_timeout_action ?? 'approve',
        spendLimit: request.spend_limit ?? null,
        fallbackSpendLimit: defaults.spendLimit,
        scenes: request.scenes.map((scene, index) => ({
          id: sceneIds[index],
          prompt: scene.prompt,
          duration: scene.duration ?? null,
          model: scene.model ?? null,
          options: scene.options ?? null,
        })),
      },
      owner && { limit: owner.maxRunningFilms },
    );

  /**
   * Whether the workflow under this film's id is a deleted film's: closed, and started before this film's
   * row was written (a film is deleted only once it has ended, so its id can be used again).
   */
  async function belongsToDeletedFilm(project: FilmRow): Promise<boolean> {
    const run = await temporal.workflow.getHandle(project.workflowId).describe();
    return run.status.name !== 'RUNNING' && run.startTime < project.createdAt;
  }

  async function startWorkflow(
    project: FilmRow,
    choices: FilmChoices,
    reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE' = 'REJECT_DUPLICATE',
    createdSceneIds?: string[],
  ): Promise<void> {
    const { media: mediaPlan, estimates } = choices;
    const sceneIds = createdSceneIds ?? (await films.sceneIds(project.id));
    try {
      await temporal.workflow.start<ProjectWorkflow>(projectWorkflowType, {
        workflowId: project.workflowId,
        taskQueue,
        args: [{ projectId: project.id, userId: project.userId, sceneIds, settings: workflowSettings, ...(mediaPlan ? { media: mediaPlan } : {}), ...reviewOf(project, estimates) }],
        typedSearchAttributes: [
          { key: projectIdKey, value: project.id },
          { key: projectStatusKey, value: 'pending' },
        ],
        // A running workflow for this id is this project's: use it. A closed one is never restarted,
        // unless it was a deleted film's (the id is then this new film's to use).
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: reuse,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        if (reuse === 'REJECT_DUPLICATE' && (await belongsToDeletedFilm(project))) {
          // The services may still hold the deleted film's project-wide requests under their keys.
          await films.newKeyScope(project.id);
          await startWorkflow(project, choices, 'ALLOW_DUPLICATE');
        }
        return;
      }
      if (namespaceNotReady && isMissingSearchAttribute(err)) await namespaceNotReady(err);
      throw err;
    }
  }

  /** `owner` null: the operator's film, whose id is the project id itself (as every film's was before clients). */
  return async function createProject(request: CreateProjectRequest, owner: FilmOwner = null, choices: FilmChoices = { video: guideChoice }): Promise<CreateProjectResult> {
    const choice = choices.video;
    const filmId = filmIdFor(request.project_id ?? randomUUID(), owner?.clientId ?? null);
    const hash = requestHash(request);
    const sceneIds = request.scenes.map(() => randomUUID());
    const found = await insertOrFind(filmId, owner, { request, choice, hash, sceneIds });
    if ('refused' in found) return { kind: 'quota_exceeded', ...found.refused };
    const created = 'created' in found;
    const project = 'created' in found ? found.created : found.existing;
    if (project.requestHash !== hash) return { kind: 'conflict', project };
    // Only a project that never got going needs its workflow started (again, if a start was lost).
    if (project.status === 'pending') {
      // The same request (its hash matched), so the same media choice: the plan is this request's.
      // A film this request just wrote has the scenes it was given; one written before is read back.
      await startWorkflow(project, choices, 'REJECT_DUPLICATE', created ? sceneIds : undefined);
      await applyEarlyEvents?.(project.id);
    }
    return { kind: created ? 'created' : 'existing', project };
  };
}

export type CreateProject = ReturnType<typeof createProjectCreator>;
