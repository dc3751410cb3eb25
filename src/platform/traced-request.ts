import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { request, type Dispatcher } from 'undici';
import { activeTracing } from './tracing';

export interface OutboundRequest {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

/**
 * An HTTP request through undici's `request` (kept-alive connections, no redirect followed), in a client
 * span (`POST /api/extract`, with the URL and the answer's status; an error from 400 on, as
 * OpenTelemetry's HTTP conventions say), sending the span's context to the service as `traceparent`: a
 * service that keeps traces continues this one. A plain request when tracing is off. Global `fetch` does
 * the same through the same library, and in the worker's CPU profile cost several times as much per call
 * (its Request, Headers and Response objects and web streams). The answer's body must be read or dumped.
 */
export async function tracedRequest(url: string, init: OutboundRequest): Promise<Dispatcher.ResponseData> {
  if (!activeTracing()) return request(url, init);
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
      const response = await request(url, { ...init, headers });
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
      if (response.statusCode >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
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
