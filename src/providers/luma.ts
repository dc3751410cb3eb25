import type { Generation } from 'lumaai/resources/generations/generations';
import type { ProviderSettings } from '../platform/provider-env';
import { ProviderCallError, type ProviderTask, type TaskState, type VideoProviderAdapter, type WebhookVerdict } from './adapter';
import { callError } from './call-errors';
import { lazily } from './lazy-sdk';
import { defaultLumaModel, lumaGeneration, validateLumaChoice, videoSeconds } from './luma-models';

/**
 * Luma's Dream Machine API (https://docs.lumalabs.ai/docs/video-generation) through its official client
 * `lumaai`: a generation is created with `callback_url`, and Luma POSTs the whole Generation there on
 * each change of state (dreaming, completed, failed), retrying 3 times 100 ms apart when not answered
 * 200 (https://docs.lumalabs.ai/changelog/callbacks-and-credits-balance). The callback is NOT signed:
 * its body is never trusted; only what `GET /generations/{id}` answers is.
 */
export function createLumaAdapter(settings: ProviderSettings): VideoProviderAdapter {
  const { apiKey, baseUrl } = settings.luma;
  // The client's own retries are off: a 429 or 5xx reaches the activity, whose retry policy waits.
  const luma = lazily(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { default: Client } = require('lumaai') as typeof import('lumaai');
    return new Client({ authToken: apiKey ?? 'not-configured', baseURL: baseUrl, maxRetries: 0, timeout: 30_000 });
  });
  const call = async <T>(what: () => Promise<T>): Promise<T> => {
    if (!apiKey) throw new ProviderCallError('luma has no LUMAAI_API_KEY configured', false);
    try {
      return await what();
    } catch (err) {
      throw callError('luma', err, baseUrl);
    }
  };
  const getGeneration = (id: string) => call(() => luma().generations.get(id));

  return {
    name: 'luma',
    completion: 'webhook',
    defaultModel: settings.defaultProvider === 'luma' && settings.defaultModel ? settings.defaultModel : defaultLumaModel,
    validate: validateLumaChoice,

    async submit(request) {
      const generation = await call(() => luma().generations.create(lumaGeneration(request)));
      if (!generation.id) throw new ProviderCallError('luma answered a generation without an id', true);
      return { taskId: generation.id };
    },

    // `GET /generations?limit&offset` lists the account's generations newest first, each with the
    // `request` it was made from: its `callback_url` holds the fingerprint (`fp`).
    async findSubmitted(fingerprint, since) {
      const oldest = since.getTime() - 5 * 60_000; // the provider's clock may differ from ours
      for (let offset = 0; offset < 2_000; offset += 100) {
        const page = await call(() => luma().generations.list({ limit: 100, offset }));
        for (const generation of page.generations) {
          if (generation.created_at && Date.parse(generation.created_at) < oldest) return undefined;
          if (generation.id && fingerprintOf(generation) === fingerprint) return generation.id;
        }
        if (!page.has_more || page.generations.length === 0) return undefined;
      }
      return undefined;
    },

    async getTask(taskId) {
      return taskOf(await getGeneration(taskId));
    },

    // `DELETE /generations/{id}`: Luma has no cancel; deleting stops the generation and removes it.
    async cancel(taskId) {
      await call(() => luma().generations.delete(taskId)).catch((err: ProviderCallError) => {
        if (err.detail.status !== 404) throw err;
      });
    },

    verifyWebhook: (delivery) => confirmCallback(delivery.rawBody, delivery.query, getGeneration),
  };
}

/**
 * An unsigned callback, confirmed: only the generation's id is read from the body; the task returned is
 * what `GET /generations/{id}` says. Refused (`unconfirmed`) when the GET fails, when the generation was
 * made for another callback (its `fp`), or when the body claims more than the GET shows (a forged
 * "completed" for a generation still dreaming). One delivery per generation and state: retries and
 * late callbacks of a state already confirmed carry the same id.
 */
async function confirmCallback(rawBody: Buffer, query: URLSearchParams, get: (id: string) => Promise<Generation>): Promise<WebhookVerdict> {
  let claimed: { id?: unknown; state?: unknown } | null;
  try {
    claimed = JSON.parse(rawBody.toString('utf8')) as typeof claimed;
  } catch {
    return { ok: false, reason: 'malformed', message: 'the body is not JSON' };
  }
  const id = claimed?.id;
  if (typeof id !== 'string' || !/^[\w-]{1,100}$/.test(id)) return { ok: false, reason: 'malformed', message: 'the body has no generation id' };
  let generation: Generation;
  try {
    generation = await get(id);
  } catch (err) {
    return { ok: false, reason: 'unconfirmed', message: `GET /generations/${id} did not confirm it: ${(err as Error).message}` };
  }
  const fingerprint = query.get('fp');
  if (fingerprint !== null && fingerprintOf(generation) !== fingerprint) {
    return { ok: false, reason: 'unconfirmed', message: `generation ${id} was not made for this callback` };
  }
  if (claimsMore(claimed?.state, generation.state)) {
    return { ok: false, reason: 'unconfirmed', message: `the callback says ${String(claimed?.state)}, Luma says ${generation.state ?? 'nothing'}` };
  }
  return { ok: true, deliveryId: `${id}:${generation.state ?? 'unknown'}`, task: taskOf(generation) };
}

const progress: Record<string, number> = { queued: 0, dreaming: 1, completed: 2, failed: 2 };

function claimsMore(claimed: unknown, confirmed: string | undefined): boolean {
  if (typeof claimed !== 'string' || !(claimed in progress)) return false;
  const confirmedRank = confirmed ? (progress[confirmed] ?? 0) : 0;
  return progress[claimed] > confirmedRank || (progress[claimed] === 2 && claimed !== confirmed);
}

function fingerprintOf(generation: Generation): string | undefined {
  const url = generation.request?.callback_url;
  if (!url) return undefined;
  try {
    return new URL(url).searchParams.get('fp') ?? undefined;
  } catch {
    return undefined;
  }
}

const states: Record<string, TaskState> = { queued: 'queued', dreaming: 'running', completed: 'succeeded', failed: 'failed' };

function taskOf(generation: Generation): ProviderTask {
  const state = states[generation.state ?? ''] ?? 'queued';
  const task: ProviderTask = { id: generation.id ?? '', state, providerStatus: generation.state };
  if (state === 'succeeded') {
    task.videoUrl = generation.assets?.video;
    task.thumbnailUrl = generation.assets?.image;
    const seconds = videoSeconds((generation.request as { duration?: unknown } | undefined)?.duration);
    if (seconds !== undefined) task.cost = { amount: seconds, unit: 'video_seconds' };
  }
  if (state === 'failed') task.error = generation.failure_reason ?? 'the generation failed';
  return task;
}
