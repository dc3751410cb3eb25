import type { FalClient, QueueStatus } from '@fal-ai/client';
import type { ProviderSettings } from '../platform/provider-env';
import { ProviderCallError, type ProviderTask, type SubmitRequest, type VideoProviderAdapter, type WebhookDelivery, type WebhookVerdict } from './adapter';
import { nearestDuration } from './durations';
import { defaultFalModel, falModelId, falModels, reelayOptions, type FalModel } from './fal-models';
import { lazily } from './lazy-sdk';
import { FalWebhookKeys, falSignedMessage, sha256Hex, type FalKeyCacheOptions } from './fal-webhook';
import { retryAfterMs } from './retry-after';

const falHost = 'https://queue.fal.run';

/**
 * fal's queue API through `@fal-ai/client` (https://docs.fal.ai/model-endpoints/queue): submit with
 * `fal_webhook`, status, result and cancel under the model's app. fal cannot list a key's requests, so
 * there is no findSubmitted: a worker that dies between fal's answer and Reelay's record submits again.
 * The client calls only fal's hosts: a request middleware moves it to FAL_QUEUE_URL (TOOLCHAIN.md).
 */
export function createFalAdapter(settings: ProviderSettings, keyCache: FalKeyCacheOptions = {}): VideoProviderAdapter {
  const keys = new FalWebhookKeys(settings.fal.jwksUrl, keyCache);
  const client = (onResponse?: (answer: Response) => void) => falClient(settings, onResponse);

  return {
    name: 'fal',
    completion: 'webhook',
    defaultModel: settings.defaultProvider === 'fal' && settings.defaultModel ? settings.defaultModel : defaultFalModel,

    validate({ model, options, hasStartFrame }) {
      if (!falModelId.test(model)) return [`model: "${model}" is not a fal model id (owner/name, e.g. ${defaultFalModel})`];
      const known = falModels[model];
      const problems: string[] = [];
      const startInput = options.start_frame_input;
      if (startInput !== undefined && (typeof startInput !== 'string' || !/^\w{1,64}$/.test(startInput))) {
        problems.push('options.start_frame_input: must name the model input that takes the start frame (e.g. image_url)');
      }
      if (known) problems.push(...knownModelProblems(model, known, options, hasStartFrame));
      else if (hasStartFrame && startInput === undefined) {
        problems.push(`options.start_frame_input: ${model} is not one Reelay knows; name its input that takes the start frame (e.g. image_url), or choose one of ${Object.keys(falModels).join(', ')}`);
      }
      for (const name of ['prompt', 'duration']) if (name in options) problems.push(`options.${name}: set by Reelay from the scene; remove it`);
      return problems;
    },

    async submit(request: SubmitRequest) {
      const known = falModels[request.model];
      const endpoint = !request.startFrameUrl && known?.textModel ? known.textModel : request.model;
      const target = falModels[endpoint] ?? known;
      const input: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(request.options)) if (!reelayOptions.has(name)) input[name] = value;
      input.prompt = request.prompt;
      if (request.startFrameUrl) input[startFrameInput(target, request.options)] = request.startFrameUrl;
      if (request.durationSeconds !== undefined) {
        input.duration = String(target ? nearestDuration(request.durationSeconds, target.durations) : Math.round(request.durationSeconds));
      }
      const answer = await call(`${falHost}/${endpoint}`, () =>
        requireKey(settings, client()).queue.submit(endpoint, { input, webhookUrl: request.callbackUrl }),
      );
      return { taskId: answer.request_id };
    },

    async getTask(taskId, model = defaultFalModel) {
      const status = await call(`${falHost}/${model}/requests/${taskId}/status`, () => requireKey(settings, client()).queue.status(model, { requestId: taskId }));
      return readStatus(taskId, model, status, client);
    },

    async cancel(taskId, model = defaultFalModel) {
      try {
        await requireKey(settings, client()).queue.cancel(model, { requestId: taskId });
      } catch (err) {
        // 400 ALREADY_COMPLETED, 404: nothing left to stop.
        if (err instanceof falSdk().ApiError && (err.status === 400 || err.status === 404)) return;
        throw ProviderCallError.from('fal', err, `${falHost}/${model}/requests/${taskId}/cancel`);
      }
    },

    async verifyWebhook(delivery: WebhookDelivery): Promise<WebhookVerdict> {
      const signed = falSignedMessage(delivery);
      if ('reason' in signed) return { ok: false, ...signed };
      if (!(await keys.verifies(signed.message, signed.signature))) {
        return { ok: false, reason: 'invalid_signature', message: "no key in fal's JWKS verifies X-Fal-Webhook-Signature" };
      }
      return readDelivery(delivery.rawBody);
    },
  };
}

