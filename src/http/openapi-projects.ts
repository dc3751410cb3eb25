import { z } from 'zod';
import { costUnits, providerNames } from '../contracts/providers';
import { reviewModes, reviewTimeoutActions } from '../contracts/review';
import { projectStatuses, sceneStatuses } from '../contracts/statuses';

/** The project API's answers, as /openapi.json documents them (the creation request is its own contract). */
export const projectCreated = z.object({ project_id: z.string(), workflow_id: z.string(), status: z.string() });
const cost = z.object({ amount: z.number(), unit: z.enum(costUnits) });
export const projectView = z.object({
  project_id: z.string(),
  user_id: z.string().nullable(),
  workflow_id: z.string(),
  status: z.enum(projectStatuses),
  provider: z.enum(providerNames),
  model: z.string().nullable(),
  cost: z.array(cost),
  /** The film's place in its provider's line while one of its scenes waits for a slot (docs/providers.md, "Caps and the queue"). */
  queue: z.object({ provider: z.enum(providerNames), position: z.number().int().min(1) }).nullable(),
  scenes: z.array(
    z.object({
      scene_id: z.string(),
      index: z.number().int(),
      status: z.enum(sceneStatuses),
      prompt: z.string(),
      video_url: z.string().nullable(),
      last_frame_url: z.string().nullable(),
      thumbnail_url: z.string().nullable(),
      attempts: z.number().int(),
      failure_reason: z.string().nullable(),
      model: z.string().nullable(),
      cost: cost.nullable(),
      /** Review films (docs/review.md): the take in use, and whether the scene no longer starts from the previous one's chosen last frame. */
      chosen_take: z.number().int().nullable(),
      chain_broken: z.boolean(),
      takes: z.array(
        z.object({
          take: z.number().int(),
          prompt: z.string(),
          seed: z.number().int().nullable(),
          options: z.unknown().nullable(),
          cost: cost.nullable(),
          start_frame_url: z.string().nullable(),
          video_url: z.string().nullable(),
          thumbnail_url: z.string().nullable(),
          last_frame_url: z.string().nullable(),
          created_at: z.string(),
        }),
      ),
    }),
  ),
  review: z.object({
    mode: z.enum(reviewModes),
    awaiting: z.union([z.object({ scene_index: z.number().int() }), z.object({ stitch: z.literal(true) })]).nullable(),
    timeout_at: z.string().nullable(),
    timeout_hours: z.number().nullable(),
    timeout_action: z.enum(reviewTimeoutActions).nullable(),
  }),
  spend: z.object({ spent: z.number(), limit: z.number().nullable(), unit: z.enum(costUnits).nullable() }),
  /** Every stitch of a review film; final_video_url is the newest. */
  cuts: z.array(z.object({ cut: z.number().int(), video_url: z.string(), created_at: z.string() })),
  final_video_url: z.string().nullable(),
  thumbnail_url: z.string().nullable(),
  failure_reason: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  completed_at: z.string().nullable(),
});
