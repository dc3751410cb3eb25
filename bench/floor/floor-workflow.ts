import { condition, defineSignal, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';

/**
 * The engine's floor: the smallest workflow of a film's shape. Each step, a signal arrives (a callback),
 * the workflow runs a local activity that does nothing but say it is ready for the next one (a service
 * call), and waits for the next signal with a deadline timer (a step's timeout). What a film's step
 * costs beyond this, in the same run on the same Temporal, is ours.
 */
export interface FloorActivities {
  /** Tells the driver the workflow waits for step `step`'s signal. */
  readyFor(input: { workflowId: string; step: number }): Promise<void>;
}

/** A callback's worth of payload, so the signal weighs what a film's does. */
export interface FloorEvent {
  taskId: string;
  url: string;
  at: string;
}

export const floorStepSignal = defineSignal<[FloorEvent]>('floorStep');

const { readyFor } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '20 seconds' });

export async function floorWorkflow(steps: number, deadlineMs: number): Promise<number> {
  const { workflowId } = workflowInfo();
  let received = 0;
  setHandler(floorStepSignal, () => {
    received += 1;
  });
  for (let step = 0; step < steps; step += 1) {
    await readyFor({ workflowId, step });
    // A deadline that passed (a lost signal) asks again, as a film's step asks the service again.
    while (!(await condition(() => received > step, deadlineMs))) await readyFor({ workflowId, step });
  }
  // The film's last call (the notification).
  await readyFor({ workflowId, step: steps });
  return received;
}
