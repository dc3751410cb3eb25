import type { Middleware } from 'koa';
import type { WebhookEndpointName } from '../../contracts/steps';
import type { ErrorLog, GlobalError, Severity } from '../../storage/error-log';
import { clientAddressKey } from '../client-address';
import { failureOf, HttpError } from '../errors';
import type { GatewayMetrics, WebhookOutcomeLabel } from '../metrics';
import type { UnverifiedFailureLog } from './unverified-failures';
import { answeredOutcome, type WebhookContext, type WebhookState } from './webhook-state';

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
 * Watches every webhook request without changing it: times it, counts it by outcome, and records in the
 * error log every refusal and every failed task a service reports. Refusals of requests that never
 * proved their sender (no signature verified yet) are aggregated, one row per address and minute
 * (unverified-failures.ts), and rate-limited ones are only counted: neither lets a flood write a row
 * per request.
 */
export function observeWebhook(
  endpoint: WebhookEndpointName,
  metrics: GatewayMetrics,
  errors: ErrorLog,
  unverified: UnverifiedFailureLog,
): Middleware<WebhookState> {
  return async function observeWebhook(ctx, next) {
    const stop = metrics.webhookDuration.startTimer({ endpoint });
    let outcome: WebhookOutcomeLabel = 'error';
    try {
      await next();
      outcome = answeredOutcome(ctx.state.outcome);
    } catch (err) {
      const { code } = failureOf(err);
      const kind = failureKinds[code];
      outcome = kind?.label ?? (err instanceof HttpError && err.status < 500 ? 'bad_request' : 'error');
      const failure: GlobalError = {
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
      };
      if (outcome === 'rate_limited') {
        // counted in metrics only
      } else if (!ctx.state.scheme) {
        await unverified.record(failure, clientAddressKey(ctx.ip));
      } else {
        await errors.addGlobalError(failure).catch((logErr) => ctx.state.log.error({ err: logErr }, 'Could not record a webhook failure'));
      }
      throw err;
    } finally {
      // A failed task is recorded once, when its callback is first stored, whether or not the signal then went through.
      const { stored, event } = ctx.state as Partial<WebhookState>;
      if (stored?.deliveries === 1 && event?.outcome === 'failed') await recordTaskFailure(endpoint, ctx, errors);
      stop({ outcome });
      metrics.webhookRequests.inc({ endpoint, outcome });
    }
  }
}

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

