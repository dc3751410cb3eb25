import Router from '@koa/router';
import type { Middleware } from 'koa';
import { filmIdSchema, sceneIdSchema } from '../../contracts/ids';
import { providerNames, type ProviderName } from '../../contracts/providers';
import { finishedStates, ProviderCallError, type VideoProviderAdapter, type WebhookRefusal, type WebhookVerdict } from '../../providers/adapter';
import { completionBody } from '../../providers/completion';
import { HttpError } from '../errors';
import { rateLimit } from '../rate-limit';
import { webhookAccessLog } from './access-log';
import { answerFor } from './answers';
import { observeWebhook } from './observe';
import { readRawBody, recordEvent, signalWorkflow, validatePayload, type WebhookRouteDeps } from './receive';
import { traceWebhook } from './trace-webhook';
import type { WebhookState } from './webhook-state';
import type { ProviderLeases } from '../../storage/provider-leases';

export const providerWebhookPath = '/api/webhooks/providers/:provider';

const refusals: Record<WebhookRefusal, { status: number; code: string }> = {
  missing_signature: { status: 401, code: 'invalid_signature' },
  invalid_signature: { status: 401, code: 'invalid_signature' },
  timestamp_out_of_tolerance: { status: 401, code: 'timestamp_out_of_tolerance' },
  unconfirmed: { status: 401, code: 'invalid_signature' },
  malformed: { status: 400, code: 'validation_failed' },
};

/**
 * POST /api/webhooks/providers/{replicate,fal,luma}?project=…&scene=…: a provider's completion, on the
 * URL Reelay gave it with the task. The provider's adapter checks the delivery its own way (Replicate's
 * Standard Webhooks, fal's ED25519 against its JWKS, Luma's unsigned callback confirmed by a GET) and
 * reads the task; a finished task then goes the way of every `video-complete` callback (recorded,
 * deduplicated, signalled), in the guide's words (completion.ts). Progress reports are answered 200
 * and go no further. Counted, logged and traced as `video-complete`, which is what they are.
 */
export function providerWebhookRoutes(
  deps: WebhookRouteDeps & { adapters: ReadonlyMap<ProviderName, VideoProviderAdapter>; leases: Pick<ProviderLeases, 'releaseTask'> },
): Router<WebhookState> {
  const { config, events, errors, apply, metrics, limiter, unverified, adapters, leases } = deps;
  const endpoint = 'video-complete';
  const router = new Router<WebhookState>();
  router.post(
    providerWebhookPath,
    traceWebhook(endpoint),
    webhookAccessLog(endpoint, config.webhookLog),
    observeWebhook(endpoint, metrics, errors, unverified),
    async (ctx, next) => {
      await next();
      ctx.status = 200;
      ctx.body = ctx.state.payload
        ? { ...answerFor(endpoint, ctx.state, { notifies: false }), provider: ctx.params.provider }
        : { received: true, provider: ctx.params.provider, final: false };
    },
    ...(limiter ? [rateLimit('provider-webhooks', config.rateLimit.perEndpoint[endpoint], limiter, metrics)] : []),
    readRawBody(config.webhooks.maxBodyBytes),
    verifyDelivery(adapters, leases),
    validatePayload(endpoint, config.webhooks),
    recordEvent(endpoint, events),
    signalWorkflow(endpoint, apply, events, metrics),
  );
  return router;
}

/** The adapter's verdict on the delivery: a finished task becomes the guide-shaped body the next stages read. */
function verifyDelivery(adapters: ReadonlyMap<ProviderName, VideoProviderAdapter>, leases: Pick<ProviderLeases, 'releaseTask'>): Middleware<WebhookState> {
  return async function verifyDelivery(ctx, next) {
    const name = (ctx.params as { provider: string }).provider;
    const adapter = providerNames.includes(name as ProviderName) ? adapters.get(name as ProviderName) : undefined;
    if (!adapter?.verifyWebhook) throw new HttpError(404, 'not_found', `No webhooks are received for provider ${name}`);
    const query = new URLSearchParams(ctx.querystring);
    const projectId = filmIdSchema.safeParse(query.get('project'));
    const sceneId = sceneIdSchema.safeParse(query.get('scene'));
    if (!projectId.success || !sceneId.success) {
      throw new HttpError(400, 'validation_failed', 'The callback URL names no project and scene: use the URL Reelay gave the provider', {
        fields: [...(projectId.success ? [] : [{ field: 'project', message: 'required' }]), ...(sceneId.success ? [] : [{ field: 'scene', message: 'required' }])],
      });
    }
    let verdict: WebhookVerdict;
    try {
      verdict = await adapter.verifyWebhook({ header: (h) => ctx.get(h) || undefined, rawBody: ctx.state.rawBody, query });
    } catch (err) {
      // The provider's keys (fal's JWKS) or its confirming API (Luma's) could not be reached: the
      // delivery may be genuine, so the provider is asked to send it again rather than told it is forged.
      ctx.state.log.warn({ err, provider: name }, 'Could not verify a provider webhook: the provider is unreachable');
      const retryAfter = err instanceof ProviderCallError && err.detail.retryAfterMs ? Math.ceil(err.detail.retryAfterMs / 1000) : 30;
      throw new HttpError(503, 'verification_unavailable', `Cannot verify ${name}'s webhook now; send it again later`, undefined, {
        'retry-after': String(retryAfter),
      });
    }
    if (!verdict.ok) {
      const refusal = refusals[verdict.reason];
      throw new HttpError(refusal.status, refusal.code, verdict.message);
    }
    ctx.state.scheme = 'provider';
    ctx.state.log.debug({ provider: name, deliveryId: verdict.deliveryId, state: verdict.task.state }, 'provider webhook verified');
    if (!finishedStates.has(verdict.task.state)) return;
    // The task's outcome is known: its slot under the provider's cap goes to the next in line now,
    // not when the workflow gets round to it (the fingerprint is the one Reelay put in the URL).
    const fingerprint = query.get('fp');
    if (fingerprint) await leases.releaseTask(fingerprint, sceneId.data, adapter.name);
    ctx.state.rawBody = Buffer.from(JSON.stringify(completionBody(adapter.name, verdict.task, { projectId: projectId.data, sceneId: sceneId.data })));
    await next();
  };
}
