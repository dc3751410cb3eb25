import { projectCreated, projectView } from './openapi-projects';
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV3, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { projectIdSchema } from '../contracts/ids';
import { createProjectRequest } from '../contracts/projects';
import { errorSeverities, errorTypes, projectStatuses, webhookOutcomes } from '../contracts/statuses';
import { webhookEndpoints, webhookPath } from '../contracts/steps';
import { webhookPayloadSchemas } from '../contracts/webhooks';
import { cancelBody, errorListQuery, eventListQuery, filmListQuery, idParam, projectParam } from './admin/schemas';
import { registerClientKeyScheme, registerClientPaths } from './openapi-clients';
import { registerProviderCapPaths } from './openapi-provider-caps';
import { registerReviewPaths } from './openapi-review';

extendZodWithOpenApi(z);

/**
 * The OpenAPI 3 document of every HTTP path, built from the zod schemas that validate the requests,
 * so the document and the validation cannot drift apart.
 */
const errorBody = z.object({
  error: z.string().openapi({ description: "The code, or the services' guide's wording where it prints one (429: 'Rate limit exceeded')" }),
  code: z.string().openapi({ description: 'Machine-readable reason, e.g. invalid_signature, rate_limited' }),
  message: z.string(),
  details: z
    .looseObject({
      fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
      quota: z.enum(['requests_per_minute', 'running_films']).optional().openapi({ description: 'On a 429 quota_exceeded: the quota reached' }),
      limit: z.number().int().optional().openapi({ description: "On a 429 quota_exceeded: the client's limit" }),
    })
    .optional(),
  request_id: z.string().optional(),
});

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, json(errorBody, `Error (${status})`)])) as RouteConfig['responses'];

const health = z.object({
  status: z.enum(['ok', 'degraded']),
  endpoint: z.string().optional(),
  temporal: z.object({ reachable: z.boolean() }),
  database: z.object({ reachable: z.boolean() }),
});
const readiness = z.object({
  ready: z.boolean(),
  temporal: z.object({ reachable: z.boolean() }),
  database: z.object({ reachable: z.boolean() }),
  search_attributes: z.object({
    missing: z.array(z.string()).nullable().openapi({ description: 'Search attributes the namespace lacks; null when Temporal did not say' }),
  }),
  reasons: z.array(z.string()).openapi({ description: 'Why not ready, in words an operator can act on' }),
});
const webhookAnswer = z.looseObject({
  received: z.literal(true),
  status: z.string(),
  duplicate: z.boolean().optional(),
  ignored: z.string().optional().openapi({ description: 'Why nothing changed: project finished, no such scene, scene already completed' }),
});
const signatureHeaders = z.object({
  'x-webhook-signature': z.string().optional().openapi({ description: 'Hex HMAC-SHA256 of the raw body (seed scheme)' }),
  'webhook-id': z.string().optional().openapi({ description: 'Standard Webhooks message id' }),
  'webhook-timestamp': z.string().optional().openapi({ description: 'Standard Webhooks Unix timestamp (seconds)' }),
  'webhook-signature': z.string().optional().openapi({ description: 'Standard Webhooks `v1,<base64>` signatures' }),
});
const storedEvent = z.looseObject({ id: z.string(), endpoint: z.enum(webhookEndpoints), task_id: z.string(), outcome: z.enum(webhookOutcomes) });
const page = (item: z.ZodType) => z.object({ data: z.array(item), next_cursor: z.string().nullable() });

