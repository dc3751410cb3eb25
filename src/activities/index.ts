import type { Config } from '../config/config';
import type { PrismaClient } from '../db/prisma';
import type { ServiceBreakers } from './circuit-breakers';
import { createProjectRecords } from './project-records';
import { createServiceCalls } from './service-calls';

/** Everything the project workflow can ask the outside world to do. */
export function createActivities(config: Config, prisma: PrismaClient, breakers: ServiceBreakers) {
  return {
    ...createServiceCalls(config, prisma, breakers),
    ...createProjectRecords(prisma),
  };
}

export type Activities = ReturnType<typeof createActivities>;
