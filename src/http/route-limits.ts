import type { Middleware } from 'koa';
import { webhookEndpoints, webhookPath } from '../contracts/steps';
import type { Config, RouteGroup } from '../platform/config';
import type { GatewayMetrics } from './metrics';
import { enforceLimit, type RateLimiter } from './rate-limit';

const webhookPaths = new Set(webhookEndpoints.map((endpoint) => webhookPath(endpoint)));

/** A project's own path, `/api/v1/projects/<id>`: one segment after the collection. */
const projectPath = /^\/api\/v1\/projects\/[^/]+\/?$/;
/** A review action on a project: approve, a scene's regenerate or choose, the spend limit. */
const reviewActionPath = /^\/api\/v1\/projects\/[^/]+\/(approve|spend-limit|scenes\/\d+\/(regenerate|choose))\/?$/;

/**
 * Which limit a request counts against, decided from its method and path alone, before any route runs:
 * so no route, present or future, and no unknown path escapes a limit. Undefined only for the webhook
 * POSTs, whose pipeline limits them itself (per endpoint, after the access log and metrics see them).
 */
export function routeGroupOf(method: string, path: string): RouteGroup | undefined {
  if (webhookPaths.has(path.replace(/\/$/, ''))) return method === 'POST' ? undefined : 'health';
  // A provider's webhooks have their own limit in their pipeline, as the guide's do.
  if (/^\/api\/webhooks\/providers\/[\w-]+\/?$/.test(path) && method === 'POST') return undefined;
  if (path === '/health' || path === '/ready' || path === '/live') return 'health';
  if (path === '/metrics') return 'metrics';
  if (path === '/console/session' && method === 'POST') return 'sign_in';
  if (path === '/console' || path.startsWith('/console/')) return 'console';
  if (/^\/api\/v1\/projects\/?$/.test(path) && method === 'POST') return 'projects';
  if (projectPath.test(path) && (method === 'GET' || method === 'HEAD' || method === 'DELETE')) return 'projects';
  // A person steering a film (docs/review.md): the project API's own limit, like reading it.
  if (reviewActionPath.test(path) && (method === 'POST' || method === 'PUT')) return 'projects';
  if (path.startsWith('/api/v1/')) return 'admin';
  return 'other';
}

/** A limit per client address on every route but the webhook POSTs (RATE_LIMIT_* in docs/security.md). */
export function limitEveryRoute(limits: Config['rateLimit']['perRoute'], limiter: RateLimiter, metrics: GatewayMetrics): Middleware {
  return async function limitEveryRoute(ctx, next) {
    const group = routeGroupOf(ctx.method, ctx.path);
    if (group) await enforceLimit(ctx, group, limits[group], limiter, metrics);
    await next();
  };
}
