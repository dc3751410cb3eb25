import type Router from '@koa/router';
import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { filmIdFor, filmIdSchema, projectIdOfFilm, projectIdSchema } from '../../contracts/ids';
import {
  actorName,
  approveUpdate,
  chooseTakeRequest,
  chooseTakeUpdate,
  regenerateRequest,
  regenerateSceneUpdate,
  setSpendLimitUpdate,
  spendLimitRequest,
  type ReviewActor,
} from '../../contracts/review';
import type { Prisma, PrismaClient } from '../../storage/prisma';
import { HttpError } from '../errors';
import { readJsonBody } from '../json-body';
import { parseOrThrow } from '../validation';
import type { ProjectApiState } from './client-auth';

export interface ReviewRouteDeps {
  prisma: PrismaClient;
  temporal: Client;
}

const maxActionBodyBytes = 16_384;
const sceneParam = z.object({ n: z.coerce.number().int().min(0).max(10_000) });
/** How long a caller is told to wait when Temporal cannot be reached. */
const temporalRetryAfterSeconds = 5;

/** An empty body is `{}` (approve takes none; regenerate's fields are all optional). */
async function jsonOrEmpty(ctx: Context): Promise<unknown> {
  if (!ctx.request.length && !ctx.get('transfer-encoding')) return {};
  if (!ctx.is('application/json')) throw new HttpError(415, 'unsupported_media_type', 'Send the body as Content-Type: application/json');
  return readJsonBody(ctx, maxActionBodyBytes);
}

/**
 * A person steering a review film (docs/review.md): approve, regenerate a scene, choose a take, set the
 * spend limit. Each is the film's Temporal update, carrying who asked; the workflow's validator refuses
 * what cannot apply now, answered as a 409 with its reason. Each accepted action is also recorded in
 * review_actions (who, when, what). A client acts on its own films only; the operator on any.
 */
export function addReviewRoutes(router: Router<ProjectApiState>, access: Middleware<ProjectApiState>[], { prisma, temporal }: ReviewRouteDeps): void {
  async function filmOf(ctx: Context & { state: ProjectApiState }) {
    const { caller } = ctx.state;
    const client = caller.kind === 'client' ? caller.clientId : null;
    const raw = (ctx.params as Record<string, string>).id;
    const id = (client ? projectIdSchema : filmIdSchema).safeParse(raw);
    const project = id.success
      ? await prisma.project.findUnique({ where: { id: client ? filmIdFor(id.data, client) : id.data }, select: { id: true, clientId: true, workflowId: true } })
      : null;
    if (!project || (client !== null && project.clientId !== client)) throw new HttpError(404, 'project_not_found', `No project ${raw}`);
    const actor: ReviewActor = client ? { kind: 'client', clientId: client } : { kind: 'operator' };
    return { project, actor, projectId: projectIdOfFilm(project.id, client) };
  }

  const act = <T>(method: 'post' | 'put', path: string, action: string, run: (ctx: Context & { state: ProjectApiState }, workflowId: string, actor: ReviewActor, filmId: string) => Promise<{ sceneIndex?: number; args: unknown; result: T }>) =>
    router[method](path, ...access, async (ctx) => {
      const { project, actor, projectId } = await filmOf(ctx);
      let outcome: Awaited<ReturnType<typeof run>>;
      try {
        outcome = await run(ctx, project.workflowId, actor, project.id);
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'review_refused', err.cause?.message ?? err.message);
        if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'film_closed', `Film ${projectId} is closed: it can no longer be changed`);
        if (err instanceof ServiceError) {
          throw new HttpError(503, 'temporal_unavailable', 'Temporal could not be reached: try again shortly', undefined, { 'retry-after': String(temporalRetryAfterSeconds) });
        }
        throw err;
      }
      await prisma.reviewAction.create({
        data: { projectId: project.id, action, sceneIndex: outcome.sceneIndex ?? null, arguments: outcome.args as Prisma.InputJsonValue, actor: actorName(actor) },
      });
      ctx.body = { project_id: projectId, action, result: outcome.result };
    });

  act('post', '/:id/approve', 'approve', async (ctx, workflowId, actor) => {
    parseOrThrow(z.strictObject({}), await jsonOrEmpty(ctx), 'Body');
    const result = await temporal.workflow.getHandle(workflowId).executeUpdate(approveUpdate, { args: [{ actor }] });
    const approved = 'sceneIndex' in result.approved ? { scene_index: result.approved.sceneIndex } : { stitch: true };
    return { sceneIndex: 'sceneIndex' in result.approved ? result.approved.sceneIndex : undefined, args: { approved }, result: { approved } };
  });

  act('post', '/:id/scenes/:n/regenerate', 'regenerate', async (ctx, workflowId, actor) => {
    const { n } = parseOrThrow(sceneParam, ctx.params, 'Path');
    const body = parseOrThrow(regenerateRequest, await jsonOrEmpty(ctx), 'Body');
    const input = { actor, sceneIndex: n, prompt: body.prompt, seed: body.seed, options: body.options, laterScenes: body.later_scenes };
    const result = await temporal.workflow.getHandle(workflowId).executeUpdate(regenerateSceneUpdate, { args: [input] });
    return { sceneIndex: n, args: body, result: { scene_index: n, take: result.take, regenerating: result.regenerating } };
  });

  act('post', '/:id/scenes/:n/choose', 'choose', async (ctx, workflowId, actor) => {
    const { n } = parseOrThrow(sceneParam, ctx.params, 'Path');
    const body = parseOrThrow(chooseTakeRequest, await jsonOrEmpty(ctx), 'Body');
    const input = { actor, sceneIndex: n, take: body.take, laterScenes: body.later_scenes };
    const result = await temporal.workflow.getHandle(workflowId).executeUpdate(chooseTakeUpdate, { args: [input] });
    return { sceneIndex: n, args: body, result: { scene_index: n, take: result.take, regenerating: result.regenerating } };
  });

  act('put', '/:id/spend-limit', 'spend_limit', async (ctx, workflowId, actor, filmId) => {
    const body = parseOrThrow(spendLimitRequest, await jsonOrEmpty(ctx), 'Body');
    const result = await temporal.workflow.getHandle(workflowId).executeUpdate(setSpendLimitUpdate, { args: [{ actor, limit: body.limit }] });
    await prisma.project.update({ where: { id: filmId }, data: { spendLimit: result.limit } });
    return { args: body, result: { limit: result.limit } };
  });
}
