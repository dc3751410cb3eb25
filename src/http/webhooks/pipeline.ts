import type { Middleware, ParameterizedContext } from 'koa';
import getRawBody from 'raw-body';
import type { z } from 'zod';
import type { Config } from '../../config/config';
import type { ErrorLog, Severity } from '../../errors/error-log';
import type { WebhookEndpointName } from '../../webhooks/endpoints';
import { webhookEndpointDbValue } from '../../webhooks/endpoints';
import type { WebhookPayload } from '../../webhooks/payloads';
import { toStepEvent } from '../../webhooks/step-event';
import { bodyTimestampProblem, type SignatureScheme, type Verifier } from '../../webhooks/verification';
import type { Deliver, DeliveryOutcome } from '../../webhooks/delivery';
import type { StepEvent } from '../../workflows/events';
import { failureOf, HttpError } from '../errors';
import type { GatewayMetrics, WebhookOutcomeLabel } from '../metrics';
import type { AppState } from '../request-context';
import { parseOrThrow } from '../validation';
import { isSettled, type EventStore, type StoredEvent } from '../../webhooks/event-store';

/** What each stage of the webhook pipeline leaves for the next. */
export interface WebhookState extends AppState {
  rawBody: Buffer;
  scheme: SignatureScheme;
  payload: WebhookPayload;
  event: StepEvent;
  stored: StoredEvent;
  outcome: DeliveryOutcome | 'duplicate';
}

type WebhookMiddleware = Middleware<WebhookState>;
export type WebhookContext = ParameterizedContext<WebhookState>;

/** Error codes the pipeline answers with, as the metric and the error log name them. */
const failureKinds: Record<string, { label: WebhookOutcomeLabel; severity: Severity }> = {
  invalid_signature: { label: 'invalid_signature', severity: 'warning' },
  timestamp_out_of_tolerance: { label: 'stale_timestamp', severity: 'warning' },
  validation_failed: { label: 'validation_error', severity: 'warning' },
  malformed_json: { label: 'validation_error', severity: 'warning' },
  project_not_found: { label: 'not_found', severity: 'warning' },
  rate_limited: { label: 'rate_limited', severity: 'info' },
  signal_failed: { label: 'signal_failed', severity: 'error' },
  payload_too_large: { label: 'bad_request', severity: 'warning' },
  unsupported_media_type: { label: 'bad_request', severity: 'warning' },
};

/**
 * Outermost stage: times every request, counts it by outcome, and records every failure in the error
 * log (but rate-limited ones, which would let a flood write to the database).
 */
export function observeWebhook(endpoint: WebhookEndpointName, metrics: GatewayMetrics, errors: ErrorLog): WebhookMiddleware {
  return async (ctx, next) => {
    const stop = metrics.webhookDuration.startTimer({ endpoint });
    let outcome: WebhookOutcomeLabel = 'error';
    try {
      await next();
      const delivered = ctx.state.outcome;
      outcome = delivered === 'duplicate' || delivered === 'ignored' ? delivered : 'success';
    } catch (err) {
      const { code } = failureOf(err);
      const kind = failureKinds[code];
      outcome = kind?.label ?? (err instanceof HttpError && err.status < 500 ? 'bad_request' : 'error');
      if (outcome !== 'rate_limited') {
        await errors
          .addGlobalError({
            type: 'webhook',
            code,
            severity: kind?.severity ?? 'error',
            message: `${endpoint}: ${(err as Error).message}`,
            context: {
              endpoint,
              requestId: ctx.state.requestId,
              ip: ctx.ip,
              ...(ctx.state.event ? { projectId: ctx.state.event.projectId, taskId: ctx.state.event.taskId } : {}),
            },
          })
          .catch((logErr) => ctx.state.log.error({ err: logErr }, 'Could not record a webhook failure'));
      }
      throw err;
    } finally {
      stop({ outcome });
      metrics.webhookRequests.inc({ endpoint, outcome });
    }
  };
}

/** Reads the exact bytes that were signed: 415 unless JSON, 413 past the size limit. */
export function readRawBody(limitBytes: number): WebhookMiddleware {
  return async (ctx, next) => {
    if (!ctx.is('application/json')) {
      throw new HttpError(415, 'unsupported_media_type', 'Webhooks must be sent as Content-Type: application/json');
    }
    try {
      ctx.state.rawBody = await getRawBody(ctx.req, { limit: limitBytes, length: ctx.get('content-length') || undefined });
    } catch (err) {
      if ((err as { type?: string }).type === 'entity.too.large') {
        throw new HttpError(413, 'payload_too_large', `Webhook bodies are limited to ${limitBytes} bytes`);
      }
      throw new HttpError(400, 'bad_request', 'Could not read the request body');
    }
    await next();
  };
}

const unauthorized: Record<string, string> = {
  missing_signature: 'Missing signature: send X-Webhook-Signature, or the Standard Webhooks headers',
  invalid_signature: 'Invalid webhook signature',
  timestamp_out_of_tolerance: 'The signed timestamp is too far from now: possible replay',
};

/** 401 unless the request is signed (either scheme) by one of the endpoint's active secrets. */
export function verifyWebhookSignature(verify: Verifier): WebhookMiddleware {
  return async (ctx, next) => {
    const result = verify(ctx.state.rawBody, (name) => ctx.get(name) || undefined);
    if (!result.ok) {
      const code = result.reason === 'timestamp_out_of_tolerance' ? result.reason : 'invalid_signature';
      throw new HttpError(401, code, unauthorized[result.reason]);
    }
    ctx.state.scheme = result.scheme;
    ctx.state.log.debug({ scheme: result.scheme }, 'webhook signature verified');
    await next();
  };
}

