/**
 * What an adapter knows of a model it has in its table: which input takes the start frame, whether the
 * model can begin from text alone, how it is told the length, and which other inputs a project may set.
 * Models outside a table are passed through as the provider documents them (see each adapter).
 */
export interface ModelSpec {
  /** The model input that takes the opening image (the previous scene's last frame). */
  startFrameInput: string;
  /** True when the model refuses to start without an image (image-to-video only). */
  needsStartFrame: boolean;
  /** The input that takes the length, and the lengths the model accepts (seconds). */
  duration?: { input: string; seconds: readonly number[]; asText?: (seconds: number) => string };
  /** Inputs a project may set in `options`, each with the values it accepts. */
  options: Record<string, OptionRule>;
  /** The model's API page, where its inputs are listed. */
  docs: string;
}

export type OptionRule = { oneOf: readonly (string | number | boolean)[] } | { type: 'string' | 'number' | 'boolean' };

/** Problems with `options` for a model in the table, each naming its field and what to do. */
export function checkOptions(model: string, spec: ModelSpec, options: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(options)) {
    const rule = spec.options[name];
    if (!rule) {
      const allowed = Object.keys(spec.options);
      problems.push(`options.${name}: ${model} has no such input here; allowed: ${allowed.length ? allowed.join(', ') : 'none'} (see ${spec.docs})`);
    } else if ('oneOf' in rule && !rule.oneOf.includes(value as string | number | boolean)) {
      problems.push(`options.${name}: must be one of ${rule.oneOf.map((v) => JSON.stringify(v)).join(', ')}`);
    } else if ('type' in rule && typeof value !== rule.type) {
      problems.push(`options.${name}: must be a ${rule.type}`);
    }
  }
  return problems;
}

/** The accepted length closest to the one asked for (the longer one on a tie): a scene is never refused for its length. */
export function nearestDuration(wanted: number, accepted: readonly number[]): number {
  return accepted.reduce((best, candidate) => {
    const closer = Math.abs(candidate - wanted) - Math.abs(best - wanted);
    return closer < 0 || (closer === 0 && candidate > best) ? candidate : best;
  }, accepted[0]);
}

/** The message for a first scene whose model cannot start from text alone. */
export function needsOpeningImage(model: string): string {
  return `start_image_url: ${model} makes video from an image only; give the project an opening image (start_image_url) or choose a model that starts from text`;
}
