import type { Middleware } from 'koa';
import type { WebhookEndpointName } from '../../contracts/steps';
import { accessLogFile } from '../../platform/access-log-file';
import type { WebhookLogSettings } from '../../platform/config';
import { activeTraceIds } from '../../platform/tracing';
import { failureOf } from '../errors';
import { answeredOutcome, type WebhookState } from './webhook-state';

/** Ids are read from a body that failed verification or validation only when it is this small. */
const maxUnverifiedBodyBytes = 64 * 1024;
const maxUnverifiedIdLength = 200;

/** task_id, project_id, scene_id and the task's status, from the validated payload or, failing that, the raw body. */
function idsOf(state: Partial<WebhookState>): Record<string, unknown> {
  const { payload, rawBody } = state;
  if (payload) {
    const { task_id, project_id, status } = payload;
    const sceneId = (payload as { scene_id?: string }).scene_id;
    return { task_id, project_id, ...(sceneId ? { scene_id: sceneId } : {}), task_status: status };
  }
  // Refused after the body was read (bad signature, invalid field): what it claims is still what an
  // operator greps for. JSON.stringify keeps a hostile value on its one line.
  if (!rawBody || rawBody.length > maxUnverifiedBodyBytes) return {};
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return {};
  }
  if (typeof body !== 'object' || body === null) return {};
  const ids: Record<string, unknown> = {};
  for (const [field, name] of [['task_id', 'task_id'], ['project_id', 'project_id'], ['scene_id', 'scene_id'], ['status', 'task_status']] as const) {
    const value = (body as Record<string, unknown>)[field];
    if (typeof value === 'string' || typeof value === 'number') ids[name] = String(value).slice(0, maxUnverifiedIdLength);
  }
  return ids;
}

/** With tracing on, the request's trace id: the way from a line to the trace in Jaeger or any backend. */
const traceIdOf = ({ trace_id }: { trace_id?: string }) => (trace_id ? { trace_id } : {});

/**
 * First stage of every webhook route: one JSON line per request in the webhook access log
 * (WEBHOOK_LOG, logs/webhooks.log under npm start), whatever the outcome: the time, endpoint, the
 * ids the body carried, `outcome` (`success`, `duplicate`, `ignored`, or the error code the client
 * got: `invalid_signature`, `rate_limited`, `signal_failed`, …), the HTTP status, latency, request id
 * and, with tracing on, trace id.
 */
export function webhookAccessLog(endpoint: WebhookEndpointName, settings: WebhookLogSettings): Middleware<WebhookState> {
  const { file } = settings;
  if (!file) return (_ctx, next) => next();
  return async (ctx, next) => {
    const time = new Date();
    const started = process.hrtime.bigint();
    let status = 500;
    let outcome = 'internal_error';
    try {
      await next();
      status = ctx.status;
      outcome = answeredOutcome(ctx.state.outcome);
    } catch (err) {
      ({ status, code: outcome } = failureOf(err));
      throw err;
    } finally {
      const state = ctx.state as Partial<WebhookState>;
      accessLogFile({ ...settings, file }).write({
        time: time.toISOString(),
        endpoint,
        ...idsOf(state),
        outcome,
        status,
        latency_ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
        request_id: state.requestId,
        ...traceIdOf(activeTraceIds()),
        ip: ctx.ip,
        ...(state.rawBody ? { verified: state.scheme !== undefined } : {}),
        ...(state.stored ? { event_id: state.stored.id, deliveries: state.stored.deliveries } : {}),
      });
    }
  };
}
