import type { Middleware } from 'koa';
import type { ApiKeys } from '../../storage/api-keys';
import type { AdminAccess } from '../admin/auth';
import { HttpError } from '../errors';
import type { GatewayMetrics } from '../metrics';
import type { RateLimiter } from '../rate-limit';
import type { AppState } from '../request-context';

/** Who is calling the project API: a client with its quotas, or the operator (admin token or console session). */
export type Caller =
  | { kind: 'client'; clientId: string; keyId: string; requestsPerMinute: number; maxRunningFilms: number }
  | { kind: 'operator' };

export interface ProjectApiState extends AppState {
  caller: Caller;
}

export interface ClientQuotaDefaults {
  requestsPerMinute: number;
  maxRunningFilms: number;
}

const problems = {
  api_key_missing: 'This path needs an API key: send Authorization: Bearer rk_… (make one with `npm run clients -- create <name>`)',
  api_key_invalid: 'The API key is not one of this gateway\'s keys',
  api_key_revoked: 'The API key was revoked: use another of the client\'s keys',
  api_key_expired: 'The API key expired after a rotation: use the client\'s new key',
} as const;

const refuse = (code: keyof typeof problems) =>
  new HttpError(401, code, problems[code], undefined, { 'www-authenticate': `Bearer realm="reelay", error="invalid_token"` });

/**
 * Identifies the caller of the project API from `Authorization: Bearer <credential>`: a client's API key
 * (`rk_…`), or the admin token; without the header, the console's session cookie. Anything else is a 401
 * whose code names the problem (missing, invalid, revoked, expired key). A refused credential counts
 * against the caller's address like a wrong admin token (auth-throttle.ts).
 */
export function identifyCaller(access: AdminAccess, apiKeys: ApiKeys, defaults: ClientQuotaDefaults): Middleware<ProjectApiState> {
  return async function identifyCaller(ctx, next) {
    const authorization = ctx.get('authorization');
    if (!authorization) {
      if (!(await access.sessions.has(ctx))) throw refuse('api_key_missing');
      ctx.state.caller = { kind: 'operator' };
      await next();
      return;
    }
    const credential = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (!credential) throw refuse('api_key_missing');
    await access.throttle.refuseIfThrottled(ctx);
    if (access.isToken(credential)) {
      ctx.state.caller = { kind: 'operator' };
      await next();
      return;
    }
    const check = await apiKeys.check(credential);
    if (!check.ok) {
      await access.throttle.failed(ctx, 'bearer');
      throw refuse(check.problem);
    }
    ctx.state.caller = {
      kind: 'client',
      clientId: check.clientId,
      keyId: check.keyId,
      requestsPerMinute: check.requestsPerMinute ?? defaults.requestsPerMinute,
      maxRunningFilms: check.maxRunningFilms ?? defaults.maxRunningFilms,
    };
    ctx.state.log = ctx.state.log.child({ clientId: check.clientId, keyId: check.keyId });
    await next();
  };
}

/**
 * A client's requests a minute on the project API, over a sliding window shared by every gateway replica
 * (in Redis when REDIS_URL is set). The operator is not limited here. Past the limit: 429 with
 * Retry-After and the limit named in the body.
 */
export function clientRequestQuota(limiter: RateLimiter, metrics: GatewayMetrics): Middleware<ProjectApiState> {
  const windowSeconds = Math.ceil(limiter.windowMs / 1000);
  return async function clientRequestQuota(ctx, next) {
    const { caller } = ctx.state;
    if (caller.kind !== 'client') {
      await next();
      return;
    }
    const limit = caller.requestsPerMinute;
    const result = await limiter.backend.reserve(`${limiter.keyPrefix}:client:${caller.clientId}`, limit);
    const resetSeconds = Math.max(1, Math.ceil((result.reset ?? limiter.windowMs) / 1000));
    ctx.set({ 'ratelimit-policy': `${limit};w=${windowSeconds}`, 'ratelimit-remaining': String(Math.max(0, limit - result.usage)) });
    if (result.token === undefined && result.usage >= limit) {
      metrics.clientQuotaRefusals.inc({ client: caller.clientId, quota: 'requests_per_minute' });
      throw new HttpError(
        429,
        'quota_exceeded',
        `Client ${caller.clientId} may make ${limit} project API requests a minute`,
        { quota: 'requests_per_minute', limit, window_seconds: windowSeconds },
        { 'retry-after': String(resetSeconds) },
      );
    }
    metrics.clientRequests.inc({ client: caller.clientId });
    await next();
  };
}

/** How long a client refused for films at once is told to wait: films take minutes, so polling faster helps nobody. */
export const runningFilmsRetryAfterSeconds = 30;
