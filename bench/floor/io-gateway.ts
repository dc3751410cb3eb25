import { Client, Connection } from '@temporalio/client';
import Koa from 'koa';
import { koaBody } from 'koa-body';
import pg from 'pg';
import { signatureHeader, verifySignature } from '../../src/contracts/webhooks';
import { floorStepSignal } from './floor-workflow';

/**
 * The I/O floor's gateway (io-floor.ts): what any gateway must do with a callback and no more. Checks
 * its HMAC, records it with one durable INSERT (synchronous commit, a unique key so a repeat is not a
 * second row), signals the workflow, and answers. No rate limit, no schema, no batching, no logging:
 * a plain version of the contract's musts, written the obvious way.
 */
export const ioEventsTable = `CREATE TABLE IF NOT EXISTS bench_io_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(), workflow_id text NOT NULL, step int NOT NULL, body text NOT NULL, UNIQUE (workflow_id, step))`;

export interface IoCallback {
  workflowId: string;
  step: number;
  taskId: string;
  url: string;
  at: string;
}

/** What the I/O floor's worker hands its gateway over IPC (the signing secret stays out of the environment and argv). */
export interface IoGatewaySettings {
  databaseUrl: string;
  port: number;
  temporalAddress: string;
  namespace: string;
  secret: string;
}

async function main({ databaseUrl, port, temporalAddress, namespace, secret }: IoGatewaySettings) {
  const db = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  await db.query(ioEventsTable);
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace });
  const app = new Koa();
  app.use(koaBody({ includeUnparsed: true }));
  app.use(async (ctx) => {
    if (ctx.method === 'GET') {
      ctx.body = { status: 'ok' };
      return;
    }
    // koa-body's includeUnparsed: the body as it came, to check the signature over.
    const raw = (ctx.request as { rawBody?: string }).rawBody ?? '';
    if (!verifySignature(Buffer.from(raw), ctx.get(signatureHeader), [secret])) {
      ctx.status = 401;
      ctx.body = { error: 'invalid_signature' };
      return;
    }
    const { workflowId, step, ...event } = ctx.request.body as unknown as IoCallback;
    await db.query('INSERT INTO bench_io_events (workflow_id, step, body) VALUES ($1, $2, $3) ON CONFLICT (workflow_id, step) DO NOTHING', [workflowId, step, raw]);
    await client.workflow.getHandle(workflowId).signal(floorStepSignal, event);
    ctx.body = { received: true };
  });
  app.listen(port, '127.0.0.1');
}

process.once('message', (settings: IoGatewaySettings) => void main(settings));
