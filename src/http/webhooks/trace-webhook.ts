import { trace } from '@opentelemetry/api';
import type { Middleware } from 'koa';
import { workflowIdFor } from '../../contracts/ids';
import { spanAttributes } from '../../contracts/span-attributes';
import type { WebhookEndpointName } from '../../contracts/steps';
import { activeTracing } from '../../platform/tracing';
import { failureOf } from '../errors';
import { answeredOutcome, type WebhookState } from './webhook-state';

/**
 * Puts on the request's span what the webhook was about: the endpoint, its outcome (as the webhook log
 * words it), and the film's workflow, project, scene and task, so a trace backend finds the request
 * by any of them. A pass-through when tracing is off.
 */
export function traceWebhook(endpoint: WebhookEndpointName): Middleware<WebhookState> {
  if (!activeTracing()) return (_ctx, next) => next();
  return async function traceWebhook(ctx, next) {
    const span = trace.getActiveSpan();
    span?.setAttribute(spanAttributes.endpoint, endpoint);
    let outcome = 'internal_error';
    try {
      await next();
      outcome = answeredOutcome(ctx.state.outcome);
    } catch (err) {
      outcome = failureOf(err).code;
      throw err;
    } finally {
      const { event } = ctx.state as Partial<WebhookState>;
      span?.setAttribute(spanAttributes.outcome, outcome);
      if (event) {
        span?.setAttributes({
          [spanAttributes.workflowId]: workflowIdFor(event.projectId),
          [spanAttributes.projectId]: event.projectId,
          [spanAttributes.taskId]: event.taskId,
          ...(event.sceneId ? { [spanAttributes.sceneId]: event.sceneId } : {}),
        });
      }
    }
  };
}
