import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { readJson } from './read-json';
import { StandInServer, type ProviderStandIn, type StandInOptions, type StandInTask } from './stand-in-server';

/** The API version the stand-in speaks, as Runway requires it in `X-Runway-Version`. */
export const runwayStandInVersion = '2024-11-06';
/** What the stand-in charges a second of video (made up: Runway's prices differ per model). */
export const runwayStandInCreditsPerSecond = 10;

export interface RunwayStandInOptions extends StandInOptions {
  /**
   * Runway's per-model concurrency: tasks beyond this many unfinished ones are reported THROTTLED
   * (accepted, waiting at Runway) until earlier ones finish. Unlimited when absent.
   */
  concurrency?: number;
}

/**
 * Runway's API, played from its public reference (https://docs.dev.runwayml.com/api/): `POST
 * /v1/image_to_video` and `/v1/text_to_video` with `Authorization: Bearer …` and `X-Runway-Version`,
 * answering `{id, estimatedCost}`; `GET /v1/tasks/{id}` (PENDING, THROTTLED, RUNNING, SUCCEEDED with
 * `output` URLs, FAILED with `failure`/`failureCode`, CANCELLED; `cost.credits` once ended); `DELETE
 * /v1/tasks/{id}` cancels a running task or deletes an ended one. Runway calls no webhook. Past
 * `maxRunning` unfinished tasks a create is refused with 429, as Runway's limits do.
 */
export async function startRunwayStandIn(options: RunwayStandInOptions): Promise<ProviderStandIn> {
  const server = new StandInServer(options);
  const key = `key_${randomBytes(32).toString('hex')}`;
  const deleted = new Set<string>();
  const router = server.router;

  const refused = (ctx: Context): boolean => {
    if (ctx.get('authorization') !== `Bearer ${key}`) {
      ctx.status = 401;
      ctx.body = { error: 'Invalid API key.' };
    } else if (ctx.get('x-runway-version') !== runwayStandInVersion) {
      ctx.status = 400;
      ctx.body = { error: `X-Runway-Version must be ${runwayStandInVersion}.` };
    } else return false;
    return true;
  };

  const create = (kind: 'image_to_video' | 'text_to_video') => async (ctx: Context) => {
    if (refused(ctx)) return;
    const body = await readJson(ctx);
    const startFrameUrl = kind === 'image_to_video' ? promptImageOf(body?.promptImage) : null;
    const problem = !body
      ? 'The body must be a JSON object.'
      : typeof body.model !== 'string'
        ? 'model: Required'
        : kind === 'image_to_video' && !startFrameUrl
          ? 'promptImage: Required (an HTTPS URL, a data URI or [{uri, position: "first"}])'
          : kind === 'text_to_video' && typeof body.promptText !== 'string'
            ? 'promptText: Required'
            : undefined;
    if (problem || !body) {
      ctx.status = 400;
      ctx.body = { error: problem, issues: [{ message: problem }] };
      return;
    }
    if (server.full()) {
      ctx.status = 429;
      ctx.body = { error: 'You have reached the maximum number of concurrent tasks. Try again later.' };
      return;
    }
    const task = await server.accept(
      { id: randomUUID(), model: String(body.model), prompt: typeof body.promptText === 'string' ? body.promptText : '', startFrameUrl, request: { ...body, endpoint: kind } },
      () => undefined,
    );
    ctx.body = { id: task.id, estimatedCost: { credits: credits(task) } };
  };

  router.post('/v1/image_to_video', create('image_to_video'));
  router.post('/v1/text_to_video', create('text_to_video'));

  /** The task a request names, or a 404 as Runway answers it (also for a task deleted after it ended). */
  const taskOf = (ctx: Context & { params: { id?: string } }) => {
    if (refused(ctx)) return undefined;
    const task = server.tasks.get(ctx.params.id ?? '');
    if (task && !deleted.has(task.id)) return task;
    ctx.status = 404;
    ctx.body = { error: 'Task not found.' };
    return undefined;
  };

  router.get('/v1/tasks/:id', (ctx) => {
    const task = taskOf(ctx);
    if (!task) return;
    ctx.body = describe(task, throttled(server, task, options.concurrency));
  });

  router.delete('/v1/tasks/:id', (ctx) => {
    const task = taskOf(ctx);
    if (!task) return;
    if (task.state === 'queued' || task.state === 'running') Object.assign(task, { state: 'cancelled' });
    else deleted.add(task.id);
    ctx.status = 204;
  });

  await server.start();
  return {
    server,
    env: { RUNWAYML_API_SECRET: key, RUNWAY_BASE_URL: server.url, RUNWAY_API_VERSION: runwayStandInVersion },
    stop: () => server.stop(),
  };
}

const promptImageOf = (value: unknown): string | null => {
  if (typeof value === 'string' && value) return value;
  const first = Array.isArray(value) ? (value as { uri?: unknown; position?: unknown }[]).find((image) => image?.position === 'first') : undefined;
  return typeof first?.uri === 'string' ? first.uri : null;
};

const credits = (task: StandInTask) => Number(task.request.duration ?? 5) * runwayStandInCreditsPerSecond;

/** Whether more than `concurrency` earlier tasks are still unfinished (the task waits in Runway's queue). */
function throttled(server: StandInServer, task: StandInTask, concurrency: number | undefined): boolean {
  if (concurrency === undefined || (task.state !== 'queued' && task.state !== 'running')) return false;
  let ahead = 0;
  for (const other of server.tasks.values()) {
    if (other !== task && other.createdAt <= task.createdAt && (other.state === 'queued' || other.state === 'running')) ahead += 1;
  }
  return ahead >= concurrency;
}

function describe(task: StandInTask, isThrottled: boolean): Record<string, unknown> {
  const base = { id: task.id, createdAt: task.createdAt.toISOString() };
  const estimatedCost = { credits: credits(task) };
  if (isThrottled) return { ...base, status: 'THROTTLED', estimatedCost };
  switch (task.state) {
    case 'queued':
      return { ...base, status: 'PENDING', estimatedCost };
    case 'running':
      return { ...base, status: 'RUNNING', progress: 0.5, estimatedCost };
    case 'succeeded':
      return { ...base, status: 'SUCCEEDED', output: [task.videoUrl], cost: { credits: credits(task) } };
    case 'failed':
      return { ...base, status: 'FAILED', failure: task.error, failureCode: 'INTERNAL.BAD_OUTPUT.CODE01', cost: { credits: 0 } };
    default:
      return { ...base, status: 'CANCELLED', cost: { credits: 0 } };
  }
}