/**
 * 400 for a body that is not JSON, or not the shape this endpoint expects (naming each field); 401
 * when a seed-scheme body's signed `timestamp` is outside the tolerance.
 */
export function validatePayload(
  endpoint: WebhookEndpointName,
  schema: z.ZodType<WebhookPayload>,
  freshness: Config['webhooks'],
): WebhookMiddleware {
  return async (ctx, next) => {
    let json: unknown;
    try {
      json = JSON.parse(ctx.state.rawBody.toString('utf8'));
    } catch {
      throw new HttpError(400, 'malformed_json', 'Request body is not valid JSON');
    }
    const payload = parseOrThrow(schema, json, 'Webhook payload');
    if (ctx.state.scheme === 'seed') {
      const problem = bodyTimestampProblem(payload.timestamp, freshness.bodyTimestamp, freshness.timestampToleranceSeconds);
      if (problem === 'out_of_tolerance') throw new HttpError(401, 'timestamp_out_of_tolerance', unauthorized.timestamp_out_of_tolerance);
      if (problem) {
        throw new HttpError(400, 'validation_failed', `Webhook payload is invalid: timestamp`, {
          fields: [{ field: 'timestamp', message: problem === 'missing' ? 'required' : 'must be ISO 8601 or Unix time' }],
        });
      }
    }
    ctx.state.payload = payload;
    ctx.state.event = toStepEvent(endpoint, payload);
    ctx.state.log.debug({ taskId: payload.task_id, projectId: payload.project_id, status: payload.status }, 'webhook payload valid');
    await next();
  };
}

/** Headers worth keeping with a stored event: provenance, never credentials. */
const keptHeaders = ['user-agent', 'content-type', 'x-request-id', 'x-forwarded-for', 'webhook-id', 'webhook-timestamp'];

/** How the services' guide words a failed task in the error log. */
const failedStepWording: Record<WebhookEndpointName, string> = {
  'video-complete': 'Video generation failed',
  'last-frame-complete': 'Last frame extraction failed',
  'stitch-complete': 'Video stitching failed',
};

/** "scene 001" for the first scene, as the guide writes it; the id when the scene is not the project's. */
const sceneWording = (sceneIndex: number | null, sceneId?: string) =>
  sceneIndex === null ? `scene ${sceneId}` : `scene ${String(sceneIndex + 1).padStart(3, '0')}`;

/**
 * Records a failure callback in the error log as it arrives (once, not per repeat), in the guide's
 * words, so an on-call sees each failed task and not only the step that finally gave up.
 */
async function recordTaskFailure(endpoint: WebhookEndpointName, ctx: WebhookContext, errors: ErrorLog): Promise<void> {
  const { event, stored } = ctx.state;
  const subject = event.sceneId ? sceneWording(stored.target.sceneIndex, event.sceneId) : `project ${event.projectId}`;
  await errors
    .addGlobalError({
      type: 'webhook',
      code: 'task_failed',
      severity: 'error',
      message: `${failedStepWording[endpoint]} for ${subject}`,
      context: { endpoint, projectId: event.projectId, sceneId: event.sceneId, taskId: event.taskId, error: event.error, eventId: stored.id },
    })
    .catch((err) => ctx.state.log.error({ err }, 'Could not record a failed task'));
}

/** Stores the verified event; a repeat of one already applied is answered without signalling again. */
export function recordEvent(endpoint: WebhookEndpointName, events: EventStore, errors: ErrorLog): WebhookMiddleware {
  return async (ctx, next) => {
    const { event, rawBody } = ctx.state;
    const headers = Object.fromEntries(keptHeaders.filter((h) => ctx.get(h)).map((h) => [h, ctx.get(h)]));
    ctx.state.stored = await events.recordDelivery({
      endpoint: webhookEndpointDbValue[endpoint],
      taskId: event.taskId,
      status: event.outcome,
      projectId: event.projectId,
      sceneId: event.sceneId,
      headers,
      rawBody: rawBody.toString('utf8'),
    });
    ctx.state.log.debug({ eventId: ctx.state.stored.id, deliveries: ctx.state.stored.deliveries }, 'webhook event recorded');
    if (ctx.state.stored.deliveries === 1 && event.outcome === 'failed') await recordTaskFailure(endpoint, ctx, errors);
    if (ctx.state.stored.deliveries > 1 && isSettled(ctx.state.stored.outcome)) {
      ctx.state.outcome = 'duplicate';
      return;
    }
    await next();
  };
}

/**
 * Signals the project's workflow. 404 when the project does not exist (the event stays stored, and
 * is applied when the project is created); 503 with Retry-After when Temporal cannot take the signal.
 */
export function signalWorkflow(endpoint: WebhookEndpointName, deliver: Deliver, events: EventStore, metrics: GatewayMetrics): WebhookMiddleware {
  return async (ctx, next) => {
    const { event, stored } = ctx.state;
    let outcome: DeliveryOutcome;
    try {
      outcome = await deliver(endpoint, event);
    } catch (err) {
      metrics.signalFailures.inc({ endpoint });
      ctx.state.log.error({ err, projectId: event.projectId, taskId: event.taskId }, 'Could not signal the workflow');
      await events.setOutcome(stored.id, 'signal_failed');
      throw new HttpError(503, 'signal_failed', 'The orchestrator could not accept the event; retry later', undefined, {
        'retry-after': '5',
      });
    }
    await events.setOutcome(stored.id, outcome);
    ctx.state.log.debug({ outcome, workflowId: `project-${event.projectId}` }, 'webhook delivered');
    if (outcome === 'pending_project') {
      throw new HttpError(404, 'project_not_found', `No project ${event.projectId}`);
    }
    ctx.state.outcome = outcome;
    await next();
  };
}
