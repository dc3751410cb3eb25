import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { failureTypesWithPublicMessages } from '../contracts/public-text';
import type { ProjectFailure } from '../contracts/records';
import { StepFailed } from './step-runner';

/** Why a project failed, twice: the reason its client and user read, and the detail operators need. */
export type FailureReport = Pick<ProjectFailure, 'reason' | 'detail' | 'cause'>;

/** The first failure in the chain whose message Reelay worded for clients (a service call's). */
function publicFailure(err: unknown): ApplicationFailure | undefined {
  for (let cause = err; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApplicationFailure && cause.type && failureTypesWithPublicMessages.includes(cause.type)) return cause;
  }
  return undefined;
}

/**
 * A step that gave up carries a reason already fit for clients (StepFailed). An activity out of
 * retries names the activity and, for a service call, which service answered what; anything else it
 * says (a database address, a stack) stays in the detail, which goes to the error log only.
 */
export function reportFailure(err: StepFailed | ActivityFailure, step: string): FailureReport {
  if (err instanceof StepFailed) return { reason: err.message, detail: err.detail, cause: { kind: 'task', step } };
  const activityType = err.activityType ?? 'unknown';
  const stated = publicFailure(err);
  const what = stated?.message ?? (err.cause instanceof TimeoutFailure ? 'it timed out' : 'an internal error, see the error log');
  const original = err.cause ?? err;
  return {
    reason: `${err.activityType ?? 'activity'} failed: ${what}`,
    detail: stated ? (stated.details?.[0] ?? undefined) : original.message,
    cause: { kind: 'activity', activityType, failureType: (err.cause as ApplicationFailure | undefined)?.type ?? undefined },
  };
}
