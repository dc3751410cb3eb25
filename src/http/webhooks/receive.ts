import Router, { type RouterMiddleware } from '@koa/router';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Middleware } from 'koa';
import { workflowIdFor } from '../../contracts/ids';
import type { StepEvent } from '../../contracts/steps';
import { stepOfEndpoint, webhookEndpointDbValue, webhookEndpointOfStored, webhookEndpoints, webhookPath, type WebhookEndpointName } from '../../contracts/steps';
import { bodyTimestampProblem, createVerifier, storedStepEvent, toStepEvent, webhookPayloadSchemas, type Verifier } from '../../contracts/webhooks';
import { callbackSignals } from '../../contracts/workflow-api';
import type { Config } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import type { ErrorLog } from '../../storage/error-log';
import { isSettled, type EventStore, type StoredWebhookEvent } from '../../storage/event-store';
import type { PrismaClient } from '../../storage/prisma';
import { HttpError } from '../errors';
import type { HealthProbe } from '../health';
import { readSignedBody } from '../json-body';
import type { GatewayMetrics } from '../metrics';
import { rateLimit, type RateLimiter } from '../rate-limit';
import { parseOrThrow } from '../validation';
import { webhookAccessLog } from './access-log';
import { answerFor } from './answers';
import { observeWebhook } from './observe';
import { traceWebhook } from './trace-webhook';
import type { UnverifiedFailureLog } from './unverified-failures';
import type { DeliveryOutcome, WebhookState } from './webhook-state';

type Stage = Middleware<WebhookState>;

export interface WebhookRouteDeps {
  config: Config;
  events: EventStore;
  errors: ErrorLog;
  apply: WebhookApplier;
  health: HealthProbe;
  metrics: GatewayMetrics;
  /** Absent when rate limiting is switched off. */
  limiter?: RateLimiter;
  /** Where refusals of unverified requests are tallied rather than written one by one. */
  unverified: UnverifiedFailureLog;
}

/**
 * POST /api/webhooks/{video-complete,last-frame-complete,stitch-complete}: a webhook's way in, stage by
 * stage: limit the client, read the raw body, verify its signature, validate it, record it, signal the
 * project's workflow, answer. The limit comes first so a flood costs neither a body read nor an HMAC;
 * the access log, observeWebhook and traceWebhook watch from outside. GET on the same paths is a health check.
 */
export function webhookRoutes({ config, events, errors, apply, health, metrics, limiter, unverified }: WebhookRouteDeps): Router<WebhookState> {
  const router = new Router<WebhookState>();
  const { webhooks } = config;
  const notifies = () => Boolean(config.services.notification);
  for (const endpoint of webhookEndpoints) {
    router.post(
      webhookPath(endpoint),
      traceWebhook(endpoint),
      webhookAccessLog(endpoint, config.webhookLog),
      observeWebhook(endpoint, metrics, errors, unverified),
      answer(endpoint, notifies),
      ...(limiter ? [rateLimit(endpoint, config.rateLimit.perEndpoint[endpoint], limiter, metrics)] : []),
      readRawBody(webhooks.maxBodyBytes),
      verifySignature(createVerifier(config.webhookSecrets[endpoint], webhooks.timestampToleranceSeconds)),
      validatePayload(endpoint, webhooks),
      recordEvent(endpoint, events),
      signalWorkflow(endpoint, apply, events, metrics),
    );
    router.get(webhookPath(endpoint), async (ctx) => {
      const status = await health();
      ctx.status = status.ok ? 200 : 503;
      ctx.body = { status: status.ok ? 'ok' : 'degraded', endpoint, temporal: status.temporal, database: status.database };
    });
  }
  return router;
}

/** Runs the rest of the stages, then writes the answer the sending service expects (answers.ts). */
function answer(endpoint: WebhookEndpointName, notifies: () => boolean): RouterMiddleware<WebhookState> {
  return async function answer(ctx, next) {
    await next();
    ctx.status = 200;
    ctx.body = answerFor(endpoint, ctx.state, { notifies: notifies() });
  }
}

/** Reads the exact bytes that were signed (after any Content-Encoding): 415 unless JSON, 413 past the size limit. */
export function readRawBody(limitBytes: number): Stage {
  return async function readRawBody(ctx, next) {
    const rawBody = await readSignedBody(ctx, limitBytes);
    if (!rawBody) throw new HttpError(415, 'unsupported_media_type', 'Webhooks must be sent as Content-Type: application/json');
    ctx.state.rawBody = rawBody;
    await next();
  }
}

const unauthorized: Record<string, string> = {
  missing_signature: 'Missing signature: send X-Webhook-Signature, or the Standard Webhooks headers',
  invalid_signature: 'Invalid webhook signature',
  timestamp_out_of_tolerance: 'The signed timestamp is too far from now: possible replay',
};

/** 401 unless the request is signed (either scheme) by one of the endpoint's active secrets. */
function verifySignature(verify: Verifier): Stage {
  return async function verifySignature(ctx, next) {
    const result = verify(ctx.state.rawBody, (name) => ctx.get(name) || undefined);
    if (!result.ok) {
      const code = result.reason === 'timestamp_out_of_tolerance' ? result.reason : 'invalid_signature';
      throw new HttpError(401, code, unauthorized[result.reason]);
    }
    ctx.state.scheme = result.scheme;
    ctx.state.log.debug({ scheme: result.scheme }, 'webhook signature verified');
    await next();
  }
}

