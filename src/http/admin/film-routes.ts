import Router from '@koa/router';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Context } from 'koa';
import { cancelProjectUpdate, requestNowUpdate, retrySceneUpdate } from '../../contracts/workflow-api';
import type { PrismaClient } from '../../storage/prisma';
import { HttpError } from '../errors';
import { readJsonBody } from '../json-body';
import type { AppState } from '../request-context';
import { parseOrThrow } from '../validation';
import { requireAdmin, type AdminAccess } from './auth';
import { findStoryboard, listFilms, type StoryboardDeps } from './films';
import { cancelBody, filmListQuery, projectParam } from './schemas';

export interface FilmRouteDeps extends StoryboardDeps {
  access: AdminAccess;
  prisma: PrismaClient;
  temporal: Client;
}

const maxActionBodyBytes = 4096;

/** An empty body is `{}`: the actions' inputs are all optional. */
async function optionalJson(ctx: Context): Promise<unknown> {
  if (!ctx.request.length && !ctx.get('transfer-encoding')) return {};
  if (!ctx.is('application/json')) throw new HttpError(415, 'unsupported_media_type', 'Send the body as Content-Type: application/json');
  return readJsonBody(ctx, maxActionBodyBytes);
}

/**
 * The operator's view of films, behind ADMIN_API_TOKEN, added to the project API's router (under
 * /api/v1/projects, so one router answers each path's methods and its Allow header): the list, one film's
 * storyboard, and the workflow's operator updates (cancel, retry, request now) as HTTP actions. An update
 * the workflow's validator refuses (retrying a film that has not failed) is a 409 with its reason.
 */
export function addFilmRoutes(router: Router<AppState>, deps: FilmRouteDeps): Router<AppState> {
  const { access, prisma, temporal } = deps;
  const admin = requireAdmin(access);

  router.get('/', admin, async (ctx) => {
    const q = parseOrThrow(filmListQuery, ctx.query, 'Query');
    ctx.body = await listFilms(prisma, { status: q.status, search: q.q, limit: q.limit, cursor: q.cursor });
  });

  router.get('/:id/storyboard', admin, async (ctx) => {
    const { id } = parseOrThrow(projectParam, ctx.params, 'Path');
    const storyboard = await findStoryboard(deps, id);
    if (!storyboard) throw new HttpError(404, 'project_not_found', `No project ${id}`);
    ctx.body = storyboard;
  });

  const action = (path: string, run: (ctx: Context, workflowId: string) => Promise<unknown>) =>
    router.post(path, admin, async (ctx) => {
      const { id } = parseOrThrow(projectParam, ctx.params, 'Path');
      const project = await prisma.project.findUnique({ where: { id }, select: { workflowId: true } });
      if (!project) throw new HttpError(404, 'project_not_found', `No project ${id}`);
      try {
        ctx.body = { project_id: id, result: await run(ctx, project.workflowId) };
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          throw new HttpError(409, 'action_refused', err.cause?.message ?? err.message);
        }
        if (err instanceof WorkflowNotFoundError) {
          throw new HttpError(409, 'workflow_not_running', `The film's workflow ${project.workflowId} is not running`);
        }
        throw err;
      }
    });

  action('/:id/cancel', async (ctx, workflowId) => {
    const { reason } = parseOrThrow(cancelBody, await optionalJson(ctx), 'Body');
    return temporal.workflow.getHandle(workflowId).executeUpdate(cancelProjectUpdate, { args: [{ reason }] });
  });
  action('/:id/retry', (_ctx, workflowId) => temporal.workflow.getHandle(workflowId).executeUpdate(retrySceneUpdate));
  action('/:id/request-now', (_ctx, workflowId) => temporal.workflow.getHandle(workflowId).executeUpdate(requestNowUpdate));

  return router;
}
