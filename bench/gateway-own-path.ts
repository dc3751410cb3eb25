import { startCpuMeter } from './cpu';
import { NodeProcess, runJson } from './processes';
import { sweep, type LoadResult, type Sweep } from './phases';
import { freePort } from './support';

export interface OwnPathSide extends Sweep {
  /** CPU milliseconds the measured process spent per answered request, over the whole sweep. */
  cpuMsPerRequest: number;
}

export interface OwnPath {
  /** Koa + one durable INSERT: the floor of any gateway that records what it receives. */
  floor: OwnPathSide;
  /** The gateway with the Temporal signal stubbed: its own cost. */
  stubbed: OwnPathSide;
  ratio: number;
}

/** A sweep against a process started for it, with the CPU it spent per request. */
async function measured(process: NodeProcess, concurrencies: number[], load: (concurrency: number) => Promise<LoadResult>): Promise<OwnPathSide> {
  await process.start();
  try {
    const meter = await startCpuMeter({ target: process.pid });
    let requests = 0;
    const result = await sweep(concurrencies, async (c) => {
      const level = await load(c);
      requests += level.total;
      return level;
    });
    const { target } = await meter.elapsed();
    return { ...result, cpuMsPerRequest: Math.round((target * 1000 * 100) / Math.max(1, requests)) / 100 };
  } finally {
    await process.stop();
  }
}

/**
 * The gateway's own path against Koa with one INSERT, one after the other in the same run on the same
 * PostgreSQL: `npm run bench -- --gateway` runs this alone, to try a change to the webhook path.
 */
export async function ownPathPhase(options: {
  databaseUrl: string;
  env: NodeJS.ProcessEnv;
  webhook: { secret: string; projectIds: string[] };
  concurrencies: number[];
  durationSeconds: number;
}): Promise<OwnPath> {
  const { databaseUrl, env, webhook, concurrencies, durationSeconds } = options;
  const sampleBody = { task_id: 't', status: 'completed', project_id: webhook.projectIds[0], final_video_url: 'https://cdn.example.com/f.mp4' };
  const floorPort = await freePort();
  const floorProcess = new NodeProcess('koa-insert', 'bench/bare-koa-insert.ts', { PORT: String(floorPort), DATABASE_URL: databaseUrl }, `http://127.0.0.1:${floorPort}/`);
  const floor = await measured(floorProcess, concurrencies, (c) =>
    runJson<LoadResult>('bench/load-generator.ts', { url: `http://127.0.0.1:${floorPort}/`, connections: c, durationSeconds, body: sampleBody }),
  );
  const stubPort = await freePort();
  const stubProcess = new NodeProcess('gateway-stubbed', 'bench/gateway-stubbed-signal.ts', { ...env, PORT: String(stubPort) }, `http://127.0.0.1:${stubPort}/health`);
  const stubbed = await measured(stubProcess, concurrencies, (c) =>
    runJson<LoadResult>('bench/load-generator.ts', { url: `http://127.0.0.1:${stubPort}/api/webhooks/stitch-complete`, connections: c, durationSeconds, webhook }),
  );
  return { floor, stubbed, ratio: stubbed.best.requestsPerSecond / floor.best.requestsPerSecond };
}
