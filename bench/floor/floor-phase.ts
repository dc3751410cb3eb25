import { childPid, type CpuSeconds } from '../cpu';
import { runJson } from '../processes';
import type { IoFloorArgs } from './io-floor';

export interface FloorResult {
  films: number;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  completed: number;
  failedSignals: number;
  /** CPU seconds in the run: worker, driver, temporal, postgres. */
  cpu: CpuSeconds;
}

/**
 * The Temporal server and PostgreSQL this bench process started: the services whose CPU a step also
 * costs. The dev server runs as `temporal`, the real server as `temporal-server`.
 */
export async function servicePids(engine: 'dev' | 'server'): Promise<{ temporal?: number; postgres?: number }> {
  return { temporal: await childPid(engine === 'dev' ? /^temporal$/ : /^temporal-server$/), postgres: await childPid(/^postgres$/) };
}

/**
 * The engine's floor at `films` × `scenes` (as many steps per film as a film has callbacks), against
 * the Temporal at `address`, with the worker environment `env` (the project worker's options); with
 * `io`, the I/O floor.
 */
export function floorRun(address: string, films: number, scenes: number, env: NodeJS.ProcessEnv, measure: Record<string, number | undefined>, io?: IoFloorArgs): Promise<FloorResult> {
  return runJson<FloorResult>('bench/floor/floor-worker.ts', { address, namespace: 'default', films, steps: scenes * 2 + 1, deadlineMs: 3_600_000, measure, io }, env);
}

/**
 * The I/O floor (io-floor.ts) at `films` × `scenes`: the floor's workflow with the step's necessary I/O,
 * its gateway and its durable writes on the PostgreSQL at `databaseUrl` (the app's, as ours use).
 */
export function ioFloorRun(address: string, databaseUrl: string, films: number, scenes: number, env: NodeJS.ProcessEnv, measure: Record<string, number | undefined>): Promise<FloorResult> {
  return floorRun(address, films, scenes, env, measure, { databaseUrl, temporalAddress: address, namespace: 'default' });
}

/** CPU milliseconds per step, by process. */
export function perStep(cpu: CpuSeconds, steps: number): Record<string, number> {
  return Object.fromEntries(Object.entries(cpu).map(([name, s]) => [name, Math.round((s / steps) * 1e4) / 10]));
}

const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '?' : n.toFixed(1));

/**
 * A step's CPU, ours against the engine's floor: ours is the gateway, the worker and the PostgreSQL time
 * they cause; the floor's own side is its worker and its client (the driver, which sends the signals as
 * our gateway does). Temporal's is reported beside both. On the dev server the app is PostgreSQL's only
 * user. The real server persists to the same PostgreSQL, so there the floor's PostgreSQL time (all of
 * it the server's) is taken off ours: a film's step writes more history than the floor's, so what is
 * left over-counts ours, never under-counts it.
 */
export function cpuComparison(scale: { cpu: CpuSeconds; steps: number }, floor: FloorResult) {
  const ours = perStep(scale.cpu, scale.steps);
  const base = perStep(floor.cpu, floor.steps);
  const serversPostgres = base.postgres ?? 0;
  const oursPostgres = Math.max(0, (ours.postgres ?? 0) - serversPostgres);
  const postgresText = serversPostgres > 0 ? `PostgreSQL (${ms(ours.postgres)} − the server's ${ms(serversPostgres)}) ${ms(oursPostgres)}` : `PostgreSQL ${ms(oursPostgres)}`;
  const oursTotal = (ours.gateway ?? 0) + (ours.worker ?? 0) + oursPostgres;
  const floorTotal = (base.worker ?? 0) + (base.driver ?? 0);
  return {
    oursMs: oursTotal,
    floorMs: floorTotal,
    ratio: oursTotal / floorTotal,
    ours: `gateway ${ms(ours.gateway)} + worker ${ms(ours.worker)} + ${postgresText} = ${ms(oursTotal)} ms; Temporal ${ms(ours.temporal)} ms; simulator + load generator ${ms(ours['simulator + load generator'])} ms`,
    floor: `worker ${ms(base.worker)} + client ${ms(base.driver)} = ${ms(floorTotal)} ms; Temporal ${ms(base.temporal)} ms; PostgreSQL ${ms(base.postgres)} ms`,
  };
}

/**
 * The I/O floor's CPU per step (its worker + gateway + PostgreSQL), over the engine floor's (worker +
 * client): the least the CPU goal's ratio can be for a step that does the I/O the contract asks for,
 * each part done plainly. And ours over it: what our step costs beyond that I/O.
 */
export function ioFloorComparison(scale: { cpu: CpuSeconds; steps: number }, io: FloorResult, floor: FloorResult) {
  const per = perStep(io.cpu, io.steps);
  const ioMs = (per.worker ?? 0) + (per.gateway ?? 0) + (per.postgres ?? 0);
  const { oursMs, floorMs } = cpuComparison(scale, floor);
  return {
    ioMs,
    ofFloor: ioMs / floorMs,
    oursOfIo: oursMs / ioMs,
    text: `worker ${ms(per.worker)} + gateway ${ms(per.gateway)} + PostgreSQL ${ms(per.postgres)} = ${ms(ioMs)} ms; Temporal ${ms(per.temporal)} ms; service (the driver) ${ms(per.driver)} ms`,
  };
}
