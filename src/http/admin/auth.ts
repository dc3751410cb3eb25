import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { HttpError } from '../errors';
import { hasSession } from './session';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether `candidate` is the admin token, compared in constant time. */
export function tokenMatcher(token: string): (candidate: string) => boolean {
  const expected = digest(token);
  // Hashing both sides gives equal lengths, so the comparison never leaks the token's length.
  return (candidate) => timingSafeEqual(digest(candidate), expected);
}

/**
 * 401 unless the request carries `Authorization: Bearer <token>` with the admin token, or the console's
 * session cookie (with its CSRF token when it changes something: see session.ts).
 */
export function requireAdmin(token: string): Middleware {
  const isToken = tokenMatcher(token);
  return async (ctx, next) => {
    const authorization = ctx.get('authorization');
    const match = /^Bearer\s+(.+)$/i.exec(authorization);
    const allowed = authorization ? Boolean(match && isToken(match[1].trim())) : hasSession(ctx);
    if (!allowed) {
      throw new HttpError(401, 'unauthorized', 'This path needs Authorization: Bearer <ADMIN_API_TOKEN> (or the console\'s sign-in)', undefined, {
        'www-authenticate': 'Bearer realm="reelay-admin"',
      });
    }
    await next();
  };
}
