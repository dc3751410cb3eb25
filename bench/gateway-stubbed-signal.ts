import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '../src/storage/database';
import { createGateway } from '../src/http/app';
import { listen } from '../src/platform/http-server';
import { createLogger } from '../src/platform/logger';
import { configFromEnvironment } from '../src/platform/process-entry';

/**
 * The gateway with the Temporal signal replaced by a no-op: the same Koa app, verification,
 * validation and event store, so the difference to the full path is the signal's cost.
 */
async function main() {
  const config = configFromEnvironment('gateway');
  const logger = createLogger({ level: config.logLevel, name: 'reelay-gateway-stubbed' });
  const database = openDatabase(config.databaseUrl!);
  const connection = await Connection.connect({ address: config.temporal.address! });
  const real = new Client({ connection, namespace: config.temporal.namespace });
  const stubbed = { ...real, workflow: { ...real.workflow, getHandle: () => ({ signal: async () => undefined }) } } as unknown as Client;
  const gateway = createGateway({ config, database, temporal: stubbed, connection, logger });
  await listen(gateway.app.callback(), config.port);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// Exit normally on SIGTERM, so `node --cpu-prof` can write its profile.
process.once('SIGTERM', () => process.exit(0));
