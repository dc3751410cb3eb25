import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startCpuMeter } from './cpu';
import { NodeProcess, runJson } from './processes';
import type { LoadResult } from './phases';
import { freePort } from './support';

export interface OwnPathSide {
  /** Requests per second in each round, at the better of the concurrencies tried. */
  rounds: number[];
  median: number;
  /** CPU milliseconds the process spent per answered request, over all its rounds. */
  cpuMsPerRequest: number;
  /** CPU milliseconds PostgreSQL (all its processes) spent per request while this side was loaded. */
  postgresCpuMsPerRequest?: number;
}

export interface OwnPath {
  /** Koa + one durable INSERT: the floor of any gateway that records what it receives. */
  floor: OwnPathSide;
  /** The gateway with the Temporal signal stubbed: its own cost. */
  stubbed: OwnPathSide;
  ratio: number;
  /** The same stubbed gateway from other checkouts (BENCH_GATEWAY_BASELINE, comma-separated), measured in the same rounds. */
  baselines: (OwnPathSide & { checkout: string; commit: string; ratio: number })[];
}

interface Side {
  process: NodeProcess;
  load: (concurrency: number) => Promise<LoadResult>;
  rounds: number[];
  requests: number;
  cpuSeconds: number;
  postgresCpuSeconds: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function summary(side: Side): OwnPathSide {
  return {
    rounds: side.rounds.map(Math.round),
    median: Math.round(median(side.rounds)),
    cpuMsPerRequest: Math.round((side.cpuSeconds * 1000 * 100) / Math.max(1, side.requests)) / 100,
    ...(side.postgresCpuSeconds ? { postgresCpuMsPerRequest: Math.round((side.postgresCpuSeconds * 1000 * 100) / Math.max(1, side.requests)) / 100 } : {}),
  };
}

/**
 * The gateway's own path against Koa with one INSERT on the same PostgreSQL: `npm run bench -- --gateway`
 * runs this alone, to try a change to the webhook path. On a machine shared with other work the load
 * changes from minute to minute, so the sides take turns in short rounds and the medians are compared;
 * BENCH_GATEWAY_BASELINE=<other checkouts, comma-separated> adds each one's stubbed gateway as another
 * side, for a before/after in one run.
 */
export async function ownPathPhase(options: {
  databaseUrl: string;
  env: NodeJS.ProcessEnv;
  webhook: { secret: string; projectIds: string[] };
  concurrencies: number[];
  durationSeconds: number;
  rounds?: number;
  /** PostgreSQL's postmaster, to count the database time each side causes. */
  postgresPid?: number;
}): Promise<OwnPath> {
  const { databaseUrl, env, webhook, concurrencies, durationSeconds, rounds = 3, postgresPid } = options;
  const sampleBody = { task_id: 't', status: 'completed', project_id: webhook.projectIds[0], final_video_url: 'https://cdn.example.com/f.mp4' };
  const side = async (name: string, entry: string, processEnv: NodeJS.ProcessEnv, urlPath: string, signed: boolean): Promise<Side> => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const process = new NodeProcess(name, entry, { ...processEnv, PORT: String(port) }, `${url}/${signed ? 'health' : ''}`);
    const load = (c: number) =>
      runJson<LoadResult>('bench/load-generator.ts', { url: `${url}${urlPath}`, connections: c, durationSeconds, ...(signed ? { webhook } : { body: sampleBody }) });
    return { process, load, rounds: [], requests: 0, cpuSeconds: 0, postgresCpuSeconds: 0 };
  };
  const floor = await side('koa-insert', 'bench/bare-koa-insert.ts', { DATABASE_URL: databaseUrl }, '/', false);
  const stubbed = await side('gateway-stubbed', 'bench/gateway-stubbed-signal.ts', env, '/api/webhooks/stitch-complete', true);
  const baselineDirs = process.env.BENCH_GATEWAY_BASELINE?.split(',').filter(Boolean) ?? [];
  const baselines = await Promise.all(
    baselineDirs.map((dir, i) => side(`gateway-stubbed-baseline-${i}`, path.join(dir, 'bench/gateway-stubbed-signal.ts'), env, '/api/webhooks/stitch-complete', true)),
  );
  const sides = [floor, stubbed, ...baselines];
  await Promise.all(sides.map((s) => s.process.start()));
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const s of sides) {
        const meter = await startCpuMeter({ target: s.process.pid, postgres: postgresPid });
        let best = 0;
        for (const c of concurrencies) {
          const result = await s.load(c);
          s.requests += result.total;
          best = Math.max(best, result.requestsPerSecond);
        }
        const cpu = await meter.elapsed();
        s.cpuSeconds += cpu.target;
        s.postgresCpuSeconds += cpu.postgres ?? 0;
        s.rounds.push(best);
      }
    }
  } finally {
    await Promise.all(sides.map((s) => s.process.stop()));
  }
  const own = { floor: summary(floor), stubbed: summary(stubbed) };
  const result: OwnPath = { ...own, ratio: own.stubbed.median / own.floor.median, baselines: [] };
  for (const [i, baselineDir] of baselineDirs.entries()) {
    const before = summary(baselines[i]);
    const commit = (() => {
      try {
        return execFileSync('git', ['-C', baselineDir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      } catch {
        return 'not a git checkout';
      }
    })();
    result.baselines.push({ ...before, checkout: baselineDir, commit, ratio: before.median / own.floor.median });
  }
  return result;
}
