import Redis from 'ioredis';
import type { Context, Middleware } from 'koa';
import {
  MemorySlidingWindowRateLimiter,
  SafeRedisSlidingWindowRateLimiter,
  type SlidingWindowRateLimiterBackend,
} from 'sliding-window-rate-limiter';
import type { Logger } from '../platform/logger';
import { clientAddressKey } from './client-address';
import { HttpError } from './errors';
import type { GatewayMetrics } from './metrics';

export interface RateLimiterOptions {
  windowMs: number;
  /** Shared limits across gateway replicas when set; in memory (per process) otherwise. */
  redisUrl?: string;
  /** Keeps test runs (and several deployments on one Redis) apart. */
  keyPrefix?: string;
  logger: Logger;
  metrics: GatewayMetrics;
}

export interface RateLimiter {
  backend: SlidingWindowRateLimiterBackend;
  keyPrefix: string;
  windowMs: number;
  close(): void;
}

/**
 * A sliding one-minute window per client address: every request within the last window counts, so
 * there is no burst at a window boundary. In Redis (a sorted set per key, updated by one Lua script) the
 * limit holds across replicas; if Redis fails, requests are let through rather than lost (a webhook
 * refused would be retried, but an outage of Redis would refuse every one), and the failure is logged
 * and counted (reelay_rate_limiter_errors_total). Redis is tried again two seconds later.
 */
export function createRateLimiter({ windowMs, redisUrl, keyPrefix = 'reelay:rl', logger, metrics }: RateLimiterOptions): RateLimiter {
  if (!redisUrl) {
    const backend = new MemorySlidingWindowRateLimiter({ interval: windowMs });
    return { backend, keyPrefix, windowMs, close: () => backend.destroy() };
  }
  // While Redis is away a limiter call gives up after operationTimeout, so no request waits on it long.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, retryStrategy: () => 1000 });
  redis.on('error', () => {}); // reported through the limiter's own error event below
  const backend = new SafeRedisSlidingWindowRateLimiter({
    redis: redis as never,
    interval: windowMs,
    operationTimeout: 500,
    reuseRedisAfter: 2000,
  });
  backend.on('error', (err: Error) => {
    metrics.rateLimiterErrors.inc();
    logger.warn({ err }, 'Rate limiter store unavailable: letting requests through');
  });
  return {
    backend,
    keyPrefix,
    windowMs,
    close: () => {
      backend.destroy();
      redis.disconnect();
    },
  };
}

/**
 * Counts this request against `name`'s limit for the client's address (an IPv6 address by its /64) and
 * throws 429 with Retry-After once `limit` requests were made within the window. Sets the IETF
 * RateLimit-* headers on every answer.
 */
export async function enforceLimit(ctx: Context, name: string, limit: number, limiter: RateLimiter, metrics: GatewayMetrics): Promise<void> {
  const windowSeconds = Math.ceil(limiter.windowMs / 1000);
  const result = await limiter.backend.reserve(`${limiter.keyPrefix}:${name}:${clientAddressKey(ctx.ip)}`, limit);
  const resetSeconds = Math.max(1, Math.ceil((result.reset ?? limiter.windowMs) / 1000));
  ctx.set({
    'ratelimit-policy': `${limit};w=${windowSeconds}`,
    'ratelimit-limit': String(limit),
    'ratelimit-remaining': String(Math.max(0, limit - result.usage)),
    'ratelimit-reset': String(resetSeconds),
  });
  if (result.token === undefined && result.usage >= limit) {
    metrics.rateLimitHits.inc({ endpoint: name });
    throw new HttpError(429, 'rate_limited', `Too many requests: at most ${limit} per ${windowSeconds}s from one client`, undefined, {
      'retry-after': String(resetSeconds),
    });
  }
}

/** enforceLimit as a middleware, for one route's pipeline (the webhooks'). */
export function rateLimit(name: string, limit: number, limiter: RateLimiter, metrics: GatewayMetrics): Middleware {
  return async function rateLimit(ctx, next) {
    await enforceLimit(ctx, name, limit, limiter, metrics);
    await next();
  };
}
