import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/test-stack';

const root = path.join(__dirname, '..', '..');
const fixture = path.join(__dirname, '..', 'fixtures', 'start-up', 'needs-the-stack.ts');

/**
 * `npm test`'s own settings (.mocharc.json, with its `exit`), for the fixture alone: mocha adds files
 * named on the command line to the config's `spec`, so the config is passed as flags instead.
 */
const npmTestFlags = Object.entries(JSON.parse(readFileSync(path.join(root, '.mocharc.json'), 'utf8')) as Record<string, unknown>)
  .filter(([name]) => name !== 'spec')
  .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).flatMap((v) => (v === true ? [`--${name}`] : [`--${name}`, String(v)])));

/** Processes of process group `group` still running (zombies waiting to be reaped do not count). */
async function runningInGroup(group: number): Promise<string[]> {
  const running: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid pgrp …: comm may hold spaces, so read after its closing parenthesis.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === group && state !== 'Z') running.push(`${pid} ${stat.slice(stat.indexOf('('), stat.lastIndexOf(')') + 1)}`);
  }
  return running;
}

interface MochaRun {
  code: number | null;
  seconds: number;
  output: string;
  /** Processes of the run (its process group) still running a moment after it exited. */
  leftovers: string[];
}

/** Runs the fixture's two suites in a mocha of their own (own process group), as `npm test` would run them. */
async function runSuitesNeedingTheStack(env: NodeJS.ProcessEnv): Promise<MochaRun> {
  const startedAt = Date.now();
  const child = spawn(
    process.execPath,
    [require.resolve('mocha/bin/mocha.js'), '--no-config', ...npmTestFlags, fixture],
    { cwd: root, env: { ...process.env, TEST_LOG_LEVEL: 'silent', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const hung = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 90_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(hung);
  const seconds = (Date.now() - startedAt) / 1000;
  await new Promise((r) => setTimeout(r, 500)); // SIGKILLed servers take a moment to go
  const leftovers = await runningInGroup(child.pid!);
  if (leftovers.length) process.kill(-child.pid!, 'SIGKILL'); // this test does not leave them either
  return { code, seconds, output, leftovers };
}

describe('a test stack that cannot start', function () {
  this.timeout(120_000);
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'reelay-start-up-'));
  });

  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('fails every suite that needs it, quickly, with its cause, and leaves nothing running', async () => {
    // Temporal starts (a real dev server), then the migrations find no database: what was started must go.
    const closedPort = await freePort();
    const run = await runSuitesNeedingTheStack({ TEST_DATABASE_URL: `postgresql://reelay:reelay@127.0.0.1:${closedPort}/reelay` });
    assert.notEqual(run.code, 0, run.output);
    assert.match(run.output, /2 failing/, run.output);
    assert.match(run.output, /prisma migrate deploy failed/, run.output);
    assert.ok(run.seconds < 60, `took ${run.seconds} s`);
    assert.deepEqual(run.leftovers, [], 'processes of the failed run were still running');
  });

  it('fails within its deadline when a part never answers, and mocha still exits', async () => {
    // A "Temporal CLI" that starts and never serves: the stack would wait for it for a minute. The
    // deadline leaves time to bundle the workflows first on a busy machine.
    const silentCli = path.join(scratch, 'temporal');
    await writeFile(silentCli, '#!/bin/sh\nexec sleep 600\n');
    await chmod(silentCli, 0o755);
    const run = await runSuitesNeedingTheStack({ TEMPORAL_CLI: silentCli, TEST_STACK_DEADLINE_MS: '30000' });
    assert.notEqual(run.code, 0, run.output);
    assert.match(run.output, /2 failing/, run.output);
    assert.match(run.output, /did not start within 30 s \(its last step: Temporal CLI: .*temporal \(TEMPORAL_CLI\)\)/, run.output);
    assert.ok(run.seconds < 60, `took ${run.seconds} s`);
    assert.deepEqual(run.leftovers, [], 'the never-serving Temporal outlived mocha');
  });

  it('names a Temporal CLI that cannot be run (EACCES) in one line, instead of crashing', async () => {
    const notExecutable = path.join(scratch, 'temporal-not-executable');
    await writeFile(notExecutable, '#!/bin/sh\n');
    await chmod(notExecutable, 0o644);
    const run = await runSuitesNeedingTheStack({ TEMPORAL_CLI: notExecutable });
    assert.notEqual(run.code, 0, run.output);
    assert.match(run.output, /2 failing/, run.output);
    assert.match(run.output, new RegExp(`Could not run ${notExecutable} \\(EACCES\\)`), run.output);
    assert.doesNotMatch(run.output, /Unhandled 'error' event/, run.output);
    assert.deepEqual(run.leftovers, []);
  });
});
