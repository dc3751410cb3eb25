import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { request } from 'undici';
import { waitForHttp } from '../../src/dev/logged-process';
import { freePort } from '../support';
import type { FloorActivities } from './floor-workflow';
import type { IoGatewaySettings } from './io-gateway';

/**
 * The I/O floor: the engine's floor plus the I/O a step cannot do without, each part written the plain
 * way. Where the floor's no-op local activity tells its driver over IPC, this one writes the film's row
 * (one durable upsert) and calls the "service" over HTTP (undici, as our worker does); where the floor's
 * driver signals, the service here sends a signed callback to a bare gateway (io-gateway.ts: HMAC,
 * one durable INSERT, the signal). So it costs about what any implementation of the guide's contract
 * must spend beyond the engine (a gateway could batch its INSERTs, as ours does): its worker + gateway +
 * PostgreSQL per step, set against the floor's worker + client, is about the least the CPU goal's ratio
 * can be on this machine and engine.
 */
export interface IoFloorArgs {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
}

/** What the driver needs to play the service: where to listen, where to call back, and the signing secret. */
export interface IoService {
  port: number;
  gatewayUrl: string;
  secret: string;
}

const filmsTable = 'CREATE TABLE IF NOT EXISTS bench_io_films (id text PRIMARY KEY, step int NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())';

export async function startIoFloor(args: IoFloorArgs): Promise<{ activities: FloorActivities; service: IoService; gateway: ChildProcess; close(): Promise<void> }> {
  const db = new pg.Pool({ connectionString: args.databaseUrl, max: 10 });
  await db.query(filmsTable);
  const [gatewayPort, servicePort] = [await freePort(), await freePort()];
  const secret = randomBytes(24).toString('hex');
  const gateway = fork(path.join(__dirname, 'io-gateway.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const settings: IoGatewaySettings = { databaseUrl: args.databaseUrl, port: gatewayPort, temporalAddress: args.temporalAddress, namespace: args.namespace, secret };
  gateway.send(settings);
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  await waitForHttp(gatewayUrl, gateway, { timeoutMs: 60_000, ready: (status) => status === 200 });
  const serviceUrl = `http://127.0.0.1:${servicePort}/tasks`;
  const activities: FloorActivities = {
    async readyFor(ready) {
      await db.query({
        name: 'io-floor-step',
        text: 'INSERT INTO bench_io_films (id, step) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET step = EXCLUDED.step, updated_at = now()',
        values: [ready.workflowId, ready.step],
      });
      const answer = await request(serviceUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `${ready.workflowId}:${ready.step}` },
        body: JSON.stringify(ready),
      });
      const task = (await answer.body.json()) as { task_id?: string };
      if (answer.statusCode !== 200 || !task.task_id) throw new Error(`the I/O floor's service answered ${answer.statusCode}`);
    },
  };
  return {
    activities,
    service: { port: servicePort, gatewayUrl, secret },
    gateway,
    async close() {
      gateway.kill();
      await db.end();
    },
  };
}
