import type { SubmitRequest } from './adapter';
import { checkOptions, needsOpeningImage, nearestDuration, type ModelSpec } from './model-options';

/**
 * Replicate's video models Reelay knows by name, from each model's API page (inputs, lengths, which
 * input takes the first frame). Any other model works too: `owner/name` for an official model or
 * `owner/name:<version>` for a community one, with `options.start_frame_input` naming its image input.
 */
export const replicateModels: Record<string, ModelSpec> = {
  // https://replicate.com/minimax/hailuo-02/api (10 s only at 768p)
  'minimax/hailuo-02': {
    startFrameInput: 'first_frame_image',
    needsStartFrame: false,
    duration: { input: 'duration', seconds: [6, 10] },
    options: { resolution: { oneOf: ['512p', '768p', '1080p'] }, prompt_optimizer: { type: 'boolean' }, last_frame_image: { type: 'string' } },
    docs: 'https://replicate.com/minimax/hailuo-02/api',
  },
  // https://replicate.com/kwaivgi/kling-v2.1/api: image-to-video, `start_image` is required
  'kwaivgi/kling-v2.1': {
    startFrameInput: 'start_image',
    needsStartFrame: true,
    duration: { input: 'duration', seconds: [5, 10] },
    options: { mode: { oneOf: ['standard', 'pro'] }, negative_prompt: { type: 'string' }, end_image: { type: 'string' } },
    docs: 'https://replicate.com/kwaivgi/kling-v2.1/api',
  },
  // https://replicate.com/openai/sora-2/api: `input_reference` is the first frame (same aspect ratio as the video)
  'openai/sora-2': {
    startFrameInput: 'input_reference',
    needsStartFrame: false,
    duration: { input: 'seconds', seconds: [4, 8, 12] },
    options: { aspect_ratio: { oneOf: ['portrait', 'landscape'] } },
    docs: 'https://replicate.com/openai/sora-2/api',
  },
};

export const defaultReplicateModel = 'minimax/hailuo-02';

/**
 * The input that carries Reelay's fingerprint, so a listed prediction can be recognised (the list
 * answers each prediction's `input`, not its webhook). Replicate ignores inputs a model does not
 * declare (cog drops unknown inputs: https://github.com/replicate/cog/pull/2943), and keeps them in
 * the prediction's `input` as sent.
 */
export const fingerprintInput = 'reelay_fingerprint';

/** Inputs Reelay sets itself: a project may not. */
const reserved = new Set(['prompt', fingerprintInput]);

const modelPattern = /^([a-z0-9][\w.-]{0,99})\/([a-z0-9][\w.-]{0,99})(?::([0-9a-f]{64}))?$/i;

export interface ReplicateModelRef {
  /** `owner/name`: the official-model route, and the key of the table. */
  name: string;
  /** A community model's version id (`/v1/predictions` with `version`). */
  version?: string;
}

export function parseReplicateModel(model: string): ReplicateModelRef | undefined {
  const match = modelPattern.exec(model);
  return match ? { name: `${match[1]}/${match[2]}`, version: match[3] } : undefined;
}

export function validateReplicateChoice(choice: { model: string; options: Record<string, unknown>; hasStartFrame: boolean }): string[] {
  const ref = parseReplicateModel(choice.model);
  if (!ref) return [`model: "${choice.model}" is not a Replicate model; write owner/name (an official model) or owner/name:<64-hex version>`];
  const { start_frame_input: startInput, ...options } = choice.options;
  const problems = Object.keys(options)
    .filter((name) => reserved.has(name))
    .map((name) => `options.${name}: set by Reelay; remove it`);
  if (startInput !== undefined && (typeof startInput !== 'string' || !/^[a-z_][a-z0-9_]{0,63}$/i.test(startInput))) {
    problems.push('options.start_frame_input: must be the name of the model input that takes the first frame, e.g. first_frame_image');
  }
  const spec = replicateModels[ref.name];
  if (spec) {
    problems.push(...checkOptions(ref.name, spec, Object.fromEntries(Object.entries(options).filter(([name]) => !reserved.has(name)))));
    if (spec.needsStartFrame && !choice.hasStartFrame) problems.push(needsOpeningImage(choice.model));
  } else if (choice.hasStartFrame && startInput === undefined) {
    problems.push(
      `options.start_frame_input: ${ref.name} is not in Reelay's table; name the model input that takes the first frame (see https://replicate.com/${ref.name}/api)`,
    );
  }
  return problems;
}

/** The prediction's `input`: the project's options, the prompt, the start frame where the model takes it, the length, the fingerprint. */
export function replicateInput(request: SubmitRequest): Record<string, unknown> {
  const ref = parseReplicateModel(request.model);
  const spec = ref && replicateModels[ref.name];
  const { start_frame_input: startInput, ...options } = request.options;
  const input: Record<string, unknown> = { ...options, prompt: request.prompt };
  const frameInput = typeof startInput === 'string' ? startInput : spec?.startFrameInput;
  if (request.startFrameUrl && frameInput) input[frameInput] = request.startFrameUrl;
  if (request.durationSeconds !== undefined && spec?.duration) {
    input[spec.duration.input] = nearestDuration(request.durationSeconds, spec.duration.seconds);
  }
  input[fingerprintInput] = request.fingerprint;
  return input;
}
