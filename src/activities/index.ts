import type { Config } from '../platform/config';
import type { Database } from '../storage/database';
import { createProjectRecords } from './records';
import { createServiceCalls } from './service-calls';
import { createServiceClient, type ServiceBreakers } from './service-client';

/** Everything the project workflow can ask the outside world to do, in two groups it proxies apart. */
export function createActivities(config: Config, database: Database, breakers: ServiceBreakers) {
  return {
    ...createServiceCalls(config, database, createServiceClient(config.services, breakers)),
    ...createProjectRecords(database),
  };
}
