import type { Step, StepEvent } from './events';

export type Delivery = 'accepted' | 'duplicate';

/**
 * Holds service callbacks until the workflow is ready for them. A callback can arrive before the
 * activity that requested the task has even returned (fast services), so nothing is dropped for being
 * early; each task's callback is taken once, and any later copy is reported as a duplicate.
 */
export class StepInbox {
  private readonly waiting = new Map<string, StepEvent>();
  private readonly taken = new Set<string>();

  constructor(taken: Iterable<string> = []) {
    for (const key of taken) this.taken.add(key);
  }

  put(step: Step, event: StepEvent): Delivery {
    const key = keyOf(step, event.taskId);
    if (this.taken.has(key) || this.waiting.has(key)) return 'duplicate';
    this.waiting.set(key, event);
    return 'accepted';
  }

  has(step: Step, taskId: string): boolean {
    return this.waiting.has(keyOf(step, taskId));
  }

  /** Removes and returns the callback for a task; later copies of it become duplicates. */
  take(step: Step, taskId: string): StepEvent | undefined {
    const key = keyOf(step, taskId);
    const event = this.waiting.get(key);
    if (event) {
      this.waiting.delete(key);
      this.taken.add(key);
    }
    return event;
  }

  /** Keys of callbacks already consumed, to carry across continue-as-new. */
  takenKeys(): string[] {
    return [...this.taken];
  }
}

const keyOf = (step: Step, taskId: string) => `${step}:${taskId}`;
