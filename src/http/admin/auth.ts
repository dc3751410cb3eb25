import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { HttpError } from '../errors';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** 401 unless `Authorization: Bearer <token>` carries the admin token (compared in constant time). */
export function requireBearer(token: string): Middleware {
  const expected = digest(token);
  return async (ctx, next) => {
    const match = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'));
    // Hashing both sides gives equal lengths, so the comparison never leaks the token's length.
    if (!match || !timingSafeEqual(digest(match[1].trim()), expected)) {
      throw new HttpError(401, 'unauthorized', 'This path needs Authorization: Bearer <ADMIN_API_TOKEN>', undefined, {
        'www-authenticate': 'Bearer realm="reelay-admin"',
      });
    }
    await next();
  };
}
