import { randomBytes } from 'node:crypto';
import type { Context, Next } from 'koa';
import { koaBody } from 'koa-body';
import { Webhook } from 'standardwebhooks';
import { StandInServer, type ProviderStandIn, type StandInOptions, type StandInTask } from './stand-in-server';

/**
 * Replicate, played locally from its HTTP API reference (https://replicate.com/docs/reference/http and
 * its OpenAPI document https://api.replicate.com/openapi.json): Bearer token auth, predictions created
 * on an official model's route or with a version, listed newest first 100 a page with a cursor, read,
 * canceled; the account's signing secret at /v1/webhooks/default/secret; the `completed` webhook signed
 * the Standard Webhooks way and retried with backoff for about a minute when not answered 2xx
 * (https://replicate.com/docs/topics/webhooks). Output links expire (an hour by default, as Replicate's do).
 */
export interface ReplicateStandIn extends ProviderStandIn {
  /** The account's current signing secret (`whsec_…`). */
  secret(): string;
  /** Replaces the signing secret, as rotating it at Replicate does; returns the new one. */
  rotateSecret(): string;
  /** How many requests it answered 429 (a client that retries on its own shows here). */
  throttled(): number;
}

const retryDelaysMs = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000];
const pageSize = 100;
const statuses = { queued: 'starting', running: 'processing', succeeded: 'succeeded', failed: 'failed', cancelled: 'canceled' } as const;
/** Inputs Replicate's video models take the first frame in (the stand-in draws the video from it). */
const frameInputs = ['first_frame_image', 'start_image', 'input_reference', 'image'];

