import { NativeConnection } from '@temporalio/worker';
import { createPrisma } from '../db/prisma';
import { createLogger } from '../logging/logger';
import { configFromEnvironment, stopOnSignals } from '../stack/process-entry';
import { createProjectWorker, installWorkerRuntime } from './create-worker';
import { prebuiltWorkflowBundle } from './workflow-bundle';

/** `npm run worker`: one worker against configured Temporal, PostgreSQL and services. Run several to scale out. */
async function main() {
  const config = configFromEnvironment('worker');
  const logger = createLogger({ level: config.logLevel, name: 'reelay-worker' });
  installWorkerRuntime(logger, config.workerMetricsPort);

  const prisma = createPrisma(config.databaseUrl!);
  const connection = await NativeConnection.connect({ address: config.temporal.address! });
  const worker = await createProjectWorker({ config, prisma, connection, workflowBundle: prebuiltWorkflowBundle() });
  const running = worker.run();
  stopOnSignals(async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await prisma.$disconnect();
  });
  logger.info(
    { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, temporal: config.temporal.address },
    'Worker running',
  );
  await running;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
