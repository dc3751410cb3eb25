import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { HttpError } from '../errors';
import type { AuthThrottle } from './auth-throttle';
import type { ConsoleSessions } from './session';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether `candidate` is the admin token, compared in constant time. */
export function tokenMatcher(token: string): (candidate: string) => boolean {
  const expected = digest(token);
  // Hashing both sides gives equal lengths, so the comparison never leaks the token's length.
  return (candidate) => timingSafeEqual(digest(candidate), expected);
}

/** What the operator's paths check a caller against: the admin token, the console's sessions, and the throttle on wrong tokens. */
export interface AdminAccess {
  isToken(candidate: string): boolean;
  sessions: ConsoleSessions;
  throttle: AuthThrottle;
}

export const adminAccess = (token: string, sessions: ConsoleSessions, throttle: AuthThrottle): AdminAccess => ({
  isToken: tokenMatcher(token),
  sessions,
  throttle,
});

/**
 * 401 unless the request carries `Authorization: Bearer <token>` with the admin token, or the console's
 * session cookie (with its CSRF token when it changes something: see session.ts). A wrong bearer token
 * counts against the client's address (auth-throttle.ts); past the limit it is a 429 before any check.
 */
export function requireAdmin(access: AdminAccess): Middleware {
  return async function requireAdmin(ctx, next) {
    const authorization = ctx.get('authorization');
    let allowed: boolean;
    if (authorization) {
      await access.throttle.refuseIfThrottled(ctx);
      const match = /^Bearer\s+(.+)$/i.exec(authorization);
      allowed = Boolean(match && access.isToken(match[1].trim()));
      if (!allowed) await access.throttle.failed(ctx, 'bearer');
    } else {
      allowed = await access.sessions.has(ctx);
    }
    if (!allowed) {
      throw new HttpError(401, 'unauthorized', 'This path needs Authorization: Bearer <ADMIN_API_TOKEN> (or the console\'s sign-in)', undefined, {
        'www-authenticate': 'Bearer realm="reelay-admin"',
      });
    }
    await next();
  };
}
