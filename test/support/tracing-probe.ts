/*
 * Run as its own process by test/unit/tracing.test.ts (the suite's own process traces): starts tracing
 * from this process's environment as the gateway and the worker do, and prints what got installed.
 */
import { propagation, trace } from '@opentelemetry/api';
import { clientTracingInterceptors } from '../../src/platform/temporal-tracing';
import { activeTracing, startTracingFromEnvironment } from '../../src/platform/tracing';
import { withTracing } from '../../src/worker/tracing';

async function main() {
  const started = await startTracingFromEnvironment('probe');
  const worker = withTracing({ taskQueue: 'probe', workflowBundle: { code: '' } });
  const span = trace.getTracer('probe').startSpan('probe');
  console.log(
    JSON.stringify({
      started: started !== undefined,
      active: activeTracing() !== undefined,
      sdkLoaded: Object.keys(require.cache).some((file) => file.includes('/@opentelemetry/sdk-node/')),
      recordingSpans: span.isRecording(),
      propagatedFields: propagation.fields(),
      clientInterceptors: clientTracingInterceptors() !== undefined,
      activityInterceptors: worker.interceptors?.activity?.length ?? 0,
      workflowSpanSink: Object.keys(worker.sinks ?? {}),
    }),
  );
  process.exit(0); // no span is meant to be sent anywhere
}

void main();
