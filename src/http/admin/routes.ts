import Router from '@koa/router';
import { webhookEndpointDbValue, webhookEndpointOfStored } from '../../contracts/steps';
import type { ErrorLog } from '../../storage/error-log';
import type { EventStore } from '../../storage/event-store';
import type { WebhookEvent } from '../../storage/prisma';
import { HttpError } from '../errors';
import type { AppState } from '../request-context';
import { parseOrThrow } from '../validation';
import type { WebhookApplier } from '../webhooks/receive';
import { requireAdmin, type AdminAccess } from './auth';
import { errorListQuery, eventListQuery, idParam } from './schemas';

export interface AdminRouteDeps {
  access: AdminAccess;
  events: EventStore;
  errors: ErrorLog;
  apply: WebhookApplier;
}

function eventView(e: Omit<WebhookEvent, 'rawBody'> & { rawBody?: string }) {
  return {
    id: e.id,
    endpoint: webhookEndpointOfStored[e.endpoint],
    task_id: e.taskId,
    status: e.status,
    project_id: e.projectId,
    scene_id: e.sceneId,
    outcome: e.outcome,
    deliveries: e.deliveries,
    headers: e.headers,
    received_at: e.receivedAt.toISOString(),
    signaled_at: e.signaledAt?.toISOString() ?? null,
    ...(e.rawBody !== undefined ? { raw_body: e.rawBody } : {}),
  };
}

/**
 * The operator's API, behind ADMIN_API_TOKEN: the webhook event store (list, inspect, replay) and
 * the error log (list, stats).
 */
export function adminRoutes({ access, events, errors, apply }: AdminRouteDeps): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1' });
  const admin = requireAdmin(access);

  router.get('/webhooks/events', admin, async (ctx) => {
    const q = parseOrThrow(eventListQuery, ctx.query, 'Query');
    const { rows, nextCursor } = await events.list({
      projectId: q.project_id,
      endpoint: q.endpoint ? webhookEndpointDbValue[q.endpoint] : undefined,
      outcome: q.outcome,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      limit: q.limit,
      cursor: q.cursor,
    });
    ctx.body = { data: rows.map(eventView), next_cursor: nextCursor };
  });

  router.get('/webhooks/events/:id', admin, async (ctx) => {
    const { id } = parseOrThrow(idParam, ctx.params, 'Path');
    const event = await events.find(id);
    if (!event) throw new HttpError(404, 'event_not_found', `No webhook event ${id}`);
    ctx.body = eventView(event);
  });

  router.post('/webhooks/events/:id/replay', admin, async (ctx) => {
    const { id } = parseOrThrow(idParam, ctx.params, 'Path');
    const event = await events.find(id);
    if (!event) throw new HttpError(404, 'event_not_found', `No webhook event ${id}`);
    let outcome;
    try {
      outcome = await apply.redeliver(event);
    } catch (err) {
      ctx.state.log.error({ err, eventId: id }, 'Replay failed');
      throw new HttpError(503, 'signal_failed', 'The orchestrator could not accept the event; retry later', undefined, { 'retry-after': '5' });
    }
    ctx.body = { id, outcome, replayed: outcome === 'signaled' };
  });

  router.get('/errors', admin, async (ctx) => {
    const q = parseOrThrow(errorListQuery, ctx.query, 'Query');
    const { rows, nextCursor } = await errors.list({
      type: q.type,
      code: q.code,
      severity: q.severity,
      since: q.since ? new Date(q.since) : undefined,
      limit: q.limit,
      cursor: q.cursor,
    });
    ctx.body = {
      data: rows.map((r) => ({ id: r.id, type: r.type, code: r.code, severity: r.severity, message: r.message, context: r.context, created_at: r.createdAt.toISOString() })),
      next_cursor: nextCursor,
    };
  });

  router.get('/errors/stats', admin, async (ctx) => {
    ctx.body = await errors.stats();
  });

  return router;
}
