/*
 * Workflow interceptors, bundled into the workflow code (workflow-bundle.ts): this runs in Temporal's
 * deterministic sandbox, so the same rules as src/workflows apply (no Node built-ins, no I/O).
 *
 * They are @temporalio/interceptors-opentelemetry's own, with three changes:
 * - They act only on what arrives traced (its Temporal headers carry a trace context): untraced, a
 *   film costs nothing more than without them, so the bundle can always hold them.
 * - OpenTelemetry is loaded into a run only when its first traced message arrives. Each workflow
 *   instance evaluates its own copy of the modules it loads (the SDK shares only its own), and
 *   OpenTelemetry's (api, sdk-trace-base, core, semantic conventions) plus the tracer provider its
 *   interceptors register cost 238 KiB of heap per instance: 287 KiB against 49 KiB without them, about
 *   60 MiB for a cache of 250 films that nobody traces. They cannot be shared instead (the SDK's
 *   preloadModules): the api keeps the registered tracer provider in its own module state.
 * - What an activation does after a callback belongs to that callback's trace. The workflow's main
 *   story, not the signal handler, schedules the next service call once the callback is in its inbox;
 *   left alone, that call would join the trace of the request that started the film. Here it joins
 *   the trace of the webhook that made it happen: webhook → signal → handling → activity → HTTP call.
 */
import type * as OpenTelemetryApi from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type * as OpenTelemetryWorkflow from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  ActivityInput,
  ConcludeActivationInput,
  ContinueAsNewInput,
  DisposeInput,
  GetLogAttributesInput,
  Headers,
  LocalActivityInput,
  Next,
  QueryInput,
  SignalInput,
  UpdateInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptorsFactory,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { spanAttributes } from '../contracts/span-attributes';

/** The header a trace context travels in: TRACE_HEADER of @temporalio/interceptors-opentelemetry (test/unit/tracing.test.ts compares). */
export const traceHeader = '_tracer-data';

const traced = (headers: Headers) => headers[traceHeader] !== undefined;

/** OpenTelemetry as one run uses it, loaded by its first traced message. */
interface RunOpenTelemetry {
  api: typeof OpenTelemetryApi;
  inbound: OpenTelemetryWorkflow.OpenTelemetryInboundInterceptor;
  outbound: OpenTelemetryWorkflow.OpenTelemetryOutboundInterceptor;
  internals: OpenTelemetryWorkflow.OpenTelemetryInternalsInterceptor;
}

/** One run's tracing: OpenTelemetry once something traced arrived, and the trace of the message the current activation took. */
class RunTracing {
  otel?: RunOpenTelemetry;
  /** The trace of the callback (signal) or operator request (update) the current activation took, if it came traced. */
  message?: Context;

  /** Loaded here, not imported: the modules are evaluated (per instance) only in runs that trace. */
  load(): RunOpenTelemetry {
    if (!this.otel) {
      /* eslint-disable @typescript-eslint/no-require-imports -- a synchronous require evaluates the modules at this call */
      const api = require('@opentelemetry/api') as typeof OpenTelemetryApi;
      const workflow = require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof OpenTelemetryWorkflow;
      /* eslint-enable @typescript-eslint/no-require-imports */
      this.otel = {
        api,
        inbound: new workflow.OpenTelemetryInboundInterceptor(),
        outbound: new workflow.OpenTelemetryOutboundInterceptor(),
        internals: new workflow.OpenTelemetryInternalsInterceptor(),
      };
    }
    return this.otel;
  }
}

/** A callback's ids on its handling span: the same names as on the gateway's span and the activity's. */
function annotateCallback({ trace }: typeof OpenTelemetryApi, [event]: unknown[]): void {
  if (typeof event !== 'object' || event === null) return;
  const { taskId, projectId, sceneId } = event as Record<string, unknown>;
  const ids = { [spanAttributes.taskId]: taskId, [spanAttributes.projectId]: projectId, [spanAttributes.sceneId]: sceneId };
  for (const [name, value] of Object.entries(ids)) if (typeof value === 'string') trace.getActiveSpan()?.setAttribute(name, value);
}

class TracedInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly run: RunTracing) {}

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return traced(input.headers) ? this.run.load().inbound.execute(input, next) : next(input);
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    if (!traced(input.headers)) return next(input);
    const { api, inbound } = this.run.load();
    return inbound.handleSignal(input, (signal) => {
      annotateCallback(api, signal.args);
      this.run.message = api.context.active(); // inside the handling span
      return next(signal);
    });
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    if (!traced(input.headers)) return next(input);
    const { api, inbound } = this.run.load();
    return inbound.handleUpdate(input, (update) => {
      this.run.message = api.context.active();
      return next(update);
    });
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    if (traced(input.headers)) this.run.load().inbound.validateUpdate(input, next);
    else next(input);
  }

  handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    return traced(input.headers) ? this.run.load().inbound.handleQuery(input, next) : next(input);
  }
}

class TracedOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly run: RunTracing) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return this.underMessage((otel) => otel.scheduleActivity(input, next), () => next(input));
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return this.underMessage((otel) => otel.scheduleLocalActivity(input, next), () => next(input));
  }

  /** The next run continues the film's own trace (the one it was started in), whatever callback came last. */
  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    const otel = this.run.otel;
    return otel?.api.trace.getSpan(otel.api.context.active()) ? otel.outbound.continueAsNew(input, next) : next(input);
  }

  /** A log line inside a traced call carries its trace and span ids. */
  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    return this.run.otel ? this.run.otel.outbound.getLogAttributes(input, next) : next(input);
  }

  /** In the trace of the activation's callback when there is one, else in the workflow's own; untraced when neither is. */
  private underMessage<T>(tracedCall: (otel: RunOpenTelemetry['outbound']) => T, untracedCall: () => T): T {
    const otel = this.run.otel;
    if (!otel) return untracedCall();
    const { context, trace } = otel.api;
    const parent = this.run.message ?? context.active();
    return trace.getSpan(parent) ? context.with(parent, () => tracedCall(otel.outbound)) : untracedCall();
  }
}

class RunTracingInternals implements WorkflowInternalsInterceptor {
  constructor(private readonly run: RunTracing) {}

  /** A callback's trace ends with the activation that took it: a later timer or retry is not its doing. */
  concludeActivation(input: ConcludeActivationInput, next: Next<WorkflowInternalsInterceptor, 'concludeActivation'>) {
    this.run.message = undefined;
    return next(input);
  }

  /** The run's context manager stops with it, when it had one. */
  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    if (this.run.otel) void this.run.otel.internals.dispose(input, next);
    else next(input);
  }
}

/** Called once per workflow run: the state is the run's own. */
export const interceptors: WorkflowInterceptorsFactory = () => {
  const run = new RunTracing();
  return {
    inbound: [new TracedInbound(run)],
    outbound: [new TracedOutbound(run)],
    internals: [new RunTracingInternals(run)],
  };
};
