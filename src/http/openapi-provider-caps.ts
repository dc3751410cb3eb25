import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { capBody, capView, providerParam } from './admin/provider-cap-routes';

type Json = (schema: z.ZodType, description: string) => RouteConfig['responses'][number];
type Errors = (...statuses: number[]) => RouteConfig['responses'];

/** The admin API's paths for the providers' caps (provider-cap-routes.ts). */
export function registerProviderCapPaths(registry: OpenAPIRegistry, { json, errors, admin }: { json: Json; errors: Errors; admin: RouteConfig['security'] }) {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/provider-caps',
    summary: "Each provider's cap on tasks running at once (configured, set live, effective) and its tasks running and waiting",
    security: admin,
    responses: { 200: json(z.object({ data: z.array(capView) }), 'Every provider but the guide'), ...errors(401) },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/v1/provider-caps/{provider}',
    summary: "Set a provider's cap live (0: unlimited; null: back to PROVIDER_MAX_RUNNING_<NAME>); the change is recorded",
    security: admin,
    request: { params: providerParam, body: { required: true, content: { 'application/json': { schema: capBody } } } },
    responses: { 200: json(capView, 'Updated'), ...errors(400, 401) },
  });
}
