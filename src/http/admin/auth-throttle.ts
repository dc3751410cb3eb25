import type { Context } from 'koa';
import type { Logger } from '../../platform/logger';
import { clientAddressKey } from '../client-address';
import { HttpError } from '../errors';
import type { GatewayMetrics } from '../metrics';
import type { RateLimiter } from '../rate-limit';

export type AuthRoute = 'sign_in' | 'bearer';

export interface AuthThrottleOptions {
  /** Absent when rate limiting is off: failures are still counted and logged, never refused. */
  limiter?: RateLimiter;
  /** Wrong tokens per window and address before the address is refused. */
  limit: number;
  metrics: GatewayMetrics;
  logger: Logger;
}

/**
 * Slows down guessing the admin token: every wrong token (at sign-in or as a bearer) counts against the
 * client's address (an IPv6 /64), and an address that reached the limit within the window gets 429 with
 * Retry-After for any token, right or wrong, until its oldest failure leaves the window. The failure that
 * reaches the limit is a burst: logged with the address and counted, which the AdminTokenGuessing alert
 * watches. Successful sign-ins cost nothing here.
 */
export function createAuthThrottle({ limiter, limit, metrics, logger }: AuthThrottleOptions) {
  const key = (ctx: Context) => `${limiter?.keyPrefix}:auth-failures:${clientAddressKey(ctx.ip)}`;

  return {
    /** 429 when this address has used up its wrong tokens for now. */
    async refuseIfThrottled(ctx: Context): Promise<void> {
      if (!limiter) return;
      const { usage, reset } = await limiter.backend.check(key(ctx), limit);
      if (usage < limit) return;
      metrics.rateLimitHits.inc({ endpoint: 'auth_failures' });
      const retryAfter = String(Math.max(1, Math.ceil((reset ?? limiter.windowMs) / 1000)));
      throw new HttpError(429, 'rate_limited', 'Too many wrong admin tokens from this address: wait before trying again', undefined, {
        'retry-after': retryAfter,
      });
    },

    /** Counts a wrong token from this address. */
    async failed(ctx: Context, route: AuthRoute): Promise<void> {
      metrics.authFailures.inc({ route });
      if (!limiter) return;
      const result = await limiter.backend.reserve(key(ctx), limit);
      if (result.token !== undefined && result.usage === limit) {
        metrics.authFailureBursts.inc();
        logger.warn({ ip: ctx.ip, address: clientAddressKey(ctx.ip), route, failures: limit, windowMs: limiter.windowMs }, 'Burst of wrong admin tokens from one address: refusing it for now');
      }
    },
  };
}

export type AuthThrottle = ReturnType<typeof createAuthThrottle>;
