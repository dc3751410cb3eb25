import Router from '@koa/router';
import type { Middleware } from 'koa';
import { filmIdFor, filmIdSchema, projectIdOfFilm, projectIdSchema } from '../../contracts/ids';
import { createProjectRequest } from '../../contracts/projects';
import type { PrismaClient } from '../../storage/prisma';
import type { ProviderLeases } from '../../storage/provider-leases';
import { HttpError } from '../errors';
import type { GatewayMetrics } from '../metrics';
import type { AppState } from '../request-context';
import { readJsonBody } from '../json-body';
import { parseOrThrow } from '../validation';
import { runningFilmsRetryAfterSeconds, type Caller, type ProjectApiState } from './client-auth';
import type { CreateProject } from './create-project';
import type { CreateAdmission } from './create-admission';
import type { DeleteProject } from './delete-project';
import { findProjectView } from './project-view';
import { resolveMediaPlan, type MediaOffer } from './media-choice';
import { resolveVideoChoice, sceneEstimates } from './video-choice';
import { addReviewRoutes } from './review-routes';
import type { Client } from '@temporalio/client';
import type { ProviderSettings } from '../../platform/provider-env';
import type { ProviderName } from '../../contracts/providers';
import type { VideoProviderAdapter } from '../../providers/adapter';

export interface ProjectRouteDeps {
  prisma: PrismaClient;
  createProject: CreateProject;
  /** How many creates run at once on this gateway (the rest wait, then 503 gateway_busy). */
  admission: CreateAdmission;
  deleteProject: DeleteProject;
  maxBodyBytes: number;
  /** identifyCaller, then the client's requests-a-minute quota: before anything else on these routes. */
  access: Middleware<ProjectApiState>[];
  metrics: GatewayMetrics;
  /** The providers a film may choose, and the server's defaults. */
  providers: { settings: ProviderSettings; adapters: ReadonlyMap<ProviderName, VideoProviderAdapter> };
  /** What the deployment offers for the media steps, read at each creation (the simulator's URLs arrive after start-up). */
  mediaOffer: () => MediaOffer;
  /** A film's place in its provider's line, while a scene waits for a slot. */
  queueOf: ProviderLeases['queueOf'];
  /** Where the review actions send their updates (docs/review.md). */
  temporal: Client;
}

const clientOf = (caller: Caller) => (caller.kind === 'client' ? caller.clientId : null);

/**
 * POST /api/v1/projects creates a film (idempotent per project_id); GET /api/v1/projects/:id reads one;
 * DELETE /api/v1/projects/:id removes one that is no longer running, with its stored media.
 * A client names its films by its own project ids and sees only its own: another client's film, or an
 * operator's, is a 404 like one that does not exist. The operator names any film by its whole id.
 */
export function projectRoutes({ prisma, createProject, admission, deleteProject, maxBodyBytes, access, metrics, providers, mediaOffer, queueOf, temporal }: ProjectRouteDeps): Router<AppState> {
  const router = new Router<ProjectApiState>({ prefix: '/api/v1/projects' });
  addReviewRoutes(router, access, { prisma, temporal });

  router.post(
    '/',
    ...access,
    async (ctx, next) => {
      if (!ctx.is('application/json')) {
        throw new HttpError(415, 'unsupported_media_type', 'Send the project as Content-Type: application/json');
      }
      await next();
    },
    async (ctx) => {
      // Text PostgreSQL cannot store (NUL, lone surrogates) is refused by the schema itself (storableText),
      // which is also what /openapi.json documents.
      const request = parseOrThrow(createProjectRequest, await readJsonBody(ctx, maxBodyBytes), 'Project');
      const { caller } = ctx.state;
      const owner = caller.kind === 'client' ? { clientId: caller.clientId, maxRunningFilms: caller.maxRunningFilms } : null;
      const video = resolveVideoChoice(request, providers.settings, providers.adapters);
      const media = resolveMediaPlan(request, mediaOffer());
      // Admitted once the request is read and checked: only the create's writes and its workflow's start wait for a turn.
      const result = await admission.admitted(() => createProject(request, owner, { video, media, estimates: sceneEstimates(request, video) }));
      if (result.kind === 'quota_exceeded') {
        metrics.clientQuotaRefusals.inc({ client: owner!.clientId, quota: 'running_films' });
        throw new HttpError(
          429,
          'quota_exceeded',
          `Client ${owner!.clientId} may have ${result.limit} films running at once; wait for one to finish`,
          { quota: 'running_films', limit: result.limit, running: result.running },
          { 'retry-after': String(runningFilmsRetryAfterSeconds) },
        );
      }
      const projectId = projectIdOfFilm(result.project.id, owner?.clientId ?? null);
      if (result.kind === 'conflict') {
        throw new HttpError(409, 'project_conflict', `Project ${projectId} already exists with different scenes`);
      }
      const { project } = result;
      ctx.status = result.kind === 'created' ? 201 : 200;
      ctx.set('location', `/api/v1/projects/${encodeURIComponent(projectId)}`);
      ctx.body = { project_id: projectId, workflow_id: project.workflowId, status: project.status };
    },
  );

  /** The film a path's id names for this caller; undefined for an id that names none. */
  const filmIdOf = (caller: Caller, id: string) => {
    const client = clientOf(caller);
    // A client's id never has the `@client` suffix; the operator's may (it names any film).
    const parsed = (client ? projectIdSchema : filmIdSchema).safeParse(id);
    return parsed.success ? (client ? filmIdFor(parsed.data, client) : parsed.data) : undefined;
  };
  const notFound = (id: string) => new HttpError(404, 'project_not_found', `No project ${id}`);

  router.get('/:id', ...access, async (ctx) => {
    const filmId = filmIdOf(ctx.state.caller, ctx.params.id);
    const view = filmId ? await findProjectView(prisma, filmId, clientOf(ctx.state.caller), queueOf) : null;
    if (!view) throw notFound(ctx.params.id);
    ctx.body = view;
  });

  router.delete('/:id', ...access, async (ctx) => {
    const filmId = filmIdOf(ctx.state.caller, ctx.params.id);
    // A client only ever finds its own films: another's is as absent as one never made.
    if (!filmId || !(await deleteProject(filmId, ctx.params.id))) throw notFound(ctx.params.id);
    ctx.status = 204;
  });

  return router as unknown as Router<AppState>;
}
