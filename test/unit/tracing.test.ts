import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { tracesRequested } from '../../src/platform/tracing';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');

/** What a fresh process installs from this environment (test/support/tracing-probe.ts). */
async function probe(otel: Record<string, string>) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/support/tracing-probe.ts'], { cwd: root, env: { ...env, ...otel } });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('tracing', function () {
  this.timeout(30_000);

  it('is asked for by an OTLP endpoint or a named exporter, as the OpenTelemetry spec words it', () => {
    assert.equal(tracesRequested({}), false);
    assert.equal(tracesRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318' }), true);
    assert.equal(tracesRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://localhost:4318/v1/traces' }), true);
    assert.equal(tracesRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }), false);
    assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: 'console' }), true);
    assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: 'otlp' }), true, 'to the default endpoint');
    assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), false);
    assert.equal(tracesRequested({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), false);
  });

  it('installs nothing without an endpoint: no SDK loaded, no recording spans, no propagation, no interceptors', async () => {
    assert.deepEqual(await probe({}), {
      started: false,
      active: false,
      sdkLoaded: false,
      recordingSpans: false,
      propagatedFields: [],
      clientInterceptors: false,
      activityInterceptors: 0,
      // Registered anyway, to drop the spans of films a tracing gateway started.
      workflowSpanSink: ['exporter'],
    });
  });

  it('starts the SDK, W3C propagation and the Temporal interceptors when an endpoint is set', async () => {
    assert.deepEqual(await probe({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }), {
      started: true,
      active: true,
      sdkLoaded: true,
      recordingSpans: true,
      propagatedFields: ['traceparent', 'tracestate', 'baggage'],
      clientInterceptors: true,
      activityInterceptors: 1,
      workflowSpanSink: ['exporter'],
    });
  });
});
