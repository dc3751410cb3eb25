import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

/** Starts the child, sends `SIGTERM` at each delay (ms after it is ready) and resolves with its exit code. */
async function exitCodeAfterSignals(delaysMs: number[]): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../support/signal-child.ts')], { stdio: ['ignore', 'pipe', 'ignore'] });
  await once(child.stdout, 'data');
  for (const delay of delaysMs) setTimeout(() => child.kill('SIGTERM'), delay);
  const [code] = await once(child, 'exit');
  return code as number | null;
}

describe('stopping on signals', function () {
  this.timeout(20_000);

  it('finishes a graceful stop when the same signal arrives twice at once (npm forwarding a group signal)', async () => {
    assert.equal(await exitCodeAfterSignals([0, 20]), 0);
  });

  it('exits at once on a second signal sent after the first on purpose', async () => {
    assert.equal(await exitCodeAfterSignals([0, 1200]), 130);
  });
});
