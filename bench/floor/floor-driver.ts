import { Client, Connection } from '@temporalio/client';
import { pool } from '../support';
import { floorStepSignal, type floorWorkflow } from './floor-workflow';

/**
 * The floor's client, in its own process (forked by floor-worker.ts, so its CPU counts apart from the
 * worker's): starts the films' workflows as the bench creates films (32 at a time), signals each step
 * as soon as the workflow says it is ready for it (over the IPC channel: the no-op service call), and
 * waits for every workflow's result, as the scale phase waits for the films'.
 */
export interface DriverArgs {
  address: string;
  namespace: string;
  taskQueue: string;
  films: number;
  steps: number;
  deadlineMs: number;
}

type Ready = { workflowId: string; step: number };

async function drive(args: DriverArgs) {
  const connection = await Connection.connect({ address: args.address });
  const client = new Client({ connection, namespace: args.namespace });
  const signalled = new Set<string>();
  let failedSignals = 0;
  process.on('message', ({ workflowId, step }: Ready) => {
    if (step >= args.steps) return;
    // Asked again after a deadline: the signal went out already (and counts once).
    const key = `${workflowId}:${step}`;
    if (signalled.has(key)) return;
    signalled.add(key);
    client.workflow
      .getHandle(workflowId)
      .signal(floorStepSignal, { taskId: `floor_${step}_${workflowId}`, url: `https://cdn.example.com/floor/${workflowId}/${step}.mp4`, at: new Date().toISOString() })
      .catch(() => (failedSignals += 1));
  });
  const cpuBefore = process.cpuUsage();
  const started = Date.now();
  const ids = Array.from({ length: args.films }, (_, i) => `floor-${args.films}x${args.steps}-${process.pid}-${i}`);
  await pool(ids, 32, (workflowId) =>
    client.workflow.start<typeof floorWorkflow>('floorWorkflow', { taskQueue: args.taskQueue, workflowId, args: [args.steps, args.deadlineMs] }),
  );
  const received = await Promise.all(ids.map((id) => client.workflow.getHandle<typeof floorWorkflow>(id).result().catch(() => -1)));
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await connection.close();
  return {
    started,
    seconds,
    completed: received.filter((n) => n === args.steps).length,
    failedSignals,
    driverCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

process.once('message', (args: DriverArgs) => {
  drive(args).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (err: Error) => process.send!({ error: err.stack ?? String(err) }, () => process.exit(1)),
  );
});
