import { z } from 'zod';
import { laterScenesChoices } from './review-api';

/**
 * The bodies of the review actions, as the gateway validates them. Apart from the workflow's side
 * (review-api.ts, re-exported here), because zod must stay out of the workflow bundle.
 */
export * from './review-api';

const modelOptions = z.record(z.string().regex(/^[A-Za-z_]\w{0,63}$/, 'an input name: letters, digits and _'), z.unknown());

/** POST .../regenerate, .../choose, PUT .../spend-limit. */
export const regenerateRequest = z.strictObject({
  prompt: z.string().trim().min(1).max(4000).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  options: modelOptions.optional(),
  later_scenes: z.enum(laterScenesChoices).optional(),
});
export const chooseTakeRequest = z.strictObject({ take: z.number().int().min(1), later_scenes: z.enum(laterScenesChoices).optional() });
export const spendLimitRequest = z.strictObject({ limit: z.number().min(0).max(1e9) });

