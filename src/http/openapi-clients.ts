import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { clientLimitsBody, clientParam, clientSummaryView, clientView, createClientBody, keyInfoView, keyParam, newKeyBody, newKeyView } from './admin/client-schemas';
import { spendLimitBody, spendLimitsView, userParam } from './admin/spend-limit-routes';

type Json = (schema: z.ZodType, description: string) => RouteConfig['responses'][number];
type Errors = (...statuses: number[]) => RouteConfig['responses'];
type Security = RouteConfig['security'];

/** The security scheme of the project API: a client's key, as a bearer token. */
export function registerClientKeyScheme(registry: OpenAPIRegistry) {
  return registry.registerComponent('securitySchemes', 'clientApiKey', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'rk_<key id>_<secret>',
    description:
      "A client's API key (`npm run clients -- create <name>`, or POST /api/v1/clients). The operator may use the admin token " +
      'instead, and then names any film by its whole id (`<project_id>@<client>`).',
  });
}

/** The admin API's paths for clients and their keys (client-routes.ts). */
export function registerClientPaths(registry: OpenAPIRegistry, { json, errors, admin }: { json: Json; errors: Errors; admin: Security }) {
  const body = (schema: z.ZodType, required = true) => ({ body: { required, content: { 'application/json': { schema } } } });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/clients',
    summary: 'Clients with their films running, working keys and quotas',
    security: admin,
    responses: { 200: json(z.object({ data: z.array(clientSummaryView) }), 'Every client'), ...errors(401) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/clients',
    summary: 'Create a client and its first API key (shown once)',
    security: admin,
    request: body(createClientBody),
    responses: { 201: json(z.object({ client: clientView, key: newKeyView }), 'Created'), ...errors(400, 401, 409) },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/v1/clients/{name}',
    summary: "Set a client's quotas (null: the gateway's default)",
    security: admin,
    request: { params: clientParam, ...body(clientLimitsBody) },
    responses: { 200: json(clientView, 'Updated'), ...errors(400, 401, 404) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/clients/{name}/spend-limits',
    summary: "A client's default spend limits (its own and its users') and their latest changes",
    security: admin,
    request: { params: clientParam },
    responses: { 200: json(spendLimitsView, 'The defaults'), ...errors(400, 401, 404) },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/v1/clients/{name}/spend-limit',
    summary: "Set the client's default spend limit for its new films (null: SPEND_LIMIT); the change is recorded",
    security: admin,
    request: { params: clientParam, ...body(spendLimitBody) },
    responses: { 200: json(spendLimitsView, 'Updated'), ...errors(400, 401, 404) },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/v1/clients/{name}/users/{user_id}/spend-limit',
    summary: "Set one user's default spend limit for their new films (null: removed, the client's applies); the change is recorded",
    security: admin,
    request: { params: userParam, ...body(spendLimitBody) },
    responses: { 200: json(spendLimitsView, 'Updated'), ...errors(400, 401, 404) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/clients/{name}/keys',
    summary: "A client's keys (never the keys themselves: only their ids and states)",
    security: admin,
    request: { params: clientParam },
    responses: { 200: json(z.object({ data: z.array(keyInfoView) }), 'Keys'), ...errors(400, 401, 404) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/clients/{name}/keys',
    summary: 'A new key (shown once); with rotate, the other keys expire after overlap_seconds',
    security: admin,
    request: { params: clientParam, ...body(newKeyBody, false) },
    responses: { 201: json(newKeyView, 'The new key'), ...errors(400, 401, 404) },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/clients/{name}/keys/{key}',
    summary: 'Revoke a key at once',
    security: admin,
    request: { params: keyParam },
    responses: { 200: json(keyInfoView, 'Revoked'), ...errors(400, 401, 404) },
  });
}
