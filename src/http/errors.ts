import type { Middleware } from 'koa';
import { captureError } from '../platform/error-monitoring';
import type { Logger } from '../platform/logger';

/** An error meant for the client: its status, a stable machine-readable code and a human message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Errors raised by Koa's own helpers and raw-body carry an HTTP status; keep it, give it a code. */
const codeForStatus: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * Where the services' guide prints an answer's `error`, that wording is kept (clients match on it);
 * `code` carries the machine-readable reason on every error either way.
 */
const guideWording: Record<string, string> = {
  rate_limited: 'Rate limit exceeded',
};

/** The JSON body of an error answer. */
export const errorBody = (code: string, message: string, extra: Record<string, unknown> = {}) => ({
  error: guideWording[code] ?? code,
  code,
  message,
  ...extra,
});

/**
 * Every failure leaves as JSON `{ error, code, message, details? }`. Unexpected errors become a 500 with the
 * request id and nothing else: no stack trace or internal message reaches the client. They are logged,
 * and reported to error monitoring when it is on.
 */
export function jsonErrors(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}`);
      }
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) {
        // The router answers 501 to methods it does not know (TRACE, PROPFIND): for a path that exists
        // that is still "not allowed here", a client error; the Allow header it set says what is.
        ctx.status = 405;
        ctx.body = errorBody('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}; allowed: ${ctx.response.get('Allow')}`);
      }
    } catch (err) {
      const requestId = ctx.state.requestId as string | undefined;
      const { status, code } = failureOf(err);
      ctx.status = status;
      if (err instanceof HttpError) {
        ctx.set(err.headers);
        ctx.body = errorBody(code, err.message, err.details ? { details: err.details } : {});
      } else if (status < 500) {
        ctx.body = errorBody(code, (err as Error).message);
      } else if (code === 'database_busy') {
        logger.warn({ err, requestId, method: ctx.method, path: ctx.path }, 'The database could not start a transaction in time');
        ctx.set('retry-after', '1');
        ctx.body = errorBody(code, 'The database is busy; retry shortly', { request_id: requestId });
      } else {
        const context = { requestId, method: ctx.method, path: ctx.path };
        logger.error({ err, ...context }, 'Request failed');
        captureError(err, context);
        ctx.body = errorBody(code, 'Internal server error', { request_id: requestId });
      }
    }
  };
}

/** The status and code a failure is answered with (by `jsonErrors`; the webhook access log reports the same). */
export function failureOf(err: unknown): { status: number; code: string } {
  if (err instanceof HttpError) return { status: err.status, code: err.code };
  // Prisma's P2028 (no transaction could start within its wait) and PostgreSQL's 55P03 (a lock not had
  // within lock_timeout: a burst of one client's creates queued on its quota lock, storage/film-rows.ts).
  // A dependency not ready, not a fault: 503, asked again shortly.
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'P2028' || code === '55P03') return { status: 503, code: 'database_busy' };
  const status = httpStatusOf(err);
  return status && status < 500 ? { status, code: codeForStatus[status] ?? 'bad_request' } : { status: 500, code: 'internal_error' };
}

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}
