import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

/**
 * Starts a child whose stop takes `stopMs`, sends it SIGTERM, waits until it says it is stopping (so the
 * first signal has been handled), waits `secondAfterMs` more, sends SIGTERM again and resolves with its
 * exit code. The stop outlasts the second signal by seconds, so a slow machine cannot turn "exited at
 * once" into "finished the stop".
 */
async function exitCodeAfterSecondSignal(secondAfterMs: number, stopMs: number): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../support/signal-child.ts'), String(stopMs)], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = once(child, 'exit');
  let output = '';
  const saw = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => output.includes(text) && (child.stdout.off('data', onData), resolve());
      const onData = (chunk: Buffer) => ((output += chunk.toString()), check());
      child.stdout.on('data', onData);
      check();
    });
  await saw('ready');
  child.kill('SIGTERM');
  await saw('SIGTERM: stopping');
  if (secondAfterMs) await new Promise((r) => setTimeout(r, secondAfterMs));
  child.kill('SIGTERM');
  const [code] = await exited;
  return code as number | null;
}

describe('stopping on signals', function () {
  this.timeout(30_000);

  it('finishes a graceful stop when the same signal arrives twice at once (npm forwarding a group signal)', async () => {
    // The echo comes right after the first (well inside the 1 s window); the stop takes 3 s and exits 0.
    assert.equal(await exitCodeAfterSecondSignal(0, 3_000), 0);
  });

  it('exits at once on a second signal sent after the first on purpose', async () => {
    // 1.5 s after the first was handled (past the 1 s window), while a 15 s stop is still running.
    const started = Date.now();
    assert.equal(await exitCodeAfterSecondSignal(1_500, 15_000), 130);
    assert.ok(Date.now() - started < 14_000, 'it did not wait for the stop');
  });
});
