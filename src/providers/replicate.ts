import type Replicate from 'replicate';
import type { Prediction } from 'replicate';
import type { ProviderSettings } from '../platform/provider-env';
import { ProviderCallError, type ProviderTask, type TaskState, type VideoProviderAdapter } from './adapter';
import { callError, retryAfterMs } from './call-errors';
import { defaultReplicateModel, fingerprintInput, parseReplicateModel, replicateInput, validateReplicateChoice } from './replicate-models';
import { lazily } from './lazy-sdk';
import { ReplicateSigningSecret, verifyReplicateDelivery } from './replicate-webhook';

/**
 * Replicate (https://replicate.com/docs/reference/http) through its official client `replicate`:
 * `POST /v1/models/{owner}/{name}/predictions` for an official model, `POST /v1/predictions` with a
 * `version` for a community one, each with `webhook` and `webhook_events_filter: ["completed"]` (one
 * signed call when the prediction succeeds, fails or is canceled). The answer is the prediction:
 * `status` (starting, processing, succeeded, failed, canceled, aborted), `output` (the video's URL,
 * valid for about an hour for API predictions), `error`, `metrics.predict_time` (seconds of compute,
 * what Replicate bills hardware-priced models by).
 */
export function createReplicateAdapter(settings: ProviderSettings): VideoProviderAdapter {
  const { apiToken, baseUrl, webhookSecret } = settings.replicate;
  const replicate = lazily(() => {
    // The package's CommonJS export is the class itself (its types say `export default`).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Client = require('replicate') as typeof Replicate;
    return new Client({ auth: apiToken, baseUrl, fetch: answerOnce(), useFileOutput: false, userAgent: 'reelay' });
  });
  const call = async <T>(what: () => Promise<T>): Promise<T> => {
    if (!apiToken) throw new ProviderCallError('replicate has no REPLICATE_API_TOKEN configured', false);
    try {
      return await what();
    } catch (err) {
      throw callError('replicate', err, baseUrl);
    }
  };
  const secret = new ReplicateSigningSecret(webhookSecret, () => call(async () => (await replicate().webhooks.default.secret.get()).key));

  return {
    name: 'replicate',
    completion: 'webhook',
    defaultModel: settings.defaultProvider === 'replicate' && settings.defaultModel ? settings.defaultModel : defaultReplicateModel,
    validate: validateReplicateChoice,

    async submit(request) {
      const ref = parseReplicateModel(request.model);
      if (!ref) throw new ProviderCallError(`"${request.model}" is not a Replicate model`, false);
      const prediction = await call(() =>
        replicate().predictions.create({
          ...(ref.version ? { version: ref.version } : { model: ref.name }),
          input: replicateInput(request),
          ...(request.callbackUrl ? { webhook: request.callbackUrl, webhook_events_filter: ['completed' as const] } : {}),
        }),
      );
      return { taskId: prediction.id };
    },

    // `GET /v1/predictions` lists the account's predictions newest first, 100 a page, each with its
    // `input` (not its webhook): the fingerprint rides in the input (see fingerprintInput).
    async findSubmitted(fingerprint, since) {
      const oldest = since.getTime() - 5 * 60_000; // the provider's clock may differ from ours
      return call(async () => {
        let pages = 0;
        for await (const page of replicate().paginate(() => replicate().predictions.list())) {
          for (const prediction of page) {
            if (Date.parse(prediction.created_at) < oldest) return undefined;
            if ((prediction.input as Record<string, unknown> | undefined)?.[fingerprintInput] === fingerprint) return prediction.id;
          }
          if (++pages >= 20) return undefined;
        }
        return undefined;
      });
    },

    async getTask(taskId) {
      return taskOf(await call(() => replicate().predictions.get(taskId)));
    },

    // `POST /v1/predictions/{id}/cancel`; a prediction that already ended answers as it is.
    async cancel(taskId) {
      await call(() => replicate().predictions.cancel(taskId)).catch((err: ProviderCallError) => {
        if (err.detail.status !== 404) throw err;
      });
    },

    verifyWebhook: (delivery) => verifyReplicateDelivery(delivery, secret, (body) => taskOf(body as unknown as Prediction)),
  };
}

const states: Record<string, TaskState> = {
  starting: 'queued',
  processing: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'cancelled',
  aborted: 'cancelled',
};

function taskOf(prediction: Prediction): ProviderTask {
  const state = states[prediction.status] ?? 'running';
  const task: ProviderTask = { id: prediction.id, state, providerStatus: prediction.status };
  if (state === 'succeeded') task.videoUrl = firstUrl(prediction.output);
  if ((state === 'failed' || state === 'cancelled') && prediction.error) task.error = typeof prediction.error === 'string' ? prediction.error : JSON.stringify(prediction.error);
  if (state === 'cancelled' && !task.error) task.error = `the prediction was ${prediction.status}`;
  const seconds = prediction.metrics?.predict_time;
  if (typeof seconds === 'number' && Number.isFinite(seconds)) task.cost = { amount: seconds, unit: 'compute_seconds' };
  return task;
}

/** A video model's output is its file's URL, or a list of them. */
function firstUrl(output: unknown): string | undefined {
  const candidates = Array.isArray(output) ? (output as unknown[]) : [output];
  return candidates.find((value): value is string => typeof value === 'string' && /^https?:\/\//i.test(value));
}

/**
 * The client's fetch, answering each request once: the client retries a 429 (and a GET's 5xx) on its
 * own, hiding the provider's back-pressure; here the first such answer becomes a retryable
 * ProviderCallError with the provider's Retry-After, and the client's retries of the same request get
 * that error again without calling out, so the activity's retry policy decides when to ask again.
 */
function answerOnce(): (input: Request | string, init?: RequestInit) => Promise<Response> {
  const failed = new WeakMap<object, ProviderCallError>();
  return async (input, init = {}) => {
    const earlier = failed.get(init);
    if (earlier) throw earlier;
    const url = typeof input === 'string' ? input : input.url;
    try {
      const answer = await fetch(input, { ...init, redirect: 'manual', signal: init.signal ?? AbortSignal.timeout(30_000) });
      if (answer.status !== 429 && answer.status < 500) return answer;
      throw new ProviderCallError(`replicate answered ${answer.status}`, true, {
        status: answer.status,
        answer: (await answer.text()).slice(0, 300),
        retryAfterMs: retryAfterMs(answer.headers.get('retry-after')),
        url,
      });
    } catch (err) {
      const error = ProviderCallError.from('replicate', err, url);
      failed.set(init, error);
      throw error;
    }
  };
}
