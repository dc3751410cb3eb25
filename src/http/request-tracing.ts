import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import type { Middleware } from 'koa';
import { spanAttributes } from '../contracts/span-attributes';
import type { AppState } from './request-context';

/** Scrapes and probes, every few seconds from machines: a trace each would bury the films'. */
const untracedPaths = new Set(['/health', '/metrics']);

/**
 * A server span per request, named by its route (`POST /api/webhooks/video-complete`), continuing the
 * caller's trace when it sends `traceparent`. Outermost, so the request's log lines, its signal to
 * Temporal and its answer all happen inside it. Installed only when tracing is on.
 */
export function traceRequests(): Middleware<AppState> {
  const tracer = trace.getTracer('reelay-gateway');
  return async function traceRequest(ctx, next) {
    if (untracedPaths.has(ctx.path)) {
      await next();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, ctx.headers);
    const attributes = { [ATTR_HTTP_REQUEST_METHOD]: ctx.method, [ATTR_URL_PATH]: ctx.path };
    await tracer.startActiveSpan(ctx.method, { kind: SpanKind.SERVER, attributes }, parent, async (span) => {
      try {
        await next();
      } finally {
        const route = (ctx as { _matchedRoute?: unknown })._matchedRoute; // set by @koa/router (what @opentelemetry/instrumentation-koa reads too)
        if (typeof route === 'string') {
          span.updateName(`${ctx.method} ${route}`);
          span.setAttribute(ATTR_HTTP_ROUTE, route);
        }
        span.setAttributes({ [ATTR_HTTP_RESPONSE_STATUS_CODE]: ctx.status, [spanAttributes.requestId]: ctx.state.requestId });
        if (ctx.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    });
  };
}
