import type { InboxSnapshot } from '../contracts/progress';
import type { Step, StepEvent } from '../contracts/steps';

export type Delivery = 'accepted' | 'duplicate';

/** Where a callback belongs: one step of one scene (the stitch has no scene). */
export interface StepSlot {
  step: Step;
  sceneId?: string;
}

/** Beyond this many unclaimed callbacks the oldest are dropped (and logged): strays must not grow forever. */
const maxWaiting = 500;

/**
 * Holds service callbacks until the workflow is ready for them. A callback can arrive before the
 * activity that requested the task has even returned (fast services), so nothing is dropped for being
 * early; each task's callback is taken once, and any later copy is reported as a duplicate. A task id
 * counts per step and scene, since a provider may reuse ids across scenes. Plain data inside, so it
 * survives continue-as-new through `snapshot()`.
 */
export class StepInbox {
  private readonly taken: Set<string>;
  private readonly waiting: Map<string, { step: Step; event: StepEvent }>;

  constructor(snapshot: InboxSnapshot = { taken: [], waiting: [] }) {
    this.taken = new Set(snapshot.taken);
    this.waiting = new Map(snapshot.waiting.map((w) => [keyOf(w.step, w.event), w]));
  }

  /** Buffers a callback; returns the callbacks dropped to stay within bounds (normally none). */
  put(step: Step, event: StepEvent): { delivery: Delivery; dropped: StepEvent[] } {
    const key = keyOf(step, event);
    // Runs continued from before scenes were part of the key carry `step:taskId` entries.
    const taken = this.taken.has(key) || this.taken.has(`${step}:${event.taskId}`);
    if (taken || this.waiting.has(key)) return { delivery: 'duplicate', dropped: [] };
    this.waiting.set(key, { step, event });
    const dropped: StepEvent[] = [];
    for (const [oldest, entry] of this.waiting) {
      if (this.waiting.size <= maxWaiting) break;
      this.waiting.delete(oldest);
      dropped.push(entry.event);
    }
    return { delivery: 'accepted', dropped };
  }

  /** Whether a callback for any of these tasks is waiting. */
  hasAny({ step, sceneId }: StepSlot, taskIds: readonly string[]): boolean {
    return taskIds.some((taskId) => this.waiting.has(keyOf(step, { sceneId, taskId })));
  }

  /**
   * Takes the callback for one of `taskIds`, newest task first; later copies become duplicates.
   * A failure reported for a task that was already superseded is taken too, and returned, so the
   * caller can tell it from the current task's.
   */
  take({ step, sceneId }: StepSlot, taskIds: readonly string[]): StepEvent | undefined {
    for (const taskId of [...taskIds].reverse()) {
      const key = keyOf(step, { sceneId, taskId });
      const entry = this.waiting.get(key);
      if (entry) {
        this.waiting.delete(key);
        this.taken.add(key);
        return entry.event;
      }
    }
    return undefined;
  }

  /** Removes callbacks about a scene that is done: they can only be strays now. */
  discardScene(sceneId: string): StepEvent[] {
    const discarded: StepEvent[] = [];
    for (const [key, entry] of this.waiting) {
      if (entry.event.sceneId === sceneId) {
        this.waiting.delete(key);
        discarded.push(entry.event);
      }
    }
    return discarded;
  }

  snapshot(): InboxSnapshot {
    return { taken: [...this.taken], waiting: [...this.waiting.values()] };
  }
}

const keyOf = (step: Step, { sceneId, taskId }: Pick<StepEvent, 'sceneId' | 'taskId'>) => JSON.stringify([step, sceneId ?? null, taskId]);
