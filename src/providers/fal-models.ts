/**
 * The fal video models Reelay knows, from each model's API page on fal.ai (input schema and pricing), e.g.
 * https://fal.ai/models/fal-ai/kling-video/v2.5-turbo/standard/image-to-video/llms.txt and
 * https://fal.ai/docs/model-api-reference/video-generation-api/kling-video-v1-standard. Any other model
 * works too when the project names, in `options.start_frame_input`, the input that takes the start frame.
 */
export interface FalModel {
  /** The input that takes the start frame; null for a text-to-video endpoint. */
  startFrameInput: string | null;
  /** The same model's text-to-video endpoint: a scene without a start frame is sent there. */
  textModel?: string;
  /** The lengths the model makes, in seconds (fal takes them as strings); the nearest is asked for. */
  durations: readonly number[];
  /** The model inputs a project may set, each with its check (a problem, or undefined). */
  options: Readonly<Record<string, (value: unknown) => string | undefined>>;
  /** fal bills the model by the second of video, so its billable units are seconds of video. */
  billedPerSecond: boolean;
}

const text = (value: unknown) => (typeof value === 'string' && value.length <= 2_500 ? undefined : 'must be a string of at most 2500 characters');
const unitInterval = (value: unknown) => (typeof value === 'number' && value >= 0 && value <= 1 ? undefined : 'must be a number from 0 to 1');
const flag = (value: unknown) => (typeof value === 'boolean' ? undefined : 'must be true or false');
const oneOf =
  (...allowed: string[]) =>
  (value: unknown) =>
    typeof value === 'string' && allowed.includes(value) ? undefined : `must be one of ${allowed.join(', ')}`;

const kling = { negative_prompt: text, cfg_scale: unitInterval };
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const falModels: Readonly<Record<string, FalModel>> = {
  'fal-ai/kling-video/v2.5-turbo/pro/image-to-video': {
    startFrameInput: 'image_url',
    textModel: 'fal-ai/kling-video/v2.5-turbo/pro/text-to-video',
    durations: [5, 10],
    options: kling,
    billedPerSecond: false,
  },
  'fal-ai/kling-video/v2.5-turbo/pro/text-to-video': {
    startFrameInput: null,
    durations: [5, 10],
    options: { ...kling, aspect_ratio: oneOf('16:9', '9:16', '1:1') },
    billedPerSecond: false,
  },
  'fal-ai/kling-video/v2.5-turbo/standard/image-to-video': { startFrameInput: 'image_url', durations: [5, 10], options: kling, billedPerSecond: false },
  'fal-ai/kling-video/v1/standard/image-to-video': { startFrameInput: 'image_url', durations: [5, 10], options: kling, billedPerSecond: true },
  'fal-ai/kling-video/v3/pro/image-to-video': {
    startFrameInput: 'start_image_url',
    durations: range(3, 15),
    options: { ...kling, generate_audio: flag },
    billedPerSecond: false,
  },
};

export const defaultFalModel = 'fal-ai/kling-video/v2.5-turbo/pro/image-to-video';

/** Names of options Reelay itself reads and never passes on. */
export const reelayOptions = new Set(['start_frame_input']);

/** A fal model id: `owner/alias` and an optional path (https://docs.fal.ai/model-endpoints/queue). */
export const falModelId = /^[a-z0-9][\w.-]*\/[\w.-]+(\/[\w.-]+)*$/i;
