/*
 * Workflow interceptors, bundled into the workflow code (workflow-bundle.ts): this runs in Temporal's
 * deterministic sandbox, so the same rules as src/workflows apply (no Node built-ins, no I/O).
 *
 * They are @temporalio/interceptors-opentelemetry's own, with two changes:
 * - They act only on what arrives traced (its Temporal headers carry a trace context): untraced, a
 *   film costs nothing more than without them, so the bundle can always hold them.
 * - What an activation does after a callback belongs to that callback's trace. The workflow's main
 *   story, not the signal handler, schedules the next service call once the callback is in its inbox;
 *   left alone, that call would join the trace of the request that started the film. Here it joins
 *   the trace of the webhook that made it happen: webhook → signal → handling → activity → HTTP call.
 */
import { context, trace, type Context } from '@opentelemetry/api';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  ActivityInput,
  ConcludeActivationInput,
  ContinueAsNewInput,
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

const traced = (headers: Headers) => headers[TRACE_HEADER] !== undefined;

/** The trace of the callback (signal) or operator request (update) the current activation took, if it came traced. */
interface MessageTrace {
  context?: Context;
}

/** A callback's ids on its handling span: the same names as on the gateway's span and the activity's. */
function annotateCallback([event]: unknown[]): void {
  if (typeof event !== 'object' || event === null) return;
  const { taskId, projectId, sceneId } = event as Record<string, unknown>;
  const ids = { [spanAttributes.taskId]: taskId, [spanAttributes.projectId]: projectId, [spanAttributes.sceneId]: sceneId };
  for (const [name, value] of Object.entries(ids)) if (typeof value === 'string') trace.getActiveSpan()?.setAttribute(name, value);
}

class TracedInbound implements WorkflowInboundCallsInterceptor {
  private readonly otel = new OpenTelemetryInboundInterceptor();

  constructor(private readonly message: MessageTrace) {}

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return traced(input.headers) ? this.otel.execute(input, next) : next(input);
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    if (!traced(input.headers)) return next(input);
    return this.otel.handleSignal(input, (signal) => {
      annotateCallback(signal.args);
      this.message.context = context.active(); // inside the handling span
      return next(signal);
    });
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    if (!traced(input.headers)) return next(input);
    return this.otel.handleUpdate(input, (update) => {
      this.message.context = context.active();
      return next(update);
    });
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    if (traced(input.headers)) this.otel.validateUpdate(input, next);
    else next(input);
  }

  handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    return traced(input.headers) ? this.otel.handleQuery(input, next) : next(input);
  }
}

class TracedOutbound implements WorkflowOutboundCallsInterceptor {
  private readonly otel = new OpenTelemetryOutboundInterceptor();

  constructor(private readonly message: MessageTrace) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return this.underMessage(() => this.otel.scheduleActivity(input, next), () => next(input));
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return this.underMessage(() => this.otel.scheduleLocalActivity(input, next), () => next(input));
  }

  /** The next run continues the film's own trace (the one it was started in), whatever callback came last. */
  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    return trace.getSpan(context.active()) ? this.otel.continueAsNew(input, next) : next(input);
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    return this.otel.getLogAttributes(input, next);
  }

  /** In the trace of the activation's callback when there is one, else in the workflow's own; untraced when neither is. */
  private underMessage<T>(tracedCall: () => T, untracedCall: () => T): T {
    const parent = this.message.context ?? context.active();
    return trace.getSpan(parent) ? context.with(parent, tracedCall) : untracedCall();
  }
}

/** A callback's trace ends with the activation that took it: a later timer or retry is not its doing. */
class ForgetMessageTrace implements WorkflowInternalsInterceptor {
  constructor(private readonly message: MessageTrace) {}

  concludeActivation(input: ConcludeActivationInput, next: Next<WorkflowInternalsInterceptor, 'concludeActivation'>) {
    this.message.context = undefined;
    return next(input);
  }
}

/** Called once per workflow run: the state is the run's own. */
export const interceptors: WorkflowInterceptorsFactory = () => {
  const message: MessageTrace = {};
  return {
    inbound: [new TracedInbound(message)],
    outbound: [new TracedOutbound(message)],
    internals: [new OpenTelemetryInternalsInterceptor(), new ForgetMessageTrace(message)],
  };
};
