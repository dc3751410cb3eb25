import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { projectIdSchema } from '../contracts/ids';
import { chooseTakeRequest, regenerateRequest, spendLimitRequest } from '../contracts/review';

type Json = (schema: z.ZodType, description: string) => RouteConfig['responses'][number];
type Errors = (...statuses: number[]) => RouteConfig['responses'];

const answer = z.object({ project_id: z.string(), action: z.string(), result: z.looseObject({}) });

/** The review actions on a film (review-routes.ts, docs/review.md). */
export function registerReviewPaths(registry: OpenAPIRegistry, { json, errors, security }: { json: Json; errors: Errors; security: RouteConfig['security'] }) {
  const id = z.object({ id: projectIdSchema });
  const scene = z.object({ id: projectIdSchema, n: z.number().int().min(0) });
  const refused = "409 review_refused: the workflow's validator says why (nothing awaits review, no such take, later_scenes needed…); 409 film_closed";
  const paths = [
    ['post', '/api/v1/projects/{id}/approve', 'Approve what awaits review: the current scene, or the stitch', id, undefined],
    ['post', '/api/v1/projects/{id}/scenes/{n}/regenerate', 'Make a new take of scene n, with the same or an edited prompt, seed or options', scene, regenerateRequest],
    ['post', '/api/v1/projects/{id}/scenes/{n}/choose', 'Make an earlier take of scene n the one the film uses', scene, chooseTakeRequest],
    ['put', '/api/v1/projects/{id}/spend-limit', "Set the film's spend limit; a film awaiting budget goes on once its next video fits", id, spendLimitRequest],
  ] as const;
  for (const [method, path, summary, params, body] of paths) {
    registry.registerPath({
      method,
      path,
      summary,
      description: refused,
      security,
      request: { params, ...(body ? { body: { required: method === 'put', content: { 'application/json': { schema: body } } } } : {}) },
      responses: { 200: json(answer, 'Accepted by the workflow, and recorded'), ...errors(400, 401, 404, 409, 415, 429, 503) },
    });
  }
}
