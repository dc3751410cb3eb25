import { createServer } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { request } from 'undici';
import { signatureHeader, signBody } from '../../src/contracts/webhooks';
import { pool } from '../support';
import { floorStepSignal, type FloorEvent, type floorWorkflow } from './floor-workflow';
import type { IoService } from './io-floor';

/**
 * The floor's client, in its own process (forked by floor-worker.ts, so its CPU counts apart from the
 * worker's): starts the films' workflows as the bench creates films (32 at a time), signals each step
 * as soon as the workflow says it is ready for it (over the IPC channel: the no-op service call), and
 * waits for every workflow's result, as the scale phase waits for the films'. For the I/O floor
 * (io-floor.ts) it plays the service instead: takes the workflow's call over HTTP, answers it with a
 * task id and sends the step's signed callback to the I/O floor's gateway, which signals.
 */
export interface DriverArgs {
  address: string;
  namespace: string;
  taskQueue: string;
  films: number;
  steps: number;
  deadlineMs: number;
  /** The I/O floor's service side; without it, steps are signalled directly. */
  service?: IoService;
}

type Ready = { workflowId: string; step: number };

async function drive(args: DriverArgs) {
  const connection = await Connection.connect({ address: args.address });
  const client = new Client({ connection, namespace: args.namespace });
  const signalled = new Set<string>();
  let failedSignals = 0;
  const deliver = (workflowId: string, event: FloorEvent, step: number): Promise<unknown> => {
    if (!args.service) return client.workflow.getHandle(workflowId).signal(floorStepSignal, event);
    const body = JSON.stringify({ ...event, workflowId, step });
    return request(args.service.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', [signatureHeader]: signBody(args.service.secret, body) }, body }).then(
      async (answer) => {
        await answer.body.dump();
        if (answer.statusCode !== 200) throw new Error(`the I/O floor's gateway answered ${answer.statusCode}`);
      },
    );
  };
  const ready = ({ workflowId, step }: Ready) => {
    if (step >= args.steps) return;
    // Asked again after a deadline: the signal went out already (and counts once).
    const key = `${workflowId}:${step}`;
    if (signalled.has(key)) return;
    signalled.add(key);
    const event = { taskId: `floor_${step}_${workflowId}`, url: `https://cdn.example.com/floor/${workflowId}/${step}.mp4`, at: new Date().toISOString() };
    deliver(workflowId, event, step).catch(() => (failedSignals += 1));
  };
  if (args.service) await serveTasks(args.service.port, ready);
  else process.on('message', ready);
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

/** The service's side of the I/O floor: each call is answered with its task id, then its callback goes out. */
function serveTasks(port: number, ready: (r: Ready) => void): Promise<void> {
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const asked = JSON.parse(text) as Ready;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ task_id: `floor_${asked.step}_${asked.workflowId}`, status: 'queued' }));
      ready(asked);
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

process.once('message', (args: DriverArgs) => {
  drive(args).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (err: Error) => process.send!({ error: err.stack ?? String(err) }, () => process.exit(1)),
  );
});
