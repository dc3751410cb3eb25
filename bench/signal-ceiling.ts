import { Client, Connection } from '@temporalio/client';
import { stitchCompleteSignal } from '../src/contracts/workflow-api';

/**
 * The engine's floor: signals per second the Temporal server accepts from a tight client loop (no
 * HTTP, no database), with the same payload the gateway sends.
 */
interface SignalArgs {
  address: string;
  namespace: string;
  workflowIds: string[];
  concurrency: number;
  durationSeconds: number;
}

async function main() {
  const args = JSON.parse(process.argv[2]) as SignalArgs;
  const connection = await Connection.connect({ address: args.address });
  const client = new Client({ connection, namespace: args.namespace });
  const latencies: number[] = [];
  let n = 0;
  const deadline = Date.now() + args.durationSeconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: args.concurrency }, async () => {
      while (Date.now() < deadline) {
        n += 1;
        const workflowId = args.workflowIds[n % args.workflowIds.length];
        const t0 = performance.now();
        await client.workflow.getHandle(workflowId).signal(stitchCompleteSignal, {
          taskId: `ceiling_${process.pid}_${n}`,
          projectId: workflowId.replace(/^project-/, ''),
          outcome: 'completed',
          url: `https://cdn.example.com/films/${n}.mp4`,
          detail: { timestamp: new Date().toISOString() },
        });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.floor(q * (latencies.length - 1))] * 10) / 10;
  console.log(JSON.stringify({ requestsPerSecond: latencies.length / seconds, total: latencies.length, p50: at(0.5), p99: at(0.99) }));
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
