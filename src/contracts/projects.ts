import { z } from 'zod';
import { projectIdSchema } from './ids';
import { mediaStepModes } from './media';
import { providerNames } from './providers';
import { reviewModes, reviewTimeoutActions } from './review-api';
import { storableText } from './text';

export const maxScenes = 200;

/** A provider's model: `owner/name` (Replicate, fal's `fal-ai/…`), or a bare name (`gen4_turbo`, `ray-2`). */
const modelName = z.string().trim().min(1).max(200).regex(/^[\w.:/-]+$/, 'letters, digits and . _ : / - only');

/**
 * Model inputs, passed to the provider as they are once its adapter has accepted them. Any JSON value
 * (the body was JSON); `z.json()` would say so too, but its recursion sends the OpenAPI generator round forever.
 */
const modelOptions = z.record(
  z.string().regex(/^[A-Za-z_]\w{0,63}$/, 'an input name: letters, digits and _'),
  z.unknown().meta({ description: 'Any JSON value the model takes for this input.' }),
);

export const createProjectRequest = z.object({
  project_id: projectIdSchema.optional(),
  user_id: storableText({ nonBlank: true }).max(128).trim().optional(),
  /** The video provider; the server's VIDEO_PROVIDER when absent (the services' guide by default). */
  provider: z.enum(providerNames).optional(),
  /** The provider's model; the server's default for the provider when absent. */
  model: modelName.optional(),
  /**
   * 0-10 (0 when absent): higher goes first in the provider's line (a paying tier, a retried film).
   * Normal work is never starved: a task's priority grows with its wait (docs/providers.md).
   */
  priority: z.number().int().min(0).max(10).optional(),
  /** Model inputs for every scene (a scene's own `options` go over them). */
  options: modelOptions.optional(),
  /** The picture the first scene starts from (models that cannot start from text alone need one). */
  start_image_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048).optional(),
  /** Who does this film's media steps: the guide's service (`remote`) or Reelay with ffmpeg (`builtin`); the server's LAST_FRAME_STEP / STITCH_STEP when absent. */
  media: z
    .object({
      last_frame: z.enum(mediaStepModes).optional(),
      stitch: z.enum(mediaStepModes).optional(),
    })
    .optional(),
  /** A person reviews each scene, or the film before its stitch (docs/review.md); `none` by default. */
  review: z.enum(reviewModes).optional(),
  /** How long each review wait lasts; the server's REVIEW_TIMEOUT_HOURS when absent. */
  review_timeout_hours: z.number().positive().max(24 * 365).optional(),
  /** What a review that times out does: `approve` (default) or `fail`. */
  review_timeout_action: z.enum(reviewTimeoutActions).optional(),
  /** The most the film may spend, in its provider's cost unit; the client's or the server's default when absent. */
  spend_limit: z.number().min(0).max(1e9).optional(),
  scenes: z
    .array(
      z.object({
        prompt: storableText({ nonBlank: true }).max(4000).trim(),
        /** Seconds of video wanted for the scene; the video service's default when absent. */
        duration: z.number().positive().max(600).optional(),
        /** This scene's model and inputs, over the project's. */
        model: modelName.optional(),
        options: modelOptions.optional(),
      }),
    )
    .min(1, 'a project needs at least one scene')
    .max(maxScenes, `a project has at most ${maxScenes} scenes`),
});

export type CreateProjectRequest = z.infer<typeof createProjectRequest>;
