import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { Context } from 'koa';
import { readJson } from './read-json';
import { StandInServer, type ProviderStandIn, type StandInOptions, type StandInTask } from './stand-in-server';

/** fal's documented webhook retries: 10 more attempts over about 2 hours (https://docs.fal.ai/model-endpoints/webhooks). */
export const falWebhookRetryDelaysMs = [15, 30, 60, 120, 240, 480, 900, 1200, 1800, 2400].map((s) => s * 1000);

export interface FalStandInOptions extends StandInOptions {
  /** The delays between webhook attempts (fal's schedule by default; tests shorten it). */
  webhookRetryDelaysMs?: readonly number[];
}

export interface FalStandIn extends ProviderStandIn {
  /** Signs from now on with a new key, and publishes only that key (fal rotating its signing key). */
  rotateKey(): void;
  /** How many times the JWKS was fetched. */
  readonly jwksFetches: number;
  /** The stand-in's user id, as fal sends it in X-Fal-Webhook-User-Id. */
  readonly userId: string;
  /** Signs a body as fal does for a delivery of `requestId` (the tests' own deliveries). */
  signDelivery(requestId: string, body: string, timestamp?: number): Record<string, string>;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  x: string;
}

const newKey = (): SigningKey => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { kid: randomUUID(), privateKey, x: publicKey.export({ format: 'jwk' }).x! };
};

/**
 * fal's queue API, played from its public docs (https://docs.fal.ai/model-endpoints/queue and /webhooks):
 * `POST /{model}?fal_webhook=` with `Authorization: Key …`, answering `{request_id, gateway_request_id,
 * response_url, status_url, cancel_url, queue_position}`; `GET /{owner}/{alias}/requests/{id}/status` and
 * `/requests/{id}`; `PUT …/cancel`; a signed webhook when the request ends, retried on fal's schedule;
 * the signing keys at `/.well-known/jwks.json`, made up per run. What fal's docs leave open is chosen
 * and said here: a failed or cancelled request's status carries `error`; past `maxRunning` a submit is 429.
 */
