import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { ServiceSimulator } from '../src/dev/simulator/simulator';
import { buildTemporalServer, findTemporalServer } from '../src/dev/temporal/server-binaries';
import { serverPorts, startTemporalServer } from '../src/dev/temporal/temporal-server';
import { appProcesses, type WebhookSecrets } from './app-processes';
import { createSinkProjects, pacedOrchestration, sampledCost, scaleRun, signalCeiling } from './phases';
import { floorRun, servicePids } from './floor/floor-phase';

export interface ServerEngineOptions {
  databaseUrl: string;
  dataDir: string;
  simulator: ServiceSimulator;
  secrets: WebhookSecrets;
  /** What the dev-server phases gave the worker and the gateway. */
  env: NodeJS.ProcessEnv;
  /** The worker's own, over `env`. */
  workerEnv?: NodeJS.ProcessEnv;
  concurrencies: number[];
  durationSeconds: number;
  sinks: number;
  latencyProjects: number;
  scale: { projects: number; scenes: number };
  onPhase: (phase: string) => void;
}

/**
 * `npm run bench -- --cluster`: the signal ceiling, the paced orchestration and a scale run again, on
 * the real Temporal server with PostgreSQL persistence (fsync on, like the app's database) instead of
 * the dev server's in-memory SQLite, so BENCHMARKS.md shows both engines from one run.
 */
export async function serverEnginePhases(options: ServerEngineOptions) {
  const { simulator, secrets, env, onPhase } = options;
  const binaries = findTemporalServer() ?? (await buildTemporalServer(() => {}));
  const temporal = await startTemporalServer({
    binaries,
    databaseUrl: options.databaseUrl,
    databases: { default: 'bench_temporal', visibility: 'bench_temporal_visibility' },
    dataDir: path.join(options.dataDir, 'temporal-server'),
    ports: await serverPorts(),
    namespace: 'default',
  });
  const simulatorUrl = simulator.url;
  const { worker, gateway, gatewayUrl, workerEnv } = await appProcesses({ databaseUrl: options.databaseUrl, temporalAddress: temporal.address, simulatorUrl, secrets, built: true, env, workerEnv: options.workerEnv });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: 'default' });
  try {
    await Promise.all([worker.start(), gateway.start()]);
    onPhase('Temporal server: signal ceiling');
    const sinks = await createSinkProjects(simulator, gatewayUrl, 'server-sink-', options.sinks);
    const signals = await signalCeiling(options.concurrencies, temporal.address, sinks, options.durationSeconds);

    onPhase('Temporal server: orchestration, tasks of 10-30 s');
    const paced = await pacedOrchestration(simulator, client, gatewayUrl, 'server-paced', options.latencyProjects);

    onPhase(`Temporal server: scale, ${options.scale.projects} films of ${options.scale.scenes} scenes`);
    await Promise.all([worker.stop(), gateway.stop()]);
    await Promise.all([worker.start(), gateway.start()]);
    const { projects, scenes } = options.scale;
    const services = await servicePids('server');
    const scale = await scaleRun(simulator, client, gatewayUrl, projects, scenes, { worker, gateway }, (done) => onPhase(`Temporal server: scale ${done}/${projects}`), 'server-scale', services);
    onPhase(`Temporal server: engine floor, ${projects} films of ${scenes} scenes`);
    await Promise.all([worker.stop(), gateway.stop()]);
    const engineFloor = await floorRun(temporal.address, projects, scenes, workerEnv, services);
    const cost = await sampledCost(client, paced.ids, paced.scenes);
    return { signalCeiling: signals, orchestrationPaced: paced, scale, engineFloor, cost };
  } finally {
    await Promise.all([worker.stop(), gateway.stop()]);
    await connection.close();
    await temporal.stop();
  }
}
