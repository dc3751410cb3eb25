import { initErrorMonitoring } from '../platform/error-monitoring';
import { createLogger } from '../platform/logger';
import { configFromEnvironment, exitOnFailure, stopOnSignals } from '../platform/process-entry';
import { startTracingFromEnvironment } from '../platform/tracing';
import { openDatabase } from '../storage/database';
import { startWorker } from '../worker/start-worker';
import { prebuiltWorkflowBundle } from '../worker/workflow-bundle';

/** `npm run worker`: one worker against configured Temporal, PostgreSQL and services. Run several to scale out. */
async function main() {
  const config = configFromEnvironment('worker');
  const tracing = await startTracingFromEnvironment('reelay-worker'); // before the worker: it adds its interceptors only then
  const logger = createLogger({ level: config.logLevel, name: 'reelay-worker', file: config.logFile });
  initErrorMonitoring(config, { service: 'reelay-worker' });
  const database = openDatabase(config.databaseUrl!, { onIdleError: (err) => logger.warn({ err }, 'Database connection lost') });
  const worker = await startWorker(config, database, logger, prebuiltWorkflowBundle(config.workflowBundlePath));
  stopOnSignals(async () => {
    await worker.stop();
    await database.close();
    await tracing?.shutdown(); // the last spans are sent
  });
  logger.info(
    { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, temporal: config.temporal.address, health: worker.healthUrl },
    'Worker running',
  );
  await worker.running;
}

main().catch(exitOnFailure);