export async function startFalStandIn(options: FalStandInOptions): Promise<FalStandIn> {
  const server = new StandInServer(options);
  const key = `fal-stand-in-${randomBytes(16).toString('hex')}`;
  const userId = `stand-in-user-${randomBytes(4).toString('hex')}`;
  let signing = newKey();
  let jwksFetches = 0;
  const router = server.router;

  const signDelivery = (requestId: string, body: string, timestamp = Math.floor(Date.now() / 1000)) => {
    const digest = createHash('sha256').update(body).digest('hex');
    const signature = sign(null, Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${digest}`), signing.privateKey).toString('hex');
    return {
      'x-fal-webhook-request-id': requestId,
      'x-fal-webhook-user-id': userId,
      'x-fal-webhook-timestamp': String(timestamp),
      'x-fal-webhook-signature': signature,
    };
  };

  const authorized = (ctx: Context) => {
    if (ctx.get('authorization') === `Key ${key}`) return true;
    ctx.status = 401;
    ctx.body = { detail: 'Authentication is required to access this resource (Authorization: Key <FAL_KEY>).' };
    return false;
  };
  const urls = (app: string, id: string) => ({
    response_url: `${server.url}/${app}/requests/${id}`,
    status_url: `${server.url}/${app}/requests/${id}/status`,
    cancel_url: `${server.url}/${app}/requests/${id}/cancel`,
  });
  /** The request, when it was submitted to this app (`owner/alias`, as fal files it). */
  const findTask = (ctx: Context, params: Record<string, string | undefined>): StandInTask | undefined => {
    const task = server.tasks.get(params.id ?? '');
    if (task && appOf(task.model) === `${params.owner}/${params.alias}`) return task;
    ctx.status = 404;
    ctx.body = { detail: `Request ${params.id} not found` };
    return undefined;
  };

  router.get('/.well-known/jwks.json', (ctx) => {
    jwksFetches += 1;
    ctx.body = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: signing.x, kid: signing.kid, use: 'sig', alg: 'EdDSA' }] };
  });

  router.get('/:owner/:alias/requests/:id/status', (ctx) => {
    if (!authorized(ctx)) return;
    const task = findTask(ctx, ctx.params);
    if (!task) return;
    const base = { request_id: task.id, ...urls(appOf(task.model), task.id) };
    if (task.state === 'queued') ctx.body = { ...base, status: 'IN_QUEUE', queue_position: 0 };
    else if (task.state === 'running') ctx.body = { ...base, status: 'IN_PROGRESS', logs: [] };
    else ctx.body = { ...base, status: 'COMPLETED', logs: [], metrics: { inference_time: 1.5 }, ...(task.error && { error: task.error }) };
  });

  router.get('/:owner/:alias/requests/:id', (ctx) => {
    if (!authorized(ctx)) return;
    const task = findTask(ctx, ctx.params);
    if (!task) return;
    ctx.set('x-fal-request-id', task.id);
    if (task.state === 'queued' || task.state === 'running') {
      ctx.status = 400;
      ctx.body = { detail: 'Request is still in progress' };
    } else if (task.state !== 'succeeded') {
      ctx.status = 422;
      ctx.body = { detail: task.error };
    } else {
      ctx.set('x-fal-billable-units', String(billedSeconds(task)));
      ctx.body = payload(task);
    }
  });

  router.put('/:owner/:alias/requests/:id/cancel', (ctx) => {
    if (!authorized(ctx)) return;
    const task = findTask(ctx, ctx.params);
    if (!task) return;
    if (task.state !== 'queued' && task.state !== 'running') {
      ctx.status = 400;
      ctx.body = { status: 'ALREADY_COMPLETED' };
      return;
    }
    Object.assign(task, { state: 'cancelled', error: 'Request was cancelled' });
    ctx.status = 202;
    ctx.body = { status: 'CANCELLATION_REQUESTED' };
  });

  router.post('/{*model}', async (ctx) => {
    if (!authorized(ctx)) return;
    const model = ctx.params.model ?? '';
    const body = await readJson(ctx);
    if (!body || typeof body.prompt !== 'string') {
      ctx.status = 422;
      ctx.body = { detail: [{ loc: ['body', 'prompt'], msg: 'field required', type: 'value_error.missing' }] };
      return;
    }
    if (server.full()) {
      ctx.status = 429;
      ctx.set('retry-after', '2');
      ctx.body = { detail: 'Too many concurrent requests for this account' };
      return;
    }
    const webhook = typeof ctx.query.fal_webhook === 'string' ? ctx.query.fal_webhook : undefined;
    const startFrameUrl = [body.image_url, body.start_image_url].find((v): v is string => typeof v === 'string') ?? null;
    const task = await server.accept({ id: randomUUID(), model, prompt: body.prompt, startFrameUrl, request: { ...body, fal_webhook: webhook } }, (done) => {
      if (!webhook) return;
      const delivery = JSON.stringify(
        done.state === 'succeeded'
          ? { request_id: done.id, gateway_request_id: done.id, status: 'OK', payload: payload(done) }
          : { request_id: done.id, gateway_request_id: done.id, status: 'ERROR', error: 'Invalid status code: 422', payload: { detail: done.error } },
      );
      server.deliver(done, webhook, delivery, () => signDelivery(done.id, delivery), options.webhookRetryDelaysMs ?? falWebhookRetryDelaysMs);
    });
    ctx.body = { request_id: task.id, gateway_request_id: task.id, ...urls(appOf(model), task.id), queue_position: 0 };
  });

  await server.start();
  return {
    server,
    env: { FAL_KEY: key, FAL_QUEUE_URL: server.url, FAL_JWKS_URL: `${server.url}/.well-known/jwks.json` },
    stop: () => server.stop(),
    rotateKey: () => (signing = newKey()),
    get jwksFetches() {
      return jwksFetches;
    },
    userId,
    signDelivery,
  };
}

/** The app a model belongs to: its first two path segments (`fal-ai/kling-video`). */
const appOf = (model: string) => model.split('/').slice(0, 2).join('/');

const billedSeconds = (task: StandInTask) => Number(task.request.duration ?? 5);

const payload = (task: StandInTask) => ({
  video: { url: task.videoUrl, content_type: 'video/mp4', file_name: `${task.id}.mp4`, file_size: 0 },
});
