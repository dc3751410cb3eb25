import type { Step } from './steps';

/**
 * How patient a project is. Fixed when the project starts (from the gateway's configuration), so a
 * running film never changes behaviour under its feet.
 */
export interface WorkflowSettings {
  /** Retries of our own database activities. */
  retryInitialIntervalMs: number;
  retryMaximumIntervalMs: number;
  retryMaximumAttempts: number;
  /**
   * How long a call to a service may keep failing (5xx, timeouts, an open circuit) before the step
   * gives up: Temporal retries it with backoff meanwhile, so an outage shorter than this loses nothing.
   */
  serviceOutageToleranceMs: number;
  /** How long to wait for each step's callback before asking the service again. */
  stepTimeoutMs: Record<Step, number>;
  /** Requests per step of each scene (and of the stitch) before the project fails. */
  stepMaxAttempts: number;
  /** Wait before re-requesting a task the service reported failed; doubles with each attempt. */
  stepRetryBackoffMs: number;
  /** How long a failed project stays open for an operator's `retryScene` before it closes. */
  failedProjectRetentionMs: number;
  /** Continue-as-new once the history is this long (the SDK's own suggestion always counts too). */
  continueAsNewAfterEvents: number;
  /**
   * How long a worker watching a provider's task (one without webhooks) may go silent before another
   * worker takes the watch over: after a crash, the task is asked about again within this time.
   */
  pollHeartbeatTimeoutMs: number;
}

const minute = 60_000;

export const defaultWorkflowSettings: WorkflowSettings = {
  retryInitialIntervalMs: 1_000,
  retryMaximumIntervalMs: minute,
  retryMaximumAttempts: 12,
  serviceOutageToleranceMs: 60 * minute,
  stepTimeoutMs: { video: 30 * minute, lastFrame: 5 * minute, stitch: 30 * minute },
  stepMaxAttempts: 3,
  stepRetryBackoffMs: 30_000,
  failedProjectRetentionMs: 72 * 60 * minute,
  continueAsNewAfterEvents: 10_000,
  pollHeartbeatTimeoutMs: 30_000,
};

export type SettingsOverrides = Partial<Omit<WorkflowSettings, 'stepTimeoutMs'>> & { stepTimeoutMs?: Partial<Record<Step, number>> };

/** `overrides` over `base`, nested step timeouts included. */
export function mergeSettings(base: WorkflowSettings, overrides: SettingsOverrides = {}): WorkflowSettings {
  return { ...base, ...overrides, stepTimeoutMs: { ...base.stepTimeoutMs, ...overrides.stepTimeoutMs } };
}

/** Settings as given at start, over the defaults. */
export const resolveSettings = (given?: SettingsOverrides): WorkflowSettings => mergeSettings(defaultWorkflowSettings, given);
