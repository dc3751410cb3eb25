import type { MetricMeter } from '@temporalio/common';
import type { ProviderCost } from '../contracts/providers';
import type { Step } from '../contracts/steps';

export const stepDurationMetric = 'reelay_step_duration_seconds';

/** From seconds (an instant service) to the default video deadline (30 min) and past it. */
export const stepDurationBuckets = [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export const slotWaitMetric = 'reelay_provider_slot_wait_seconds';

/** From a slot free at once to a long line behind a provider capped low. */
export const slotWaitBuckets = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * How long the services take: for each step, the time from its request (the latest one, when a task
 * was asked again) to its result being saved. Recorded by the activity whose write ends the step, so
 * workflow code stays free of metrics; served with the SDK's metrics on WORKER_METRICS_PORT.
 */
export function createStepMetrics(meter: MetricMeter) {
  const duration = meter.createHistogram(stepDurationMetric, 'float', 's', "Time from a step's request to its result being saved, by step");
  const cost = meter.createHistogram('reelay_provider_task_cost', 'float', '', "What each scene's task cost at its provider, in the provider's unit");
  // By provider and client: clients are few (the operator makes each). Users are unbounded, so the
  // per-user view is the gateway's gauge of the longest-waiting users (docs/observability.md).
  const slotWait = meter.createHistogram(slotWaitMetric, 'float', 's', "Time a provider task waited in line for a slot under its provider's cap, by provider and client");
  return {
    /** A task got its slot and is about to be submitted: how long it waited in line (0: a slot was free). */
    slotWait(provider: string, client: string | null, seconds: number): void {
      slotWait.record(seconds, { provider, client: client ?? '@operator' });
    },

    /** A provider reported what a scene's task cost (counted once, with the write that ended the step). */
    taskCost(provider: string, { amount, unit }: ProviderCost): void {
      cost.record(amount, { provider, unit });
    },

    stepFinished(step: Step, seconds: number): void {
      // Clocks of two machines can meet in a stitch's duration (see records.ts): never below zero.
      duration.record(Math.max(0, seconds), { step });
    },
  };
}

export type StepMetrics = ReturnType<typeof createStepMetrics>;
