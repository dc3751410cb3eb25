import { randomBytes, randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { koaBody } from 'koa-body';
import { StandInServer, type ProviderStandIn, type StandInOptions, type StandInTask } from './stand-in-server';

/**
 * Luma's Dream Machine API, played locally from its docs (https://docs.lumalabs.ai/docs/video-generation,
 * https://docs.lumalabs.ai/changelog/callbacks-and-credits-balance) and the official client `lumaai`:
 * Bearer key auth under /dream-machine/v1; a generation created (`POST /generations`, and
 * `/generations/video` where the client posts it), read, listed (limit/offset, newest first) and
 * deleted; the Generation POSTed to `callback_url` on each change of state (dreaming, completed,
 * failed), UNSIGNED, retried 3 times 100 ms apart when not answered 200. Its video links expire.
 */
const base = '/dream-machine/v1';
const retryDelaysMs = [100, 100, 100];
const models = ['ray-2', 'ray-flash-2', 'ray-1-6'];
const lumaStates = { queued: 'queued', running: 'dreaming', succeeded: 'completed', failed: 'failed', cancelled: 'failed' } as const;

export interface LumaStandIn extends ProviderStandIn {
  /** How many requests it answered 429 (a client that retries on its own shows here). */
  throttled(): number;
}

export async function startLumaStandIn(options: StandInOptions): Promise<LumaStandIn> {
  const server = new StandInServer(options);
  const key = `luma-${randomBytes(24).toString('base64url')}`;
  /** Generations DELETE removed: gone from the API, still counted by the tests ("the provider saw it"). */
  const deleted = new Set<string>();
  let throttled = 0;

  const authorized = async (ctx: Context, next: Next) => {
    if (ctx.get('authorization') !== `Bearer ${key}`) return fail(ctx, 401, 'Invalid API key provided');
    await next();
  };
  const generation = (task: StandInTask) => ({
    id: task.id,
    generation_type: 'video',
    state: lumaStates[task.state],
    failure_reason: task.state === 'failed' ? (task.error ?? 'failed') : null,
    created_at: task.createdAt.toISOString(),
    assets: task.videoUrl ? { video: task.videoUrl, image: task.thumbnailUrl } : null,
    model: task.model,
    request: task.request,
  });
  const callBack = (task: StandInTask) => {
    const url = (task.request as { callback_url?: string }).callback_url;
    if (url && !deleted.has(task.id)) server.deliver(task, url, JSON.stringify(generation(task)), () => ({}), retryDelaysMs);
  };
  const create = async (ctx: Context) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const problem = invalid(body);
    if (problem) return fail(ctx, 400, problem);
    if (server.full()) {
      throttled += 1;
      ctx.set('Retry-After', '1');
      return fail(ctx, 429, 'Too many concurrent generations; try again later');
    }
    const frame0 = (body.keyframes as { frame0?: { type?: string; url?: string } } | undefined)?.frame0;
    const task = await server.accept(
      {
        id: randomUUID(),
        model: String(body.model),
        prompt: typeof body.prompt === 'string' ? body.prompt : '',
        startFrameUrl: frame0?.type === 'image' ? (frame0.url ?? null) : null,
        request: { generation_type: 'video', ...body },
      },
      callBack,
    );
    // The kit moves a task to running shortly after accepting it: Luma calls back on "dreaming" too.
    server.later(Math.min(50, options.taskMs ?? 1_000) + 1, () => task.state === 'running' && callBack(task));
    ctx.status = 201;
    ctx.body = generation(task);
  };
  const find = (ctx: Context, id: string) => {
    const task = deleted.has(id) ? undefined : server.tasks.get(id);
    if (!task) fail(ctx, 404, 'Generation not found');
    return task;
  };

  const { router } = server;
  const json = koaBody({ jsonLimit: '1mb' });
  router.post(`${base}/generations`, authorized, json, create);
  router.post(`${base}/generations/video`, authorized, json, create);
  router.get(`${base}/generations`, authorized, (ctx) => {
    const limit = Math.min(100, Math.max(1, Number.parseInt(String(ctx.query.limit ?? '10'), 10) || 10));
    const offset = Math.max(0, Number.parseInt(String(ctx.query.offset ?? '0'), 10) || 0);
    const all = [...server.tasks.values()].filter((task) => !deleted.has(task.id)).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const page = all.slice(offset, offset + limit);
    ctx.body = { generations: page.map(generation), count: page.length, has_more: offset + limit < all.length, limit, offset };
  });
  router.get(`${base}/generations/:id`, authorized, (ctx) => {
    const task = find(ctx, ctx.params.id);
    if (task) ctx.body = generation(task);
  });
  router.delete(`${base}/generations/:id`, authorized, (ctx) => {
    const task = find(ctx, ctx.params.id);
    if (!task) return;
    if (task.state === 'queued' || task.state === 'running') Object.assign(task, { state: 'cancelled', error: 'deleted' });
    deleted.add(task.id);
    ctx.status = 204;
  });

  const url = await server.start();
  return { server, env: { LUMA_BASE_URL: `${url}${base}`, LUMAAI_API_KEY: key }, throttled: () => throttled, stop: () => server.stop() };
}

/** What Luma refuses in a video generation request, in its words' spirit. */
function invalid(body: Record<string, unknown>): string | undefined {
  if (!models.includes(body.model as string)) return `model: must be one of ${models.join(', ')}`;
  if (body.prompt !== undefined && typeof body.prompt !== 'string') return 'prompt: must be a string';
  if (body.duration !== undefined && !['5s', '9s'].includes(body.duration as string)) return 'duration: must be 5s or 9s';
  if (body.callback_url !== undefined && !(typeof body.callback_url === 'string' && /^https?:\/\/\S+$/i.test(body.callback_url))) return 'callback_url: must be a URL';
  const frame0 = (body.keyframes as { frame0?: unknown } | undefined)?.frame0 as { type?: unknown; url?: unknown; id?: unknown } | undefined;
  if (frame0 && !((frame0.type === 'image' && typeof frame0.url === 'string') || (frame0.type === 'generation' && typeof frame0.id === 'string'))) {
    return 'keyframes.frame0: must be {type: "image", url} or {type: "generation", id}';
  }
  if (!body.prompt && !frame0) return 'prompt: required when no keyframes are given';
  return undefined;
}

function fail(ctx: Context, status: number, detail: string): void {
  ctx.status = status;
  ctx.body = { detail };
}
