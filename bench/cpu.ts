import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU seconds by process, from /proc/<pid>/stat: the number that holds on any machine, where steps per
 * second depend on how many cores there are and who else uses them. A process counts with everything
 * it started (PostgreSQL's backends, for one): live descendants by their own time, ended ones through
 * the time their parent collected when it reaped them (cutime, cstime).
 */

/** Clock ticks per second of /proc's times: USER_HZ, 100 on Linux. */
const ticksPerSecond = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in ticks. */
  own: number;
  /** cutime + cstime: children that ended and were reaped, in ticks. */
  reaped: number;
}

async function readStat(pid: number | string): Promise<ProcStat | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  // comm is in parentheses and may hold spaces; the fields after it are plain numbers.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  const at = (field: number) => Number(fields[field - 3]);
  return { pid: Number(pid), comm: text.slice(text.indexOf('(') + 1, close), ppid: at(4), own: at(14) + at(15), reaped: at(16) + at(17) };
}

async function allProcesses(): Promise<ProcStat[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  return (await Promise.all(pids.map(readStat))).filter((s): s is ProcStat => s !== undefined);
}

/** A process's CPU seconds with all its descendants' (or its own alone, for this bench process itself). */
function treeSeconds(processes: ProcStat[], root: number, withDescendants: boolean): number {
  const byParent = new Map<number, ProcStat[]>();
  for (const p of processes) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const rootStat = processes.find((p) => p.pid === root);
  if (!rootStat) return NaN;
  if (!withDescendants) return rootStat.own / ticksPerSecond;
  let ticks = 0;
  const stack = [rootStat];
  while (stack.length) {
    const p = stack.pop()!;
    ticks += p.own + p.reaped;
    stack.push(...(byParent.get(p.pid) ?? []));
  }
  return ticks / ticksPerSecond;
}

/** The pid of a direct child of this process whose command name matches (the Temporal server, PostgreSQL). */
export async function childPid(comm: RegExp): Promise<number | undefined> {
  return (await allProcesses()).find((p) => p.ppid === process.pid && comm.test(p.comm))?.pid;
}

/** Named processes to measure: a pid (with its descendants), or `self` for this process alone. */
export type CpuGroups = Record<string, number | 'self' | undefined>;

export type CpuSeconds = Record<string, number>;

/** Takes a reading now; `elapsed()` then gives each group's CPU seconds since. */
export async function startCpuMeter(groups: CpuGroups): Promise<{ elapsed(): Promise<CpuSeconds> }> {
  const read = async (): Promise<CpuSeconds> => {
    const processes = await allProcesses();
    const seconds: CpuSeconds = {};
    for (const [name, pid] of Object.entries(groups)) {
      if (pid !== undefined) seconds[name] = treeSeconds(processes, pid === 'self' ? process.pid : pid, pid !== 'self');
    }
    return seconds;
  };
  const before = await read();
  return {
    async elapsed() {
      const after = await read();
      return Object.fromEntries(Object.entries(after).map(([name, s]) => [name, Math.round((s - before[name]) * 100) / 100]));
    },
  };
}
