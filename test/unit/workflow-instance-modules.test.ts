import assert from 'node:assert/strict';
import vm from 'node:vm';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import { bundleProjectWorkflows } from '../../src/worker/workflow-bundle';
import { traceHeader } from '../../src/worker/workflow-tracing-interceptors';

/**
 * The modules one workflow instance evaluates for itself, as the SDK's reusable V8 context runs the
 * bundle (its default): modules loaded while the bundle starts are shared, and every instance after
 * that fills its own module cache through `globalThis.__webpack_module_cache__`. With a cache of
 * hundreds of films, what each instance evaluates is what the worker's memory grows by.
 */
async function modulesOfOneInstance(): Promise<string[]> {
  const code = await bundleProjectWorkflows();
  const shared = new Map<string, unknown>();
  const instance = new Map<string, unknown>();
  let bundleStarted = false;
  const context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
  Object.defineProperty(context, '__webpack_module_cache__', {
    value: new Proxy({}, {
      get: (_, id: string) => shared.get(id) ?? instance.get(id),
      set: (_, id: string, module) => ((bundleStarted ? instance : shared).set(id, module), true),
    }),
  });
  new vm.Script(code).runInContext(context);
  bundleStarted = true;
  vm.runInContext('__TEMPORAL__.importWorkflows(); __TEMPORAL__.importInterceptors().forEach((m) => m.interceptors())', context);
  return [...instance.keys()];
}

describe('workflow instances', function () {
  this.timeout(60_000);

  it('evaluate no OpenTelemetry module for a film nobody traces (the tracing interceptors load it on the first traced message)', async () => {
    const modules = await modulesOfOneInstance();
    assert.ok(modules.some((id) => id.includes('src/workflows/')), `the film's own code is evaluated per instance: ${modules.join(', ')}`);
    assert.deepEqual(modules.filter((id) => id.includes('opentelemetry')), []);
  });

  it('recognise a traced message by the header the OpenTelemetry interceptors write', () => {
    assert.equal(traceHeader, TRACE_HEADER);
  });
});
