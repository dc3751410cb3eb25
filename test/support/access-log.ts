import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/** Reading the webhook access log as an operator does: its JSON lines, and grep. */
const run = promisify(execFile);

export interface AccessLine {
  time: string;
  endpoint: string;
  task_id?: string;
  project_id?: string;
  scene_id?: string;
  task_status?: string;
  outcome: string;
  status: number;
  latency_ms: number;
  request_id: string;
  trace_id?: string;
  ip: string;
  verified?: boolean;
  event_id?: string;
  deliveries?: number;
}

/** Every line of the file, each of which must be one JSON object. */
export async function linesOf(file: string): Promise<AccessLine[]> {
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AccessLine);
}

/** `grep <pattern> <file>`, for real, as the guide has an operator run it: the matching lines. */
export async function grep(pattern: string, file: string): Promise<string[]> {
  try {
    const { stdout } = await run('grep', [pattern, file]);
    return stdout.split('\n').filter(Boolean);
  } catch (err) {
    if ((err as { code?: number }).code === 1) return []; // no match
    throw err;
  }
}

export function assertWellFormed(line: AccessLine): void {
  assert.ok(!Number.isNaN(Date.parse(line.time)) && line.time.endsWith('Z'), `time ${line.time}`);
  assert.equal(typeof line.status, 'number');
  assert.equal(typeof line.latency_ms, 'number');
  assert.ok(line.latency_ms >= 0);
  assert.equal(typeof line.request_id, 'string');
  assert.equal(typeof line.outcome, 'string');
}