function knownModelProblems(model: string, known: FalModel, options: Record<string, unknown>, hasStartFrame: boolean): string[] {
  const problems: string[] = [];
  if (!hasStartFrame && known.startFrameInput && !known.textModel) {
    problems.push(`start_image_url: ${model} needs an opening image (it makes video from an image); give the project one, or choose a model that starts from text`);
  }
  if (hasStartFrame && !known.startFrameInput) {
    problems.push(`model: ${model} makes video from text only and cannot continue from the previous scene; choose an image-to-video model`);
  }
  for (const [name, value] of Object.entries(options)) {
    if (reelayOptions.has(name) || name === 'prompt' || name === 'duration') continue;
    const check = known.options[name];
    if (!check) problems.push(`options.${name}: not an input of ${model}; it takes ${Object.keys(known.options).join(', ') || 'no options'}`);
    else {
      const problem = check(value);
      if (problem) problems.push(`options.${name}: ${problem}`);
    }
  }
  return problems;
}

const startFrameInput = (model: FalModel | undefined, options: Record<string, unknown>) =>
  (typeof options.start_frame_input === 'string' ? options.start_frame_input : undefined) ?? model?.startFrameInput ?? 'image_url';

/** A fal client on the configured host, whose own retries never hide a 429 or a 5xx (Temporal retries). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const falSdk = lazily(() => require('@fal-ai/client') as typeof import('@fal-ai/client'));

function falClient(settings: ProviderSettings, onResponse?: (answer: Response) => void): FalClient {
  const base = settings.fal.queueUrl;
  return falSdk().createFalClient({
    credentials: settings.fal.key,
    requestMiddleware: async (request) => ({ ...request, url: request.url.startsWith(falHost) ? base + request.url.slice(falHost.length) : request.url }),
    fetch: async (input, init) => {
      const url = input instanceof Request ? input.url : input.toString();
      const answer = await fetch(input, { ...init, redirect: 'manual' }).catch((err: unknown) => {
        throw new ProviderCallError('fal could not be reached', true, { answer: String(err).slice(0, 300), url });
      });
      if (answer.status === 429 || answer.status >= 500 || (answer.status >= 300 && answer.status < 400)) {
        const retryAfter = retryAfterMs(answer.headers.get('retry-after')) ?? (answer.status === 429 ? 5_000 : undefined);
        throw new ProviderCallError(`fal answered ${answer.status}`, answer.status >= 400, {
          status: answer.status,
          answer: (await answer.text().catch(() => '')).slice(0, 300),
          retryAfterMs: retryAfter,
          url,
        });
      }
      onResponse?.(answer);
      return answer;
    },
  });
}

function requireKey(settings: ProviderSettings, client: FalClient): FalClient {
  if (!settings.fal.key) throw new ProviderCallError('FAL_KEY is not set: fal refuses requests without a key', false);
  return client;
}

async function call<T>(url: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw ProviderCallError.from('fal', err, url);
  }
}

async function readStatus(taskId: string, model: string, status: QueueStatus, client: (onResponse?: (a: Response) => void) => FalClient): Promise<ProviderTask> {
  if (status.status === 'IN_QUEUE') return { id: taskId, state: 'queued', providerStatus: `IN_QUEUE, position ${status.queue_position}` };
  if (status.status === 'IN_PROGRESS') return { id: taskId, state: 'running', providerStatus: 'IN_PROGRESS' };
  // A completed request that failed carries its error on the status (and its result GET answers the error).
  const failure = (status as { error?: unknown }).error;
  if (typeof failure === 'string' && failure) {
    return { id: taskId, state: /cancel/i.test(failure) ? 'cancelled' : 'failed', error: failure };
  }
  let billable: string | null = null;
  try {
    const result = await client((answer) => (billable = answer.headers.get('x-fal-billable-units'))).queue.result(model, { requestId: taskId });
    return { id: taskId, ...readOutput(result.data), ...cost(model, billable) };
  } catch (err) {
    if (err instanceof falSdk().ApiError && err.status >= 400 && err.status < 500) return { id: taskId, state: 'failed', error: errorText(err.body) ?? err.message };
    throw ProviderCallError.from('fal', err, `${falHost}/${model}/requests/${taskId}`);
  }
}

/** fal reports what it billed in `x-fal-billable-units` on the result; recorded where the unit is known to be seconds of video. */
function cost(model: string, billable: string | null): Pick<ProviderTask, 'cost'> {
  const amount = billable === null ? NaN : Number(billable);
  return falModels[model]?.billedPerSecond && Number.isFinite(amount) ? { cost: { amount, unit: 'video_seconds' } } : {};
}

