import type Router from '@koa/router';
import { z } from 'zod';
import { storableText } from '../../contracts/text';
import type { SpendLimits } from '../../storage/spend-limits';
import { HttpError } from '../errors';
import { readJsonBody } from '../json-body';
import type { AppState } from '../request-context';
import { parseOrThrow } from '../validation';
import type { requireAdmin } from './auth';
import { clientParam } from './client-schemas';

/** A default limit, in the unit the film's provider reports (as a request's `spend_limit`); null removes it. */
export const spendLimitBody = z.object({ spend_limit: z.number().min(0).max(1e9).nullable() }).strict();
/** The user as the client's create requests name it (`user_id`, trimmed as they are). */
export const userParam = clientParam.extend({ user_id: storableText({ nonBlank: true }).max(128).trim() });

export const spendLimitsView = z.object({
  client: z.string(),
  /** The client's default; null: the gateway's SPEND_LIMIT. */
  spend_limit: z.number().nullable(),
  /** The gateway's SPEND_LIMIT (null: none), what a film gets when neither its user nor its client has a default. */
  gateway_default: z.number().nullable(),
  users: z.array(z.object({ user_id: z.string(), spend_limit: z.number(), updated_at: z.string() })),
  /** The latest changes, newest first (user_id null: the client's own default; spend_limit null: removed). */
  changes: z.array(z.object({ user_id: z.string().nullable(), spend_limit: z.number().nullable(), changed_by: z.string(), changed_at: z.string() })),
});

export interface SpendLimitRouteDeps {
  spendLimits: SpendLimits;
  /** SPEND_LIMIT: the default under every client's and user's. */
  gatewayDefault: number | null;
}

const maxBodyBytes = 1024;

/**
 * A client's default spend limits (docs/review.md#the-spend-limit), on the clients' admin router: its
 * own and its users', each change recorded with who made it. A new film takes the first of its request's
 * `spend_limit`, its user's default, its client's, SPEND_LIMIT; films already started keep theirs.
 */
export function addSpendLimitRoutes(router: Router<AppState>, admin: ReturnType<typeof requireAdmin>, { spendLimits, gatewayDefault }: SpendLimitRouteDeps): void {
  const changedBy = (ctx: { get(header: string): string }) => (ctx.get('authorization') ? 'admin token' : 'console');
  async function view(clientId: string): Promise<z.infer<typeof spendLimitsView>> {
    const limits = await spendLimits.ofClient(clientId);
    if (!limits) throw new HttpError(404, 'client_not_found', `No client ${clientId}`);
    return {
      client: clientId,
      spend_limit: limits.spendLimit,
      gateway_default: gatewayDefault,
      users: limits.users.map((u) => ({ user_id: u.userId, spend_limit: u.spendLimit, updated_at: u.updatedAt.toISOString() })),
      changes: limits.changes.map((c) => ({ user_id: c.userId, spend_limit: c.spendLimit, changed_by: c.changedBy, changed_at: c.changedAt.toISOString() })),
    };
  }

  router.get('/:name/spend-limits', admin, async (ctx) => {
    const { name } = parseOrThrow(clientParam, ctx.params, 'Path');
    ctx.body = await view(name);
  });

  router.put('/:name/spend-limit', admin, async (ctx) => {
    const { name } = parseOrThrow(clientParam, ctx.params, 'Path');
    const body = parseOrThrow(spendLimitBody, await readJsonBody(ctx, maxBodyBytes), 'Body');
    await view(name); // 404 for a client that does not exist
    await spendLimits.setForClient(name, body.spend_limit, changedBy(ctx));
    ctx.body = await view(name);
  });

  router.put('/:name/users/:user_id/spend-limit', admin, async (ctx) => {
    const { name, user_id: userId } = parseOrThrow(userParam, ctx.params, 'Path');
    const body = parseOrThrow(spendLimitBody, await readJsonBody(ctx, maxBodyBytes), 'Body');
    await view(name);
    await spendLimits.setForUser(name, userId, body.spend_limit, changedBy(ctx));
    ctx.body = await view(name);
  });
}
