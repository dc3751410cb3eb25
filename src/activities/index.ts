import type { Config } from '../config/config';
import type { Database } from '../db/database';
import type { ServiceBreakers } from './circuit-breakers';
import { createProjectRecords } from './project-records';
import { createServiceCalls } from './service-calls';

/** Everything the project workflow can ask the outside world to do. */
export function createActivities(config: Config, database: Database, breakers: ServiceBreakers) {
  return {
    ...createServiceCalls(config, database, breakers),
    ...createProjectRecords(database),
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** Calls to the video, last-frame, stitch and notification services: slow, retried through outages. */
export type ServiceActivities = ReturnType<typeof createServiceCalls>;

/** Writes of the workflow's progress to PostgreSQL: short and idempotent. */
export type RecordActivities = ReturnType<typeof createProjectRecords>;
