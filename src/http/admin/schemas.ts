import { z } from 'zod';
import { projectIdSchema } from '../../contracts/ids';
import { errorSeverities, webhookOutcomes } from '../../contracts/statuses';
import { webhookEndpoints } from '../../contracts/steps';
import { queryParams, storableText } from '../../contracts/text';

const page = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.uuid().optional(),
};

/** queryParams: any parameter holding text PostgreSQL cannot store (NUL, lone surrogate) is a 400 naming it. */
export const eventListQuery = queryParams({
  project_id: projectIdSchema.optional(),
  endpoint: z.enum(webhookEndpoints).optional(),
  outcome: z.enum(webhookOutcomes).optional(),
  ...page,
});

export const errorListQuery = queryParams({
  /** The guide's category: webhook, activity, workflow, system. */
  type: storableText().min(1).max(100).optional(),
  /** The specific reason within a category, e.g. invalid_signature, task_failed. */
  code: storableText().min(1).max(100).optional(),
  severity: z.enum(errorSeverities).optional(),
  /** ISO 8601 time; only errors at or after it. */
  since: z.iso.datetime({ offset: true }).optional(),
  ...page,
});

export const idParam = z.object({ id: z.uuid() });
