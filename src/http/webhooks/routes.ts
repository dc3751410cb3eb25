import Router, { type RouterMiddleware } from '@koa/router';
import type { Config } from '../../config/config';
import { webhookEndpoints, webhookPath, type WebhookEndpointName } from '../../webhooks/endpoints';
import { webhookPayloadSchemas } from '../../webhooks/payloads';
import type { Deliver } from '../../webhooks/delivery';
import type { HealthProbe } from '../health';
import { answerFor } from './answers';
import type { EventStore } from './event-store';
import {
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
  deliver: Deliver;
  health: HealthProbe;
  maxBodyBytes: number;
}

/**
 * POST /api/webhooks/{video-complete,last-frame-complete,stitch-complete}, each a pipeline read in
 * order: read the raw body, verify its signature, validate it, record it, signal the workflow.
 * GET on the same paths is the health check a provider's dashboard can point at.
 */
export function webhookRoutes({ config, events, deliver, health, maxBodyBytes }: WebhookRouteDeps): Router<WebhookState> {
  const router = new Router<WebhookState>();
  for (const endpoint of webhookEndpoints) {
    router.post(
      webhookPath(endpoint),
      answer(endpoint),
      readRawBody(maxBodyBytes),
      verifyWebhookSignature(config.webhookSecrets[endpoint]),
      validatePayload(endpoint, webhookPayloadSchemas[endpoint]),
      recordEvent(endpoint, events),
      signalWorkflow(endpoint, deliver, events),
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
function answer(endpoint: WebhookEndpointName): RouterMiddleware<WebhookState> {
  return async (ctx, next) => {
    await next();
    ctx.status = 200;
    ctx.body = answerFor(endpoint, ctx.state);
  };
}
