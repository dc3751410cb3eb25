import type { CreateProjectRequest } from '../../contracts/projects';
import type { ProviderCost, ProviderName } from '../../contracts/providers';
import type { ProviderSettings } from '../../platform/provider-env';
import type { VideoProviderAdapter } from '../../providers/adapter';
import { estimateVideoCost } from '../../providers/prices';
import { HttpError } from '../errors';
import type { FieldProblem } from '../validation';

/** What a new film is made with, fixed when it is created (the worker reads it from the project's row). */
export interface VideoChoice {
  provider: ProviderName;
  /** Null for the guide's services, which have no models. */
  model: string | null;
  options: Record<string, unknown> | null;
  startImageUrl: string | null;
}

/**
 * The provider, model and inputs a creation asks for, over the server's defaults, checked by the
 * provider's adapter for every scene (a scene's own model and inputs over the project's): a 400 naming
 * each field otherwise. The first scene has no previous frame: a model that cannot start from text
 * alone needs the project's `start_image_url`, and the adapter says so.
 */
export function resolveVideoChoice(
  request: CreateProjectRequest,
  settings: ProviderSettings,
  adapters: ReadonlyMap<ProviderName, VideoProviderAdapter>,
): VideoChoice {
  const provider = request.provider ?? settings.defaultProvider;
  const startImageUrl = request.start_image_url ?? null;
  if (provider === 'guide') {
    const fields: FieldProblem[] = [];
    if (request.model) fields.push({ field: 'model', message: "the services' guide has no models: leave it out, or choose a provider" });
    if (request.options) fields.push({ field: 'options', message: "the services' guide takes no model inputs: leave them out, or choose a provider" });
    request.scenes.forEach((scene, i) => {
      if (scene.model || scene.options) fields.push({ field: `scenes.${i}.${scene.model ? 'model' : 'options'}`, message: "the services' guide has no models or inputs" });
    });
    refuseIf(fields);
    return { provider, model: null, options: null, startImageUrl };
  }
  const adapter = adapters.get(provider);
  if (!adapter) refuseIf([{ field: 'provider', message: `${provider} is not available on this server` }]);
  const model = request.model ?? (provider === settings.defaultProvider ? settings.defaultModel : undefined) ?? adapter!.defaultModel;
  const fields = new Map<string, FieldProblem>();
  request.scenes.forEach((scene, i) => {
    const own = Boolean(scene.model || scene.options);
    const problems = adapter!.validate({
      model: scene.model ?? model,
      options: { ...request.options, ...scene.options },
      hasStartFrame: i > 0 || startImageUrl !== null,
    });
    // A problem with the project's own choice is named once, not once per scene.
    for (const problem of problems) {
      const field = fieldOf(problem, own ? `scenes.${i}.` : '');
      fields.set(`${field}\n${problem}`, { field, message: problem });
    }
  });
  refuseIf([...fields.values()]);
  return { provider, model, options: request.options ?? null, startImageUrl };
}

/**
 * Each scene's video priced before it is made (providers/prices.ts), in the unit its provider reports;
 * null where no price is known. Undefined when no scene has one (the guide's services), so such a
 * film's workflow input is what it always was.
 */
export function sceneEstimates(request: CreateProjectRequest, choice: VideoChoice): (ProviderCost | null)[] | undefined {
  if (choice.provider === 'guide' || !choice.model) return undefined;
  const estimates = request.scenes.map(
    (scene) =>
      estimateVideoCost(choice.provider, { model: scene.model ?? choice.model!, durationSeconds: scene.duration, options: { ...choice.options, ...scene.options } }) ?? null,
  );
  return estimates.some(Boolean) ? estimates : undefined;
}

/** The field an adapter's problem begins with (`model: …`, `options.seed: …`), with the scene's prefix. */
function fieldOf(problem: string, prefix: string): string {
  const named = /^(model|options(?:\.\w+)?|start_image_url):/.exec(problem)?.[1];
  return named === 'start_image_url' ? named : `${prefix}${named ?? 'model'}`;
}

function refuseIf(fields: FieldProblem[]): void {
  if (fields.length) {
    throw new HttpError(400, 'validation_failed', `Project is invalid: ${fields.map((f) => f.field).join(', ')}`, { fields });
  }
}
