import type { AddressInfo } from 'node:net';
import { NativeConnection, Runtime, type Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createServiceBreakers, type ServiceBreakers } from '../activities/service-client';
import type { Config } from '../platform/config';
import { captureError } from '../platform/error-monitoring';
import { closeServer } from '../platform/http-server';
import type { Logger } from '../platform/logger';
import type { Database } from '../storage/database';
import { openAssetStore } from '../media/open-store';
import { createMediaWorker, createProjectWorker, installWorkerRuntime } from './create-worker';
import { startWorkerHealthServer } from './health-server';
import { ensureSearchAttributes } from '../platform/search-attributes';
import { temporalConnectionOptions } from '../platform/temporal-connection';

export interface RunningWorker {
  worker: Worker;
  breakers: ServiceBreakers;
  /** Settles when the worker stops. */
  running: Promise<void>;
  healthUrl?: string;
  stop(): Promise<void>;
}

/**
 * A project worker with everything around it: the SDK runtime (logs, metrics), its connection, the
 * search attributes it needs, the circuit breakers and the health endpoint. `npm run worker` and
 * `npm start` both start workers this way.
 */
export async function startWorker(config: Config, database: Database, logger: Logger, workflowBundle?: WorkflowBundleOption): Promise<RunningWorker> {
  installWorkerRuntime(logger, config.workerMetricsPort);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let breakers: ServiceBreakers | undefined;
  let media: { worker: Worker; running: Promise<void> } | undefined;
  // The connection closes only once the worker holding it has stopped (the SDK refuses otherwise).
  const stopAll = async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    if (media?.worker.getState() === 'RUNNING') media.worker.shutdown();
    await running?.catch(() => {});
    await media?.running.catch(() => {});
    breakers?.shutdown();
    await connection.close();
  };
  try {
    const registered = await ensureSearchAttributes(connection, config.temporal.namespace);
    if (registered.length) logger.info({ registered }, 'Registered search attributes');
    breakers = createServiceBreakers(config.circuit, Runtime.instance().metricMeter, logger);
    worker = await createProjectWorker({ config, database, connection, breakers, workflowBundle });
    running = worker.run();
    // The media activities run beside the project worker unless told otherwise (MEDIA_WORKER).
    const store = openAssetStore(config.media.store);
    if (store && config.media.worker !== 'off') {
      const mediaWorker = await createMediaWorker({ config, connection, store });
      media = { worker: mediaWorker, running: mediaWorker.run() };
      media.running.catch((err) => logger.fatal({ err }, 'Media worker stopped unexpectedly'));
    }
    running.catch((err) => {
      logger.fatal({ err }, 'Worker stopped unexpectedly');
      captureError(err, { taskQueue: config.temporal.taskQueue }, 'fatal');
    });
    const health = config.workerHealthPort !== undefined ? await startWorkerHealthServer(worker, breakers, config.workerHealthPort) : undefined;
    return {
      worker,
      breakers,
      running,
      healthUrl: health ? `http://localhost:${(health.address() as AddressInfo).port}/health` : undefined,
      async stop() {
        if (health) await closeServer(health);
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll().catch((stopErr) => logger.warn({ err: stopErr }, 'Could not stop the worker cleanly'));
    throw err;
  }
}
