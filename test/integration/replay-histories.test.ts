import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { workflowInterceptorModules } from '../../src/worker/tracing';
import { quietBundlerLogger } from '../../src/worker/workflow-bundle';
import { testStack } from '../support/test-stack';

const recorded = path.join(__dirname, '..', 'histories', 'recorded');
/** The commit from which the recorder only adds histories (before it, re-recording replaced them). */
const appendOnlySince = '096cf00';

async function histories() {
  const files = (await readdir(recorded)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({
      file,
      workflowId: `replay-${file}`,
      history: historyFromJSON(JSON.parse(await readFile(path.join(recorded, file), 'utf8'))),
    })),
  );
}

async function replayAll(workflowsPath: string) {
  const all = await histories();
  const results = new Map<string, Error | undefined>();
  // With the workflow interceptors every worker bundles (workflow-bundle.ts): they are part of the workflow code.
  const options = { workflowsPath, interceptors: { workflowModules: workflowInterceptorModules }, bundlerOptions: { logger: quietBundlerLogger } as never };
  for await (const result of Worker.runReplayHistories(options, all)) {
    results.set(all.find((h) => h.workflowId === result.workflowId)!.file, result.error);
  }
  return results;
}

describe('upgrades: recorded histories replay against the current workflow code', function () {
  this.timeout(120_000);

  before(async () => {
    await testStack(); // the SDK runtime is installed with the suite's logger
  });

  it('has histories of every kind of run: happy, failures, retries, lost callbacks, cancellation, continue-as-new', async () => {
    const files = (await histories()).map((h) => h.file);
    for (const name of ['happy-path', 'task-failed-then-retried', 'lost-callback-and-lost-task', 'project-failed', 'failed-then-retried-by-operator', 'cancelled-by-update', 'cancelled-natively', 'continued-as-new.run-1']) {
      assert.ok(files.includes(`${name}.json`), name);
    }
    assert.ok(files.some((f) => f.startsWith('reviewed-each-scene.')), 'a film a person reviewed, regenerated and re-chained');
  });

  it('keeps every history it has recorded: none deleted since recording became append-only', () => {
    // Run from a git checkout (as CI is): a deleted fixture would let old workflow code's histories
    // silently stop being checked.
    const deleted = execFileSync('git', ['log', '--diff-filter=D', '--name-only', '--format=', `${appendOnlySince}..HEAD`, '--', recorded], {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
    }).trim();
    assert.equal(deleted, '', `recorded histories deleted: ${deleted}`);
  });

  it('replays every recorded history without a determinism error', async () => {
    const results = await replayAll(require.resolve('../../src/workflows'));
    assert.ok(results.size >= 10);
    for (const [file, error] of results) assert.equal(error, undefined, `${file}: ${error?.message}`);
  });

  it('catches a change that is not replay-safe', async () => {
    const results = await replayAll(require.resolve('../fixtures/changed-workflows/unsafe-change'));
    const happy = results.get('happy-path.json');
    assert.ok(happy instanceof DeterminismViolationError, `expected a determinism violation, got ${happy}`);
  });

  it('accepts the same change made with the patching API', async () => {
    const results = await replayAll(require.resolve('../fixtures/changed-workflows/patched-change'));
    for (const [file, error] of results) assert.equal(error, undefined, `${file}: ${error?.message}`);
  });
});
