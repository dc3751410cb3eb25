import { z } from 'zod';
import { clientIdSchema } from '../../contracts/ids';

/** A quota given to one client; `null` puts it back on the gateway's default. */
const limit = (max: number) => z.number().int().min(1).max(max).nullable().optional();

export const clientLimits = {
  /** Project API requests a minute (CLIENT_REQUESTS_PER_MINUTE when absent or null). */
  requests_per_minute: limit(1_000_000),
  /** Films pending, generating or stitching at once (CLIENT_MAX_RUNNING_FILMS when absent or null). */
  max_running_films: limit(100_000),
};

export const createClientBody = z.object({ name: clientIdSchema, ...clientLimits }).strict();
export const clientLimitsBody = z.object(clientLimits).strict();

/** A new key; with `rotate`, the client's other working keys expire after `overlap_seconds` (default a day). */
export const newKeyBody = z
  .object({
    rotate: z.boolean().default(false),
    overlap_seconds: z.number().int().min(0).max(30 * 24 * 3600).default(24 * 3600),
  })
  .strict();

export const clientParam = z.object({ name: clientIdSchema });
export const keyParam = z.object({ name: clientIdSchema, key: z.string().regex(/^k_[0-9a-f]{12}$/, 'must be a key id, k_ and 12 hex digits') });

const keyInfo = z.object({
  id: z.string(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

export const clientView = z.object({
  name: z.string(),
  requests_per_minute: z.number().int().nullable(),
  max_running_films: z.number().int().nullable(),
  created_at: z.string(),
});

export const clientSummaryView = clientView.extend({
  running_films: z.number().int(),
  working_keys: z.number().int(),
  /** The quotas that apply, with the gateway's defaults filled in. */
  effective: z.object({ requests_per_minute: z.number().int(), max_running_films: z.number().int() }),
});

export const keyInfoView = keyInfo;
export const newKeyView = z.object({
  client: z.string(),
  key_id: z.string(),
  key: z.string().describe('The key itself: shown this once, never stored (only its SHA-256 is)'),
  created_at: z.string(),
  /** With rotate: the keys that now expire, and when. */
  expiring: z.array(keyInfo).optional(),
});
