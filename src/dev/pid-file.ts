import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function commandLine(pid: number): Promise<string> {
  return readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
}

/**
 * A previous run that was killed with -9 cannot stop its children. If the pid recorded by that run is
 * still alive and still the expected program, stop it before starting a new one on the same files.
 */
export async function killLeftover(pidFile: string, expected: string, graceMs = 10_000): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!pid || !alive(pid) || !(await commandLine(pid)).includes(expected)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

export async function writePidFile(pidFile: string, pid: number): Promise<void> {
  await mkdir(path.dirname(pidFile), { recursive: true });
  await writeFile(pidFile, `${pid}\n`);
}

export async function removePidFile(pidFile: string): Promise<void> {
  await rm(pidFile, { force: true });
}
