import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { activeTracing } from './tracing';

/**
 * A Temporal client's interceptors when tracing is on: starting a film, signalling it a callback,
 * an operator's update or a query is a span, and its context travels to the workflow in the call's
 * Temporal headers. Nothing when tracing is off.
 */
export function clientTracingInterceptors(): ClientInterceptors | undefined {
  return activeTracing() ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}
