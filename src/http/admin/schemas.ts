import { z } from 'zod';
import { filmIdSchema } from '../../contracts/ids';
import { errorSeverities, projectStatuses, webhookOutcomes } from '../../contracts/statuses';
import { webhookEndpoints } from '../../contracts/steps';
import { queryParams, storableText } from '../../contracts/text';

const page = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.uuid().optional(),
};

/** queryParams: any parameter holding text PostgreSQL cannot store (NUL, lone surrogate) is a 400 naming it. */
const isoTime = z.iso.datetime({ offset: true });

export const eventListQuery = queryParams({
  project_id: filmIdSchema.optional(),
  endpoint: z.enum(webhookEndpoints).optional(),
  outcome: z.enum(webhookOutcomes).optional(),
  /** ISO 8601 time; only events received at or after it. */
  since: isoTime.optional(),
  /** ISO 8601 time; only events received before it. */
  until: isoTime.optional(),
  ...page,
});

export const errorListQuery = queryParams({
  /** The guide's category: webhook, activity, workflow, system. */
  type: storableText().min(1).max(100).optional(),
  /** The specific reason within a category, e.g. invalid_signature, task_failed. */
  code: storableText().min(1).max(100).optional(),
  severity: z.enum(errorSeverities).optional(),
  /** ISO 8601 time; only errors at or after it. */
  since: isoTime.optional(),
  ...page,
});

export const idParam = z.object({ id: z.uuid() });

export const filmListQuery = queryParams({
  status: z.enum(projectStatuses).optional(),
  /** Part of the project id, any case. */
  q: storableText().min(1).max(128).optional(),
  limit: page.limit,
  cursor: filmIdSchema.optional(),
});

/** The operator names a film by its whole id (`harbour-01@acme`, or a bare id for an operator's film). */
export const projectParam = z.object({ id: filmIdSchema });

export const cancelBody = z.object({ reason: storableText().max(500).optional() }).strict();
