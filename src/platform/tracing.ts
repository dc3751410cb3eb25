import { isSpanContextValid, trace, type ProxyTracerProvider } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/*
 * OpenTelemetry traces, off unless the environment asks for them. Off, nothing is installed: the
 * OpenTelemetry API stays a no-op, and the SDK (a second and 20 MiB to load) is never imported.
 */

/** The running SDK: where spans go, and what the worker hands its workflow spans to. */
export interface Tracing {
  /** Every span processor of the SDK, behind one: workflow spans reach the same exporters. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Sends what is buffered, then stops. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/**
 * Whether the environment asks for traces, in the OpenTelemetry spec's variables: an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or an exporter named in
 * OTEL_TRACES_EXPORTER (`otlp`, `console`, `zipkin`); OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none
 * turn them off.
 */
export function tracesRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  if (exporters.length) return exporters.some((name) => name !== 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * Starts the OpenTelemetry Node SDK for traces only (logs stay pino's, metrics Prometheus'). Exporters
 * come from the environment (OTLP over http/protobuf by default) unless `spanProcessors` are given, as
 * tests give an in-memory exporter. OTEL_SERVICE_NAME, when set, wins over `serviceName`. Once per process.
 */
export async function startTracing(serviceName: string, spanProcessors?: SpanProcessor[]): Promise<Tracing> {
  if (active) return active;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ? undefined : serviceName,
    spanProcessors,
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  // The SDK keeps its provider to itself; the global one it registered is that provider, behind a proxy.
  const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as NodeTracerProvider;
  active = {
    spanProcessor: provider.getActiveSpanProcessor(),
    resource: provider.resource,
    async shutdown() {
      active = undefined;
      await sdk.shutdown();
    },
  };
  return active;
}

/** `startTracing` when the environment asks for traces (see `tracesRequested`); otherwise nothing at all. */
export async function startTracingFromEnvironment(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  return tracesRequested(env) ? startTracing(serviceName) : undefined;
}

/** Where traces go, for a start-up line: the OTLP endpoint, else the exporters named (the spec's default endpoint for `otlp`). */
export function tracesDestination(env: NodeJS.ProcessEnv = process.env): string {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const exporters = env.OTEL_TRACES_EXPORTER?.trim() || 'otlp';
  return endpoint ? `${exporters} ${endpoint}` : exporters === 'otlp' ? 'otlp http://localhost:4318' : exporters;
}

/** The running SDK, if any: the gateway and the worker add their Temporal interceptors only then. */
export const activeTracing = (): Tracing | undefined => active;

/**
 * `trace_id` and `span_id` of the span this code runs in, for log lines (pino's mixin); nothing
 * outside a span. A new object each time: pino merges the line's own fields into it.
 */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {};
}

/** Adds what a span is about (project, scene, task) to the span this code runs in; values left undefined are skipped. */
export function annotateActiveSpan(attributes: Record<string, string | number | undefined>): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.setAttributes(Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== undefined)));
}