export async function startReplicateStandIn(options: StandInOptions): Promise<ReplicateStandIn> {
  const server = new StandInServer(options);
  const token = `r8_${randomBytes(18).toString('base64url')}`;
  let secret = newSecret();
  const completedAt = new Map<string, Date>();
  let throttled = 0;

  const authorized = async (ctx: Context, next: Next) => {
    if (ctx.get('authorization') !== `Bearer ${token}`) return problem(ctx, 401, 'Unauthenticated', 'You did not pass a valid authentication token');
    await next();
  };
  const prediction = (task: StandInTask) => {
    const ended = completedAt.get(task.id);
    const urls = `${server.url}/v1/predictions/${task.id}`;
    const request = task.request as { input: Record<string, unknown>; version?: string };
    return {
      id: task.id,
      model: task.model,
      version: request.version ?? 'hidden',
      input: request.input,
      logs: '',
      output: task.videoUrl ?? null,
      data_removed: false,
      error: task.state === 'failed' ? (task.error ?? 'failed') : null,
      status: statuses[task.state],
      source: 'api',
      created_at: task.createdAt.toISOString(),
      ...(task.state !== 'queued' ? { started_at: task.createdAt.toISOString() } : {}),
      ...(ended ? { completed_at: ended.toISOString() } : {}),
      metrics: ended ? { predict_time: (ended.getTime() - task.createdAt.getTime()) / 1000, total_time: (ended.getTime() - task.createdAt.getTime()) / 1000 } : {},
      urls: { get: urls, cancel: `${urls}/cancel`, web: `${server.url}/p/${task.id}` },
    };
  };
  const completed = (task: StandInTask) => {
    completedAt.set(task.id, new Date());
    const { webhook, webhook_events_filter: filter } = task.request as { webhook?: string; webhook_events_filter?: string[] };
    if (!webhook || (filter && !filter.includes('completed'))) return;
    const body = JSON.stringify(prediction(task));
    const messageId = `msg_${randomBytes(16).toString('base64url')}`;
    server.deliver(task, webhook, body, () => signed(secret, messageId, body), retryDelaysMs);
  };
  const create = async (ctx: Context, model: string) => {
    const body = ctx.request.body as Record<string, unknown> | undefined;
    const input = body?.input as Record<string, unknown> | undefined;
    if (!input || typeof input !== 'object' || Array.isArray(input)) return problem(ctx, 422, 'Input validation failed', 'input is required and must be an object');
    if (typeof input.prompt !== 'string' || !input.prompt) return problem(ctx, 422, 'Input validation failed', 'input.prompt: required');
    if (body?.webhook !== undefined && !isHttpUrl(body.webhook)) return problem(ctx, 422, 'Invalid webhook', 'webhook must be an HTTPS URL');
    const filter = body?.webhook_events_filter;
    if (filter !== undefined && (!Array.isArray(filter) || filter.some((e) => !['start', 'output', 'logs', 'completed'].includes(e as string)))) {
      return problem(ctx, 422, 'Invalid webhook_events_filter', 'events are start, output, logs and completed');
    }
    if (server.full()) {
      throttled += 1;
      ctx.set('Retry-After', '1');
      return problem(ctx, 429, 'Too Many Requests', 'Request was throttled. Your rate limit resets in ~1s.');
    }
    const startFrame = frameInputs.map((name) => input[name]).find(isHttpUrl) ?? null;
    const task = await server.accept(
      { id: randomBytes(13).toString('hex').slice(0, 26), model, prompt: input.prompt, startFrameUrl: startFrame, request: { ...body, input } },
      completed,
    );
    ctx.status = 201;
    ctx.body = prediction(task);
  };
  const find = (ctx: Context, id: string) => {
    const task = server.tasks.get(id);
    if (!task) problem(ctx, 404, 'Not found', 'The requested prediction does not exist.');
    return task;
  };

  const { router } = server;
  const json = koaBody({ jsonLimit: '1mb' });
  router.post('/v1/models/:owner/:name/predictions', authorized, json, (ctx) => create(ctx, `${ctx.params.owner}/${ctx.params.name}`));
  router.post('/v1/predictions', authorized, json, (ctx) => {
    const version = (ctx.request.body as { version?: unknown } | undefined)?.version;
    if (typeof version !== 'string' || !version) return problem(ctx, 422, 'Input validation failed', 'version is required');
    return create(ctx, version.includes('/') ? version.split(':')[0] : `community/${version.slice(0, 12)}`);
  });
  router.get('/v1/predictions', authorized, (ctx) => {
    const offset = Math.max(0, Number.parseInt(String(ctx.query.cursor ?? '0'), 10) || 0);
    const newestFirst = [...server.tasks.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const page = newestFirst.slice(offset, offset + pageSize);
    const more = offset + pageSize < newestFirst.length;
    ctx.body = {
      previous: offset > 0 ? `${server.url}/v1/predictions?cursor=${Math.max(0, offset - pageSize)}` : null,
      next: more ? `${server.url}/v1/predictions?cursor=${offset + pageSize}` : null,
      results: page.map(prediction),
    };
  });
  router.get('/v1/predictions/:id', authorized, (ctx) => {
    const task = find(ctx, ctx.params.id);
    if (task) ctx.body = prediction(task);
  });
  router.post('/v1/predictions/:id/cancel', authorized, (ctx) => {
    const task = find(ctx, ctx.params.id);
    if (!task) return;
    if (task.state === 'queued' || task.state === 'running') {
      task.state = 'cancelled';
      completed(task);
    }
    ctx.body = prediction(task);
  });
  router.get('/v1/webhooks/default/secret', authorized, (ctx) => {
    ctx.body = { key: secret };
  });

  const url = await server.start();
  return {
    server,
    env: { REPLICATE_BASE_URL: `${url}/v1`, REPLICATE_API_TOKEN: token },
    secret: () => secret,
    rotateSecret: () => (secret = newSecret()),
    throttled: () => throttled,
    stop: () => server.stop(),
  };
}

/** Replicate's headers for one delivery attempt: the same id on every retry, a fresh timestamp and signature. */
function signed(secret: string, messageId: string, body: string): Record<string, string> {
  const at = new Date();
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, at, body),
  };
}

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const isHttpUrl = (value: unknown): value is string => typeof value === 'string' && /^https?:\/\/\S+$/i.test(value);

/** Replicate's errors are problem details: title, detail, status. */
function problem(ctx: Context, status: number, title: string, detail: string): void {
  ctx.status = status;
  ctx.body = { title, detail, status };
}
