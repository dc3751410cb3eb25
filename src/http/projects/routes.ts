import { pipeline } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import Router from '@koa/router';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { projectIdSchema } from '../../contracts/ids';
import { createProjectRequest } from '../../contracts/projects';
import type { PrismaClient } from '../../storage/prisma';
import { HttpError } from '../errors';
import type { AppState } from '../request-context';
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

const decoders: Record<string, (() => NodeJS.ReadWriteStream) | undefined> = {
  identity: undefined,
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * The body, parsed as JSON: 413 over the limit (after decompression), 400 when it is not
 * JSON. Parsed with JSON.parse, which makes a `__proto__` key an ordinary own property (the schema then
 * drops it like any unknown key) rather than refusing the body as a JSON parser hardened against
 * prototype poisoning does, since the document allows any extra property.
 */
async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  const encoding = (ctx.get('content-encoding') || 'identity').trim().toLowerCase();
  if (!Object.hasOwn(decoders, encoding)) {
    throw new HttpError(415, 'unsupported_media_type', `Content-Encoding ${encoding} is not supported`);
  }
  const decoder = decoders[encoding];
  let text: string;
  try {
    // pipeline, not pipe: a client that goes away ends the read with an error instead of leaving it waiting.
    text = await getRawBody(decoder ? pipeline(ctx.req, decoder(), () => undefined) : ctx.req, {
      limit: limitBytes,
      length: decoder ? undefined : ctx.get('content-length') || undefined,
      encoding: 'utf8',
    });
  } catch (err) {
    if ((err as { type?: string }).type === 'entity.too.large') throw new HttpError(413, 'payload_too_large', 'Request body is too large');
    throw new HttpError(400, 'malformed_json', 'Request body is not valid JSON');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'malformed_json', 'Request body is not valid JSON');
  }
}
