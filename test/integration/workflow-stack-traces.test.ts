import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { uniqueId } from '../support/http';
import { startProject, waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';
import { stackWorker } from '../support/worker-process';

/**
 * WORKFLOW_STACK_TRACES (patches/@temporalio+worker+*.patch): off, the worker skips the SDK's per-promise
 * stack recording, so an operator asking where a film waits (the Web UI's Stack Trace tab) is told the
 * worker does not record stacks; on (the default), the answer names the workflow's code.
 */
describe('workflow stack traces, on and off', function () {
  this.timeout(240_000);
  let stack: Stack;
  const waiting = new Set<string>();

  before(async () => {
    stack = await testStack();
    // Films of this file wait for a callback that never comes, so there is a film in flight to ask about.
    const previous = stack.simulator!.behaviour;
    stack.simulator!.behaviour = (query) =>
      query.service === 'video' && waiting.has(String(query.body.project_id)) ? { loseCallback: true } : previous(query);
  });

  async function stackTraceOfWaitingFilm(setting: 'on' | 'off'): Promise<string> {
    const taskQueue = uniqueId(`stack-traces-${setting}`);
    const worker = await stackWorker(stack, taskQueue, { WORKFLOW_STACK_TRACES: setting });
    const projectId = uniqueId(`stack-traces-${setting}`);
    waiting.add(projectId);
    try {
      await worker.start();
      const handle = await startProject(stack, { projectId, scenes: ['a scene'], taskQueue, settings: { stepTimeoutMs: { video: 600_000 } } });
      await waitFor(() => stack.simulator!.requestsTo('video').some((r) => r.body.project_id === projectId), 60_000, 'the video request');
      try {
        return await handle.query<string>('__stack_trace');
      } catch (err) {
        return `query failed: ${err instanceof Error ? err.message : String(err)}`;
      } finally {
        await handle.terminate('test over');
      }
    } finally {
      await worker.stop();
    }
  }

  it('answers where a waiting film is in its code when on (the default)', async () => {
    const trace = await stackTraceOfWaitingFilm('on');
    assert.match(trace, /runStep|waitForCallback/, trace);
  });

  it('says stack traces are not enabled when off, and the film still runs', async () => {
    const trace = await stackTraceOfWaitingFilm('off');
    assert.match(trace, /stack traces are not enabled/i, trace);
  });
});
