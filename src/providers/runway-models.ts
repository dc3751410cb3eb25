/**
 * The Runway models Reelay knows, from Runway's API reference (https://docs.dev.runwayml.com/api/,
 * "Start a generation": POST /v1/image_to_video and /v1/text_to_video) as @runwayml/sdk 4.20 types them.
 * Every Runway image-to-video model takes the start frame as `promptImage`.
 */
export interface RunwayModel {
  /** Whether POST /v1/text_to_video takes the model (a first scene without an opening image). */
  textToVideo: boolean;
  /** The output sizes the model makes, the first being Reelay's default. */
  ratios: readonly string[];
  /** The lengths it makes, in seconds (the nearest is asked for). */
  durations: readonly number[];
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const landscapeFirst = ['1280:720', '720:1280', '1104:832', '960:960', '832:1104', '1584:672'];
const veo = { textToVideo: true, ratios: ['1280:720', '720:1280', '1080:1920', '1920:1080'], durations: [4, 6, 8] };

export const runwayModels: Readonly<Record<string, RunwayModel>> = {
  'gen4.5': { textToVideo: true, ratios: landscapeFirst, durations: range(2, 10) },
  gen4_turbo: { textToVideo: false, ratios: landscapeFirst, durations: [5, 10] },
  'veo3.1': veo,
  'veo3.1_fast': veo,
};

/** Other models the API takes (@runwayml/sdk 4.20's ImageToVideoCreateParams), all of them through text_to_video as well. */
export const otherRunwayModels: ReadonlySet<string> = new Set([
  'hailuo3',
  'happyhorse_1_0',
  'seedance2',
  'seedance2_fast',
  'seedance2_mini',
  'seedance2_5',
  'gemini_omni_flash',
  'gemini_omni_flash_1.1',
  'grok_imagine_1_5',
  'wan3',
  'wan3_prime',
  'h3_max',
]);

export const defaultRunwayModel = 'gen4.5';

/** Model inputs a project may set on a known model, each with its check. */
export const runwayOptionChecks: Readonly<Record<string, (value: unknown, model: RunwayModel) => string | undefined>> = {
  ratio: (value, model) => (typeof value === 'string' && model.ratios.includes(value) ? undefined : `must be one of ${model.ratios.join(', ')}`),
  seed: (value) => (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 4_294_967_295 ? undefined : 'must be an integer from 0 to 4294967295'),
  contentModeration: (value) =>
    value !== null && typeof value === 'object' && Object.keys(value).every((k) => k === 'publicFigureThreshold') ? undefined : 'must be { publicFigureThreshold: "auto" | "low" }',
};
