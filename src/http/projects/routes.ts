import Router from '@koa/router';
import { projectIdSchema } from '../../contracts/ids';
import { createProjectRequest } from '../../contracts/projects';
import type { PrismaClient } from '../../storage/prisma';
import { HttpError } from '../errors';
import type { AppState } from '../request-context';
import { readJsonBody } from '../json-body';
import { parseOrThrow } from '../validation';
import type { CreateProject } from './create-project';
import { findProjectView } from './project-view';

export interface ProjectRouteDeps {
  prisma: PrismaClient;
  createProject: CreateProject;
  maxBodyBytes: number;
}

/** POST /api/v1/projects creates a film (idempotent per project_id); GET /api/v1/projects/:id reads one. */
export function projectRoutes({ prisma, createProject, maxBodyBytes }: ProjectRouteDeps): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/projects' });

  router.post(
    '/',
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
      const result = await createProject(request);
      if (result.kind === 'conflict') {
        throw new HttpError(409, 'project_conflict', `Project ${result.project.id} already exists with different scenes`);
      }
      const { project } = result;
      ctx.status = result.kind === 'created' ? 201 : 200;
      ctx.set('location', `/api/v1/projects/${encodeURIComponent(project.id)}`);
      ctx.body = { project_id: project.id, workflow_id: project.workflowId, status: project.status };
    },
  );

  router.get('/:id', async (ctx) => {
    const id = projectIdSchema.safeParse(ctx.params.id);
    const view = id.success ? await findProjectView(prisma, id.data) : null;
    if (!view) throw new HttpError(404, 'project_not_found', `No project ${ctx.params.id}`);
    ctx.body = view;
  });

  return router;
}
