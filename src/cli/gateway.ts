import { Client, Connection } from '@temporalio/client';
import { createGateway } from '../http/app';
import { closeAccessLogFile } from '../platform/access-log-file';
import { closeServer, listen } from '../platform/http-server';
import { initErrorMonitoring } from '../platform/error-monitoring';
import { createLogger } from '../platform/logger';
import { configFromEnvironment, exitOnFailure, stopOnSignals } from '../platform/process-entry';
import { openDatabase } from '../storage/database';
import { temporalConnectionOptions } from '../platform/temporal-connection';
import { clientTracingInterceptors } from '../platform/temporal-tracing';
import { startTracingFromEnvironment } from '../platform/tracing';

/** `npm run gateway`: the HTTP edge alone, against configured Temporal and PostgreSQL. Stateless: run as many as needed. */
async function main() {
  const config = configFromEnvironment('gateway');
  const tracing = await startTracingFromEnvironment('reelay-gateway'); // before the first span: OTEL_EXPORTER_OTLP_ENDPOINT etc.
  const logger = createLogger({ level: config.logLevel, name: 'reelay-gateway', file: config.logFile });
  initErrorMonitoring(config, { service: 'reelay-gateway' });

  const database = openDatabase(config.databaseUrl!, { onIdleError: (err) => logger.warn({ err }, 'Database connection lost') });
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  const temporal = new Client({ connection, namespace: config.temporal.namespace, interceptors: clientTracingInterceptors() });
  const gateway = createGateway({ config, database, temporal, connection, logger });
  const server = await listen(gateway.app.callback(), config.port);
  stopOnSignals(async () => {
    await closeServer(server);
    await gateway.close();
    await closeAccessLogFile(); // the last webhook lines reach the disk before the process ends
    await connection.close();
    await database.close();
    await tracing?.shutdown(); // the last spans are sent
  });
  logger.info({ port: config.port, temporal: config.temporal.address }, 'Gateway listening');
}

main().catch(exitOnFailure);