/**
 * 400 for a body that is not JSON, or not the shape this endpoint expects (naming each field); 401
 * when a seed-scheme body's signed `timestamp` is outside the tolerance (when that check is on).
 */
export function validatePayload(endpoint: WebhookEndpointName, freshness: Config['webhooks']): Stage {
  return async function validatePayload(ctx, next) {
    let json: unknown;
    try {
      json = JSON.parse(ctx.state.rawBody.toString('utf8'));
    } catch {
      throw new HttpError(400, 'malformed_json', 'Request body is not valid JSON');
    }
    const payload = parseOrThrow(webhookPayloadSchemas[endpoint], json, 'Webhook payload');
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
  }
}

/** Headers worth keeping with a stored event: provenance, never credentials. */
const keptHeaders = ['user-agent', 'content-type', 'x-request-id', 'x-forwarded-for', 'webhook-id', 'webhook-timestamp'];

/** Stores the verified event; a repeat of one already applied is answered without signalling again. */
export function recordEvent(endpoint: WebhookEndpointName, events: EventStore): Stage {
  return async function recordEvent(ctx, next) {
    const { event, rawBody } = ctx.state;
    const headers = Object.fromEntries(keptHeaders.filter((h) => ctx.get(h)).map((h) => [h, ctx.get(h)]));
    const stored = await events.recordDelivery({
      endpoint: webhookEndpointDbValue[endpoint],
      taskId: event.taskId,
      status: event.outcome,
      projectId: event.projectId,
      sceneId: event.sceneId,
      headers,
      rawBody: rawBody.toString('utf8'),
    });
    ctx.state.stored = stored;
    ctx.state.log.debug({ eventId: stored.id, deliveries: stored.deliveries }, 'webhook event recorded');
    if (stored.deliveries > 1 && isSettled(stored.outcome)) {
      ctx.state.outcome = 'duplicate';
      return;
    }
    await next();
  }
}

/**
 * Applies the event (below). 404 when the project does not exist (the event stays stored, and is
 * applied when the project is created); 503 with Retry-After when Temporal cannot take the signal.
 * The last stage: it does not call on, so the routers mounted after the webhooks' do not each look
 * for a route for a request that is already handled (`answer` writes the answer on the way back).
 */
export function signalWorkflow(endpoint: WebhookEndpointName, apply: WebhookApplier, events: EventStore, metrics: GatewayMetrics): Stage {
  return async function signalWorkflow(ctx) {
    const { event, stored } = ctx.state;
    let outcome: DeliveryOutcome;
    try {
      outcome = await apply.deliver(endpoint, event, stored.id);
    } catch (err) {
      metrics.signalFailures.inc({ endpoint });
      ctx.state.log.error({ err, projectId: event.projectId, taskId: event.taskId }, 'Could not signal the workflow');
      await events.setOutcome(stored.id, 'signal_failed');
      throw new HttpError(503, 'signal_failed', 'The orchestrator could not accept the event; retry later', undefined, { 'retry-after': '5' });
    }
    ctx.state.log.debug({ outcome, workflowId: workflowIdFor(event.projectId) }, 'webhook delivered');
    if (outcome === 'pending_project') throw new HttpError(404, 'project_not_found', `No project ${event.projectId}`);
    ctx.state.outcome = outcome;
  }
}

/**
 * The one way a recorded webhook reaches its project's workflow: as it arrives (above), when an
 * operator replays it, and for events that arrived before their project existed, once it does. The
 * workflow ignores what it has already applied, so applying again is always safe.
 */
export function createWebhookApplier(temporal: Client, prisma: PrismaClient, events: EventStore, logger: Logger) {
  /** Signals the workflow and records what became of the event. */
  async function deliver(endpoint: WebhookEndpointName, event: StepEvent, eventId: string): Promise<DeliveryOutcome> {
    let outcome: DeliveryOutcome = 'signaled';
    try {
      await temporal.workflow.getHandle(workflowIdFor(event.projectId)).signal(callbackSignals[stepOfEndpoint[endpoint]], event);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // Not found covers "never existed", "not started yet" and "already closed": ask the database.
      const project = await prisma.project.findUnique({ where: { id: event.projectId }, select: { status: true } });
      outcome = !project || project.status === 'pending' ? 'pending_project' : 'ignored';
    }
    await events.setOutcome(eventId, outcome);
    return outcome;
  }

  /** A stored event, delivered again: stored bodies were validated on the way in, and are parsed again here. */
  function redeliver(stored: StoredWebhookEvent): Promise<DeliveryOutcome> {
    const endpoint = webhookEndpointOfStored[stored.endpoint];
    return deliver(endpoint, storedStepEvent(endpoint, stored.rawBody), stored.id);
  }

  async function applyPending(projectId: string): Promise<number> {
    let applied = 0;
    for (const stored of await events.pendingFor(projectId)) {
      try {
        if ((await redeliver(stored)) === 'signaled') applied += 1;
      } catch (err) {
        logger.warn({ err, eventId: stored.id, projectId }, 'Could not apply an early webhook; it can be replayed');
      }
    }
    if (applied) logger.info({ projectId, applied }, 'Applied webhooks that arrived before their project');
    return applied;
  }

  return { deliver, redeliver, applyPending };
}

export type WebhookApplier = ReturnType<typeof createWebhookApplier>;
