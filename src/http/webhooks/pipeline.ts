import type { Middleware, ParameterizedContext } from 'koa';
import getRawBody from 'raw-body';
import type { z } from 'zod';
import type { WebhookEndpointName } from '../../webhooks/endpoints';
import { webhookEndpointDbValue } from '../../webhooks/endpoints';
import type { WebhookPayload } from '../../webhooks/payloads';
import { signatureHeader, verifySignature } from '../../webhooks/signature';
import { toStepEvent } from '../../webhooks/step-event';
import type { Deliver, DeliveryOutcome } from '../../webhooks/delivery';
import type { StepEvent } from '../../workflows/events';
import { HttpError } from '../errors';
import type { AppState } from '../request-context';
import { parseOrThrow } from '../validation';
import { isSettled, type EventStore, type StoredEvent } from './event-store';

/** What each stage of the webhook pipeline leaves for the next. */
export interface WebhookState extends AppState {
  rawBody: Buffer;
  payload: WebhookPayload;
  event: StepEvent;
  stored: StoredEvent;
  outcome: DeliveryOutcome | 'duplicate';
}

type WebhookMiddleware = Middleware<WebhookState>;
export type WebhookContext = ParameterizedContext<WebhookState>;

/** Reads the exact bytes that were signed: 415 unless JSON, 413 past the size limit. */
export function readRawBody(limitBytes: number): WebhookMiddleware {
  return async (ctx, next) => {
    if (!ctx.is('application/json')) {
      throw new HttpError(415, 'unsupported_media_type', 'Webhooks must be sent as Content-Type: application/json');
    }
    ctx.state.rawBody = await getRawBody(ctx.req, { limit: limitBytes, length: ctx.get('content-length') || undefined });
    await next();
  };
}

/** 401 unless X-Webhook-Signature is the HMAC of the body under one of the endpoint's secrets. */
export function verifyWebhookSignature(secrets: readonly string[]): WebhookMiddleware {
  return async (ctx, next) => {
    if (!verifySignature(ctx.state.rawBody, ctx.get(signatureHeader) || undefined, secrets)) {
      throw new HttpError(401, 'invalid_signature', 'Missing or invalid X-Webhook-Signature header');
    }
    await next();
  };
}

/** 400 for a body that is not JSON, or not the shape this endpoint expects (naming each field). */
export function validatePayload(endpoint: WebhookEndpointName, schema: z.ZodType<WebhookPayload>): WebhookMiddleware {
  return async (ctx, next) => {
    let json: unknown;
    try {
      json = JSON.parse(ctx.state.rawBody.toString('utf8'));
    } catch {
      throw new HttpError(400, 'malformed_json', 'Request body is not valid JSON');
    }
    ctx.state.payload = parseOrThrow(schema, json, 'Webhook payload');
    ctx.state.event = toStepEvent(endpoint, ctx.state.payload);
    await next();
  };
}

/** Headers worth keeping with a stored event: provenance, never credentials. */
const keptHeaders = ['user-agent', 'content-type', 'x-request-id', 'x-forwarded-for', 'webhook-id', 'webhook-timestamp'];

/** Stores the verified event; a repeat of one already applied is answered without signalling again. */
export function recordEvent(endpoint: WebhookEndpointName, events: EventStore): WebhookMiddleware {
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
    if (ctx.state.stored.deliveries > 1 && isSettled(ctx.state.stored.outcome)) {
      ctx.state.outcome = 'duplicate';
      return;
    }
    await next();
  };
}

/**
 * Signals the project's workflow. 404 when the project does not exist (the event stays stored);
 * 503 with Retry-After when Temporal cannot take the signal, so the sender tries again.
 */
export function signalWorkflow(endpoint: WebhookEndpointName, deliver: Deliver, events: EventStore): WebhookMiddleware {
  return async (ctx, next) => {
    const { event, stored } = ctx.state;
    let outcome: DeliveryOutcome;
    try {
      outcome = await deliver(endpoint, event);
    } catch (err) {
      ctx.state.log.error({ err, projectId: event.projectId, taskId: event.taskId }, 'Could not signal the workflow');
      await events.setOutcome(stored.id, 'signal_failed');
      throw new HttpError(503, 'signal_failed', 'The orchestrator could not accept the event; retry later', undefined, {
        'retry-after': '5',
      });
    }
    await events.setOutcome(stored.id, outcome);
    if (outcome === 'pending_project') {
      throw new HttpError(404, 'project_not_found', `No project ${event.projectId}`);
    }
    ctx.state.outcome = outcome;
    await next();
  };
}
