import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { activeTracing } from './tracing';

/**
 * `fetch` in a client span (`POST /api/extract`, with the URL and the answer's status; an error from
 * 400 on, as OpenTelemetry's HTTP conventions say), sending the span's context to the service as
 * `traceparent`: a service that keeps traces continues this one. Plain `fetch` when tracing is off.
 */
export async function tracedFetch(url: string, init: RequestInit & { method: string; headers: Record<string, string> }): Promise<Response> {
  if (!activeTracing()) return fetch(url, init);
  const target = new URL(url);
  const attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: init.method,
    [ATTR_URL_FULL]: url,
    [ATTR_SERVER_ADDRESS]: target.hostname,
    [ATTR_SERVER_PORT]: Number(target.port) || (target.protocol === 'https:' ? 443 : 80),
  };
  const tracer = trace.getTracer('reelay-worker');
  return tracer.startActiveSpan(`${init.method} ${target.pathname}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const headers = { ...init.headers };
    propagation.inject(context.active(), headers);
    try {
      const response = await fetch(url, { ...init, headers });
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
      if (response.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
      return response;
    } catch (err) {
      span.setAttribute(ATTR_ERROR_TYPE, err instanceof Error ? err.name : 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
