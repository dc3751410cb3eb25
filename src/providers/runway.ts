import type RunwayML from '@runwayml/sdk';
import type { TaskRetrieveResponse } from '@runwayml/sdk/resources/tasks';
import type { ProviderSettings } from '../platform/provider-env';
import { ProviderCallError, type ProviderTask, type SubmitRequest, type VideoProviderAdapter } from './adapter';
import { nearestDuration } from './durations';
import { defaultRunwayModel, otherRunwayModels, runwayModels, runwayOptionChecks } from './runway-models';
import { lazily } from './lazy-sdk';
import { retryAfterMs } from './retry-after';

/**
 * Runway's API through @runwayml/sdk (https://docs.dev.runwayml.com/api/): POST /v1/image_to_video or
 * /v1/text_to_video, GET /v1/tasks/{id}, DELETE /v1/tasks/{id}, each with `X-Runway-Version`. Runway
 * calls no webhook, so its tasks are polled (completion `poll`). It cannot list a key's tasks, so there
 * is no findSubmitted: a worker that dies between Runway's answer and Reelay's record submits again.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runwaySdk = lazily(() => require('@runwayml/sdk') as typeof import('@runwayml/sdk'));

export function createRunwayAdapter(settings: ProviderSettings): VideoProviderAdapter {
  let client: RunwayML | undefined;
  const runway = () => {
    if (!settings.runway.apiSecret) throw new ProviderCallError('RUNWAYML_API_SECRET is not set: Runway refuses requests without a key', false);
    // The SDK's own retries (2 by default, 429 included) would hide Runway's back-pressure: Temporal retries instead.
    client ??= new (runwaySdk().default)({
      apiKey: settings.runway.apiSecret,
      baseURL: settings.runway.baseUrl,
      runwayVersion: settings.runway.apiVersion,
      maxRetries: 0,
      timeout: 30_000,
    });
    return client;
  };

  return {
    name: 'runway',
    completion: 'poll',
    defaultModel: settings.defaultProvider === 'runway' && settings.defaultModel ? settings.defaultModel : defaultRunwayModel,

    validate({ model, options, hasStartFrame }) {
      const known = runwayModels[model];
      if (!known && !otherRunwayModels.has(model)) {
        return [`model: "${model}" is not a Runway video model; choose one of ${[...Object.keys(runwayModels), ...otherRunwayModels].join(', ')}`];
      }
      const problems: string[] = [];
      if (!hasStartFrame && known && !known.textToVideo) {
        problems.push(`start_image_url: ${model} makes video from an image only; give the project an opening image, or choose a model that starts from text (${textModels().join(', ')})`);
      }
      for (const name of ['promptText', 'promptImage', 'duration', 'model']) if (name in options) problems.push(`options.${name}: set by Reelay from the scene; remove it`);
      if (!known) return problems;
      for (const [name, value] of Object.entries(options)) {
        if (['promptText', 'promptImage', 'duration', 'model'].includes(name)) continue;
        const check = runwayOptionChecks[name];
        const problem = check ? check(value, known) : `not an input Reelay passes to ${model}; it takes ${Object.keys(runwayOptionChecks).join(', ')}`;
        if (problem) problems.push(`options.${name}: ${problem}`);
      }
      return problems;
    },

    async submit(request: SubmitRequest) {
      const known = runwayModels[request.model];
      const body: Record<string, unknown> = { ...request.options, model: request.model, promptText: request.prompt };
      if (known) {
        body.ratio ??= known.ratios[0];
        body.duration = nearestDuration(request.durationSeconds ?? 5, known.durations);
      } else if (request.durationSeconds !== undefined) body.duration = Math.round(request.durationSeconds);
      const create = request.startFrameUrl
        ? () => runway().imageToVideo.create({ ...body, promptImage: request.startFrameUrl } as unknown as RunwayML.ImageToVideoCreateParams)
        : () => runway().textToVideo.create(body as unknown as RunwayML.TextToVideoCreateParams);
      const task = await call(request.startFrameUrl ? '/v1/image_to_video' : '/v1/text_to_video', create);
      return { taskId: task.id };
    },

    async getTask(taskId) {
      return readTask(await call(`/v1/tasks/${taskId}`, () => runway().tasks.retrieve(taskId)));
    },

    async cancel(taskId) {
      try {
        await runway().tasks.delete(taskId);
      } catch (err) {
        if (err instanceof runwaySdk().APIError && err.status === 404) return; // already gone: nothing to stop
        throw translate(err, `/v1/tasks/${taskId}`);
      }
    },
  };
}

const textModels = () => [...Object.entries(runwayModels).filter(([, m]) => m.textToVideo).map(([name]) => name), ...otherRunwayModels];

async function call<T>(path: string, request: () => PromiseLike<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw translate(err, path);
  }
}

/** The SDK's error as a ProviderCallError, with Runway's Retry-After when it sent one. */
function translate(err: unknown, path: string): ProviderCallError {
  const translated = ProviderCallError.from('runway', err, path);
  if (err instanceof runwaySdk().APIError && err.status === 429) {
    const headers = err.headers as Headers | undefined;
    return new ProviderCallError('runway answered 429: too many tasks at once', true, { ...translated.detail, retryAfterMs: retryAfterMs(headers?.get('retry-after')) ?? 10_000 });
  }
  return translated;
}

/** A task as GET /v1/tasks/{id} reports it; THROTTLED is Runway's own queue at the concurrency limit. */
export function readTask(task: TaskRetrieveResponse): ProviderTask {
  const cost = 'cost' in task && typeof task.cost?.credits === 'number' ? { cost: { amount: task.cost.credits, unit: 'credits' as const } } : {};
  switch (task.status) {
    case 'PENDING':
      return { id: task.id, state: 'queued', providerStatus: 'PENDING' };
    case 'THROTTLED':
      return { id: task.id, state: 'queued', providerStatus: 'THROTTLED' };
    case 'RUNNING':
      return { id: task.id, state: 'running', providerStatus: typeof task.progress === 'number' ? `RUNNING ${Math.round(task.progress * 100)}%` : 'RUNNING' };
    case 'SUCCEEDED': {
      const videoUrl = task.output?.[0];
      if (!videoUrl) return { id: task.id, state: 'failed', error: 'Runway reported success without an output', ...cost };
      return { id: task.id, state: 'succeeded', videoUrl, ...cost };
    }
    case 'FAILED':
      return { id: task.id, state: 'failed', error: [task.failureCode, task.failure].filter(Boolean).join(': ') || 'Runway reported the task failed', ...cost };
    case 'CANCELLED':
      return { id: task.id, state: 'cancelled', error: 'cancelled at Runway', ...cost };
    default:
      throw new ProviderCallError(`runway answered an unknown task status ${(task as { status?: unknown }).status as string}`, true);
  }
}
