import type { Server } from 'node:http';
import type { Worker } from '@temporalio/worker';
import type { ServiceBreakers } from '../activities/service-client';
import { listen } from '../platform/http-server';

/**
 * GET /health for the worker process: 200 while the worker runs (503 otherwise), with the state of
 * each service's circuit, so an orchestrator restarts a dead worker and ops see which service is down.
 */
export async function startWorkerHealthServer(worker: Worker, breakers: ServiceBreakers, port: number): Promise<Server> {
  return listen((req, res) => {
    if (req.method !== 'GET' || req.url !== '/health') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    const state = worker.getState();
    const circuits = breakers.states();
    const degraded = Object.values(circuits).some((c) => c !== 'closed');
    const status = state !== 'RUNNING' ? 'down' : degraded ? 'degraded' : 'ok';
    res.writeHead(state === 'RUNNING' ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status, worker: state.toLowerCase(), circuits }));
  }, port);
}