function readOutput(payload: unknown): Pick<ProviderTask, 'state' | 'videoUrl' | 'thumbnailUrl' | 'error'> {
  const output = payload as { video?: { url?: unknown }; thumbnail?: { url?: unknown } } | null;
  const videoUrl = typeof output?.video?.url === 'string' ? output.video.url : undefined;
  if (!videoUrl) return { state: 'failed', error: 'fal reported success without a video in its payload' };
  const thumbnailUrl = typeof output?.thumbnail?.url === 'string' ? output.thumbnail.url : undefined;
  return { state: 'succeeded', videoUrl, ...(thumbnailUrl && { thumbnailUrl }) };
}

function errorText(body: unknown): string | undefined {
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  if (typeof detail === 'string') return detail;
  return detail === undefined ? undefined : JSON.stringify(detail).slice(0, 500);
}

/** The webhook body (https://docs.fal.ai/model-endpoints/webhooks): `{request_id, gateway_request_id, status, payload, error}`. */
function readDelivery(rawBody: Buffer): WebhookVerdict {
  let body: { request_id?: unknown; status?: unknown; payload?: unknown; error?: unknown; payload_error?: unknown };
  try {
    body = JSON.parse(rawBody.toString('utf8')) as typeof body;
  } catch {
    return { ok: false, reason: 'malformed', message: 'the body is not JSON' };
  }
  if (typeof body?.request_id !== 'string' || (body.status !== 'OK' && body.status !== 'ERROR')) {
    return { ok: false, reason: 'malformed', message: 'request_id and status (OK or ERROR) are required' };
  }
  const id = body.request_id;
  const deliveryId = `${id}:${sha256Hex(rawBody).slice(0, 32)}`;
  if (body.status === 'ERROR') {
    const error = [typeof body.error === 'string' ? body.error : 'fal reported an error', errorText(body.payload)].filter(Boolean).join(': ');
    return { ok: true, deliveryId, task: { id, state: /cancel/i.test(error) ? 'cancelled' : 'failed', error } };
  }
  if (body.payload === null && typeof body.payload_error === 'string') {
    return { ok: false, reason: 'malformed', message: `fal could not send the payload (${body.payload_error}); read the result with getTask` };
  }
  return { ok: true, deliveryId, task: { id, ...readOutput(body.payload) } };
}