export function buildOpenApiDocument(version: string) {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer' });
  const admin = [{ [bearer.name]: [] }];
  // Either scheme: a client's key, or the operator's token (the console's session cookie works too).
  const projectApi = [{ [registerClientKeyScheme(registry).name]: [] }, ...admin];
  /** Paths anyone may call: the webhooks prove themselves by their signature headers, not a credential. */
  const open: { [name: string]: string[] }[] = [];

  registry.registerPath({
    method: 'post',
    path: '/api/v1/projects',
    summary: "Create a project (idempotent per project_id within the caller's films) and start its workflow",
    security: projectApi,
    request: { body: { required: true, content: { 'application/json': { schema: createProjectRequest } } } },
    responses: {
      201: json(projectCreated, 'Created'),
      200: json(projectCreated, 'Already existed with the same scenes'),
      ...errors(400, 401, 409, 413, 415, 429, 503),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/projects/{id}',
    summary: "A project with its scenes: a client sees only its own (another client's is a 404)",
    security: projectApi,
    request: { params: z.object({ id: projectIdSchema }) },
    responses: { 200: json(projectView, 'The project'), ...errors(401, 404, 429) },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/projects/{id}',
    summary: "Delete a film that is no longer running, its records and its stored media (a client only its own; another client's is a 404)",
    security: projectApi,
    request: { params: z.object({ id: projectIdSchema }) },
    responses: { 204: { description: 'Deleted' }, ...errors(401, 404, 409, 429, 503) },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/v1/projects',
    summary: "Films, newest first, with their progress (the console's list)",
    security: admin,
    request: { query: filmListQuery },
    responses: { 200: json(page(z.looseObject({ project_id: z.string(), status: z.enum(projectStatuses), scenes_total: z.number(), scenes_completed: z.number() })), 'A page of films'), ...errors(400, 401) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/projects/{id}/storyboard',
    summary: "A film's scenes with their frames, its timeline of steps and its live step (the console's film page)",
    security: admin,
    request: { params: projectParam },
    responses: { 200: json(z.looseObject({ project_id: z.string(), scenes: z.array(z.unknown()), timeline: z.array(z.unknown()) }), 'The storyboard'), ...errors(400, 401, 404) },
  });
  const actions = [
    ['cancel', 'Cancel the film (the workflow update cancelProject); body: {"reason": "..."} (optional)'],
    ['retry', 'Resume a failed film from the step that failed (the workflow update retryScene)'],
    ['request-now', 'Stop waiting for the current callback and ask the service again (the workflow update requestNow)'],
  ] as const;
  for (const [action, summary] of actions) {
    registry.registerPath({
      method: 'post',
      path: `/api/v1/projects/{id}/${action}`,
      summary,
      security: admin,
      request: { params: projectParam, ...(action === 'cancel' ? { body: { required: false, content: { 'application/json': { schema: cancelBody } } } } : {}) },
      responses: { 200: json(z.object({ project_id: z.string(), result: z.unknown() }), 'Applied by the workflow'), ...errors(400, 401, 403, 404, 409) },
    });
  }

  registry.registerPath({
    method: 'post',
    path: '/api/webhooks/providers/{provider}',
    summary: 'Callback from a video provider',
    description: 'Posted by the provider to the URL Reelay gave it with the task, whose query (project, scene, fp) names the scene; signed as the provider signs (docs/providers.md).',
    security: open,
    request: {
      params: z.object({ provider: z.enum(['replicate', 'fal', 'luma']) }),
      body: { required: true, content: { 'application/json': { schema: z.looseObject({}) } } },
    },
    responses: { 200: json(z.looseObject({ received: z.boolean() }), 'Accepted (a progress report, or a duplicate)'), ...errors(400, 401, 404, 413, 415, 429, 503) },
  });

  for (const endpoint of webhookEndpoints) {
    registry.registerPath({
      method: 'post',
      path: webhookPath(endpoint),
      summary: `Callback: ${endpoint}`,
      security: open,
      request: {
        headers: signatureHeaders,
        body: { required: true, content: { 'application/json': { schema: webhookPayloadSchemas[endpoint] } } },
      },
      responses: { 200: json(webhookAnswer, 'Accepted (or a duplicate)'), ...errors(400, 401, 404, 413, 415, 429, 503) },
    });
    registry.registerPath({
      method: 'get',
      path: webhookPath(endpoint),
      summary: `Health of the ${endpoint} receiver`,
      security: open,
      responses: { 200: json(health, 'Healthy'), 503: json(health, 'Temporal or the database unreachable') },
    });
  }

  registry.registerPath({
    method: 'get',
    path: '/api/v1/webhooks/events',
    summary: 'Stored webhook events, newest first',
    security: admin,
    request: { query: eventListQuery },
    responses: { 200: json(page(storedEvent), 'A page of events'), ...errors(400, 401) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/webhooks/events/{id}',
    summary: 'One stored event, with its raw body',
    security: admin,
    request: { params: idParam },
    responses: { 200: json(storedEvent, 'The event'), ...errors(400, 401, 404) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/webhooks/events/{id}/replay',
    summary: "Deliver a stored event to its project's workflow again",
    security: admin,
    request: { params: idParam },
    responses: {
      200: json(z.object({ id: z.string(), outcome: z.string(), replayed: z.boolean() }), 'Delivered'),
      ...errors(400, 401, 404, 503),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/errors',
    summary: 'The error log, newest first',
    security: admin,
    request: { query: errorListQuery },
    responses: { 200: json(page(z.looseObject({ id: z.string(), type: z.enum(errorTypes), code: z.string(), severity: z.enum(errorSeverities) })), 'A page of errors'), ...errors(400, 401) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/errors/stats',
    summary: 'Error counts by type and severity over the last hour and day',
    security: admin,
    responses: { 200: json(z.looseObject({ last_hour: z.unknown(), last_day: z.unknown() }), 'Counts'), ...errors(401) },
  });
  registry.registerPath({
    method: 'get',
    path: '/health',
    summary: 'Gateway health',
    security: open,
    responses: { 200: json(health, 'Healthy'), 503: json(health, 'Degraded') },
  });
  registry.registerPath({
    method: 'get',
    path: '/live',
    summary: 'Liveness: the gateway process answers (asks no dependency)',
    responses: { 200: json(z.object({ status: z.literal('ok') }), 'Alive') },
  });
  registry.registerPath({
    method: 'get',
    path: '/ready',
    summary: 'Readiness: this replica can make a film (Temporal, PostgreSQL, the namespace search attributes)',
    responses: { 200: json(readiness, 'Ready'), 503: json(readiness, 'Not ready; Retry-After says when to ask again') },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    security: open,
    responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } },
  });

  registerClientPaths(registry, { json, errors, admin });
  registerProviderCapPaths(registry, { json, errors, admin });
  registerReviewPaths(registry, { json, errors, security: projectApi });

  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: { title: 'Reelay gateway', version, description: 'Projects API, service webhooks and the admin API.' },
  });
}
