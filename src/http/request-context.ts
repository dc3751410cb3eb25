import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../platform/logger';

export interface AppState {
  requestId: string;
  /** Logger bound to this request's id. */
  log: Logger;
}

const requestIdPattern = /^[\w.:-]{1,128}$/;

/**
 * Gives each request an id (the caller's X-Request-Id when it is sane, else a new one), echoes it,
 * and logs one line per request with its status and duration.
 */
export function requestContext(
  logger: Logger,
  /** A more verbose level for some paths (DEBUG=webhooks:* for the webhook pipeline). */
  levelFor: (path: string) => string | undefined = () => undefined,
): Middleware<AppState> {
  return async (ctx, next) => {
    const given = ctx.get('x-request-id');
    const requestId = requestIdPattern.test(given) ? given : randomUUID();
    const level = levelFor(ctx.path);
    ctx.state.requestId = requestId;
    ctx.state.log = level ? logger.child({ requestId }, { level }) : logger.child({ requestId });
    ctx.set('x-request-id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.state.log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
    }
  };
}
