import type { SubmitRequest } from './adapter';
import { checkOptions, nearestDuration, type ModelSpec } from './model-options';

/**
 * Luma's Dream Machine video models (https://docs.lumalabs.ai/docs/video-generation, and the official
 * client `lumaai`'s GenerationCreateParams): every one starts from text or from `keyframes.frame0`
 * (`{type: "image", url}`), and is 5 s or 9 s long.
 */
const lumaOptions: ModelSpec['options'] = {
  aspect_ratio: { oneOf: ['1:1', '16:9', '9:16', '4:3', '3:4', '21:9', '9:21'] },
  resolution: { oneOf: ['540p', '720p', '1080p', '4k'] },
  loop: { type: 'boolean' },
};
const lumaSpec = (): ModelSpec => ({
  startFrameInput: 'keyframes.frame0',
  needsStartFrame: false,
  duration: { input: 'duration', seconds: [5, 9], asText: (s) => `${s}s` },
  options: lumaOptions,
  docs: 'https://docs.lumalabs.ai/docs/video-generation',
});
export const lumaModels: Record<string, ModelSpec> = { 'ray-2': lumaSpec(), 'ray-flash-2': lumaSpec() };
export const defaultLumaModel = 'ray-2';
/** Luma's default length, sent explicitly so the generation's request says what was made (the cost). */
const defaultSeconds = 5;

export function validateLumaChoice(choice: { model: string; options: Record<string, unknown>; hasStartFrame: boolean }): string[] {
  const spec = lumaModels[choice.model];
  if (!spec) return [`model: "${choice.model}" is not a Luma video model; choose one of ${Object.keys(lumaModels).join(', ')}`];
  return checkOptions(choice.model, spec, choice.options);
}

/** The body of `POST /generations`: the callback URL carries Reelay's fingerprint (`fp`) for findSubmitted. */
export function lumaGeneration(request: SubmitRequest) {
  const seconds = nearestDuration(request.durationSeconds ?? defaultSeconds, lumaModels[request.model]?.duration?.seconds ?? [defaultSeconds]);
  return {
    ...request.options,
    model: request.model as 'ray-2',
    prompt: request.prompt,
    duration: `${seconds}s`,
    ...(request.startFrameUrl ? { keyframes: { frame0: { type: 'image' as const, url: request.startFrameUrl } } } : {}),
    ...(request.callbackUrl ? { callback_url: request.callbackUrl } : {}),
  };
}

/** Seconds of video a generation was asked for (`"5s"`), Luma's unit of price; it reports no cost itself. */
export function videoSeconds(duration: unknown): number | undefined {
  const match = typeof duration === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(duration) : null;
  return match ? Number(match[1]) : undefined;
}
