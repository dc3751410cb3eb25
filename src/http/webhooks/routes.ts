import Router, { type RouterMiddleware } from '@koa/router';
import type { Config } from '../../config/config';
import type { ErrorLog } from '../../errors/error-log';
import { webhookEndpoints, webhookPath, type WebhookEndpointName } from '../../webhooks/endpoints';
import { webhookPayloadSchemas } from '../../webhooks/payloads';
import type { Deliver } from '../../webhooks/delivery';
import { createVerifier } from '../../webhooks/verification';
import type { HealthProbe } from '../health';
import type { GatewayMetrics } from '../metrics';
import { rateLimit, type RateLimiter } from '../rate-limit';
import { webhookAccessLog } from './access-log';
import { answerFor, type AnswerContext } from './answers';
import type { EventStore } from '../../webhooks/event-store';
import {
  observeWebhook,
  readRawBody,
  recordEvent,
  signalWorkflow,
  validatePayload,
  verifyWebhookSignature,
  type WebhookState,
} from './pipeline';

export interface WebhookRouteDeps {
  config: Config;
  events: EventStore;
  errors: ErrorLog;
  deliver: Deliver;
  health: HealthProbe;
  metrics: GatewayMetrics;
  /** Absent when rate limiting is switched off. */
  limiter?: RateLimiter;
}

/**
 * POST /api/webhooks/{video-complete,last-frame-complete,stitch-complete}, each a pipeline read in
 * order: limit the client, read the raw body, verify its signature, validate it, record it, signal
 * the workflow. The limit comes first so a flood costs neither a body read nor an HMAC.
 * GET on the same paths is the health check a provider's dashboard can point at.
 */
export function webhookRoutes({ config, events, errors, deliver, health, metrics, limiter }: WebhookRouteDeps): Router<WebhookState> {
  const router = new Router<WebhookState>();
  const { webhooks } = config;
  for (const endpoint of webhookEndpoints) {
    const verifier = createVerifier(config.webhookSecrets[endpoint], webhooks.timestampToleranceSeconds);
    router.post(
      webhookPath(endpoint),
      webhookAccessLog(endpoint, config.webhookLog),
      observeWebhook(endpoint, metrics, errors),
      answer(endpoint, () => ({ notifies: Boolean(config.services.notification) })),
      ...(limiter ? [rateLimit(endpoint, config.rateLimit.perEndpoint[endpoint], limiter, metrics)] : []),
      readRawBody(webhooks.maxBodyBytes),
      verifyWebhookSignature(verifier),
      validatePayload(endpoint, webhookPayloadSchemas[endpoint], webhooks),
      recordEvent(endpoint, events, errors),
      signalWorkflow(endpoint, deliver, events, metrics),
    );
    router.get(webhookPath(endpoint), async (ctx) => {
      const status = await health();
      ctx.status = status.ok ? 200 : 503;
      ctx.body = { status: status.ok ? 'ok' : 'degraded', endpoint, temporal: status.temporal, database: status.database };
    });
  }
  return router;
}

/** Runs the rest of the pipeline, then writes the answer the sending service expects. */
function answer(endpoint: WebhookEndpointName, context: () => AnswerContext): RouterMiddleware<WebhookState> {
  return async (ctx, next) => {
    await next();
    ctx.status = 200;
    ctx.body = answerFor(endpoint, ctx.state, context());
  };
}
