import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RecordActivities } from '../contracts/records';
import type { ServiceActivities } from '../contracts/services';
import type { WorkflowSettings } from '../contracts/workflow-settings';

/** The project workflow's activities, each group with the timeouts and retries that suit it. */
export function activityProxies(settings: WorkflowSettings) {
  const retry = {
    initialInterval: settings.retryInitialIntervalMs,
    maximumInterval: settings.retryMaximumIntervalMs,
    backoffCoefficient: 2,
  };
  return {
    // Service calls ride out outages (Temporal keeps retrying, the circuit breaker keeps it cheap) for up
    // to serviceOutageToleranceMs; a 4xx answer is not retried at all.
    services: proxyActivities<ServiceActivities>({
      startToCloseTimeout: '30 seconds',
      scheduleToCloseTimeout: settings.serviceOutageToleranceMs,
      retry,
    }),
    // Database writes are short and idempotent: local activities, run by this worker inside the
    // workflow task, with no round trip through the server (a marker in the history instead of three events).
    records: proxyLocalActivities<RecordActivities>({
      startToCloseTimeout: '10 seconds',
      retry: { ...retry, maximumAttempts: settings.retryMaximumAttempts },
    }),
    // The same writes as regular activities, where a local one does not fit (the cancellation: a local
    // activity in the same workflow task as the cancelling update made the server reject that update
    // now and then). No schedule-to-close: a cancellation must be recorded however long the database is away.
    recordsViaServer: proxyActivities<RecordActivities>({ startToCloseTimeout: '10 seconds', retry }),
  };
}
