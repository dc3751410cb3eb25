import { fork } from 'node:child_process';
import path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/platform/load-config';
import { workerTuning } from '../../src/worker/create-worker';
import { quietBundlerLogger } from '../../src/worker/workflow-bundle';
import { startCpuMeter } from '../cpu';
import type { DriverArgs } from './floor-driver';
import type { FloorActivities } from './floor-workflow';
import { startIoFloor, type IoFloorArgs } from './io-floor';

/**
 * The engine's floor, run by `npm run bench` beside the scale phase: a worker with the project worker's
 * options (workerTuning, read from the same environment) running floor-workflow.ts for as many films of
 * as many steps, against the same Temporal, driven by floor-driver.ts in a process of its own. Prints
 * steps per second and CPU seconds by process (this worker, the driver, Temporal, PostgreSQL). With
 * `io`, the I/O floor (io-floor.ts): the same workflow, its steps doing the I/O a step needs, and its
 * gateway's CPU measured too.
 */
interface FloorArgs {
  address: string;
  namespace: string;
  films: number;
  /** Signals per film: a film's callbacks (two per scene, and the stitch's). */
  steps: number;
  deadlineMs: number;
  /** Processes to measure beside this one: the Temporal server's pid, PostgreSQL's. */
  measure: Record<string, number | undefined>;
  io?: IoFloorArgs;
}

async function main() {
  const args = JSON.parse(process.argv[2]) as FloorArgs;
  const config = loadConfig(process.env, 'worker');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./floor-workflow'), logger: quietBundlerLogger });
  const connection = await NativeConnection.connect({ address: args.address });
  const driver = fork(path.join(__dirname, 'floor-driver.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const io = args.io ? await startIoFloor(args.io) : undefined;
  const activities: FloorActivities = io?.activities ?? {
    async readyFor(ready) {
      driver.send(ready);
    },
  };
  const taskQueue = `floor-${process.pid}`;
  const worker = await Worker.create({ connection, namespace: args.namespace, taskQueue, workflowBundle: { code }, activities, ...workerTuning(config) });
  const meter = await startCpuMeter({ worker: 'self', ...(io ? { gateway: io.gateway.pid } : {}), ...args.measure });
  const driven = new Promise<{ seconds: number; completed: number; failedSignals: number; driverCpuSeconds: number }>((resolve, reject) => {
    driver.once('message', (m: { result?: never; error?: string }) => (m.result ? resolve(m.result) : reject(new Error(`floor driver: ${m.error}`))));
    driver.once('exit', (code) => reject(new Error(`floor driver exited (${code})`)));
  });
  const driverArgs: DriverArgs = { address: args.address, namespace: args.namespace, taskQueue, films: args.films, steps: args.steps, deadlineMs: args.deadlineMs, service: io?.service };
  driver.send(driverArgs);
  const result = await worker.runUntil(driven);
  const cpu = { ...(await meter.elapsed()), driver: Math.round(result.driverCpuSeconds * 100) / 100 };
  const steps = args.films * args.steps;
  console.log(JSON.stringify({ films: args.films, steps, seconds: result.seconds, stepsPerSecond: steps / result.seconds, completed: result.completed, failedSignals: result.failedSignals, cpu }));
  await io?.close();
  await connection.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
