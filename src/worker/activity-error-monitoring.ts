import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { captureError } from '../platform/error-monitoring';

/**
 * What the activities raise on purpose is expected: a service down, refusing or answering nonsense
 * (ApplicationFailures that tell Temporal whether to retry), or a cancellation. Anything else is a bug
 * or a broken dependency (the database), reported to error monitoring.
 */
const expected = (err: unknown) => err instanceof ApplicationFailure || err instanceof CancelledFailure;

/** The ids an activity's input carries, for the report; never the rest of it (prompts, URLs). */
function idsOf(input: unknown): Record<string, string> {
  if (typeof input !== 'object' || input === null) return {};
  const ids: Record<string, string> = {};
  for (const key of ['projectId', 'sceneId', 'taskId']) {
    const value = (input as Record<string, unknown>)[key];
    if (typeof value === 'string') ids[key] = value;
  }
  return ids;
}

/**
 * Reports an activity's unexpected failure on its first attempt only: Temporal retries it, and if the
 * retries run out the project fails, which the error log (and so error monitoring) records.
 */
export const reportUnexpectedActivityFailures: ActivityInterceptorsFactory = ({ info }) => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (err) {
        if (info.attempt === 1 && !expected(err)) {
          captureError(err, {
            activityType: info.activityType,
            workflowId: info.workflowExecution?.workflowId,
            local: info.isLocal,
            ...idsOf(input.args[0]),
          });
        }
        throw err;
      }
    },
  },
});
