import { readFileSync } from 'node:fs';

/**
 * `tsx bench/cpu-profile-summary.ts <file.cpuprofile> [top]`: where a process spent its CPU, from a V8
 * profile (`BENCH_CPU_PROF=dir npm run bench -- --scale=...` writes one per process). Prints self time
 * by function and by file (node_modules packages grouped), idle and GC apart, so a change can be aimed
 * at what the profile shows rather than at a guess.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function fileOf(url: string): string {
  if (!url) return '(native)';
  const packaged = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packaged) return `pkg:${packaged[1]}`;
  return url.replace(/^file:\/\//, '').replace(/^.*\/(dist|src|bench)\//, '$1/');
}

function main() {
  const [file, topArg] = process.argv.slice(2);
  const top = Number(topArg) || 30;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const where = fileOf(url);
    const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(where, (byFile.get(where) ?? 0) + us);
  }
  const print = (title: string, entries: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [name, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(7)} s  ${name}`);
    }
  };
  console.log(`busy ${(total / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s (main thread only)`);
  print('self time by file or package', byFile);
  print('self time by function', byFunction);
}

main();
