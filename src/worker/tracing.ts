import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { ActivityInterceptorsFactory, InjectedSinks, WorkerOptions } from '@temporalio/worker';
import { activeTracing } from '../platform/tracing';

/**
 * The workflow side of tracing (workflow-tracing-interceptors.ts), in every worker's workflow code
 * whether it traces or not (workflow-bundle.ts says why): it doubles the bundle (1.7 to 3.4 MiB) and
 * adds 3 s to bundling, which is the price of any worker replaying any film's history.
 */
export const workflowInterceptorModules = [require.resolve('./workflow-tracing-interceptors')];

/**
 * Workflow spans leave the sandbox through this sink. It is registered even with tracing off: a film
 * started by a gateway that traces still sends its spans here, and they are dropped rather than
 * logged as calls to a missing sink.
 */
function workflowSpanSinks(): InjectedSinks<OpenTelemetrySinks> {
  const tracing = activeTracing();
  return { exporter: tracing ? makeWorkflowExporter(tracing.spanProcessor, tracing.resource) : { export: { fn: () => {} } } };
}

/** A span around each activity, continuing the trace the workflow put in its headers; log lines inside carry its ids. */
const traceActivity: ActivityInterceptorsFactory = (ctx) => ({
  inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
  outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
});

/**
 * Adds tracing to a worker's options: the workflow interceptors (when it bundles from source; always,
 * see workflowInterceptorModules), the sink for workflow spans and, when tracing is on, the activity span (outermost, so whatever the other
 * activity interceptors do runs inside it).
 */
export function withTracing(options: WorkerOptions): WorkerOptions {
  const traced = activeTracing() !== undefined;
  const { interceptors = {} } = options;
  return {
    ...options,
    interceptors: {
      ...interceptors,
      activity: [...(traced ? [traceActivity] : []), ...(interceptors.activity ?? [])],
      // A prebuilt bundle already holds them (the SDK warns when they are given beside one).
      ...(!options.workflowBundle ? { workflowModules: [...(interceptors.workflowModules ?? []), ...workflowInterceptorModules] } : {}),
    },
    sinks: { ...options.sinks, ...workflowSpanSinks() },
  };
}
