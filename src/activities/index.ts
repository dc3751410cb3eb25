import type { MetricMeter } from '@temporalio/common';
import { linkSharerFor } from '../media/asset-links';
import { callbackBaseUrl, type Config } from '../platform/config';
import type { Database } from '../storage/database';
import { createProviders } from '../providers/registry';
import { createActivityLeases } from './activity-leases';
import { createProviderCalls } from './provider-calls';
import { createProjectRecords } from './records';
import { createServiceCalls } from './service-calls';
import { createServiceClient, type ServiceBreakers } from './service-client';
import { createStepMetrics } from './step-metrics';

/** Everything the project workflow can ask the outside world to do, in two groups it proxies apart. */
export function createActivities(config: Config, database: Database, breakers: ServiceBreakers, meter: MetricMeter) {
  const steps = createStepMetrics(meter);
  const leases = createActivityLeases(config, database.pool);
  const { submit, ...providerTasks } = createProviderCalls(config, database, createProviders(config.providers), { leases, steps });
  return {
    ...createServiceCalls(config, database, createServiceClient(config.services, breakers), steps, { submit }, linkSharerFor(config.media, callbackBaseUrl(config))),
    ...providerTasks,
    ...createProjectRecords(database, steps, leases),
  };
}
