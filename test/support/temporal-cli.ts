import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Stack } from '../../src/dev/start-stack';
import { findTemporalCli } from '../../src/dev/temporal/cli';

const run = promisify(execFile);

/** The `temporal` CLI against the suite's server, as an operator types it: its stdout. */
export async function temporalCli(stack: Stack, ...args: string[]): Promise<string> {
  const cli = findTemporalCli(process.env.TEMPORAL_CLI);
  assert.ok(cli, 'the Temporal CLI');
  const { stdout } = await run(cli.path, [...args, '--address', stack.temporalAddress, '--namespace', stack.config.temporal.namespace]);
  return stdout;
}
