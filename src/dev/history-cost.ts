import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/** A history event as `temporal workflow show --output json` and the recorded fixtures spell it. */
export interface JsonEvent {
  eventType: string;
  /** When the server wrote the event (ISO 8601). */
  eventTime?: string;
  markerRecordedEventAttributes?: { markerName?: string };
  workflowExecutionSignaledEventAttributes?: { signalName?: string };
  upsertWorkflowSearchAttributesEventAttributes?: { searchAttributes?: { indexedFields?: Record<string, unknown> } };
  activityTaskStartedEventAttributes?: { attempt?: number };
  workflowTaskCompletedEventAttributes?: unknown;
  workflowTaskTimedOutEventAttributes?: { timeoutType?: string };
  workflowTaskFailedEventAttributes?: { cause?: string };
}

export interface Cost {
  events: number;
  workflowTasks: number;
  callbacks: number;
  /** Temporal Cloud actions, by the kind of action (see billableActions). */
  actions: Record<string, number>;
  billableActions: number;
}

const type = (e: JsonEvent) => e.eventType.replace(/^EVENT_TYPE_/, '');

/**
 * Temporal Cloud's billable actions as its documentation maps them to history events
 * (docs.temporal.io/cloud/actions): a workflow start, each timer started, each search-attribute upsert
 * (not TemporalChangeVersion, the patching API's own), each signal, each accepted update, each activity
 * attempt, and the local activities of one workflow task together as one.
 */
export function historyCost(events: readonly JsonEvent[]): Cost {
  const actions: Record<string, number> = {};
  const add = (kind: string, n = 1) => (actions[kind] = (actions[kind] ?? 0) + n);
  let localActivitiesInTask = false;
  let workflowTasks = 0;
  let callbacks = 0;
  for (const e of events) {
    switch (type(e)) {
      case 'WORKFLOW_EXECUTION_STARTED':
        add('workflow started');
        break;
      case 'TIMER_STARTED':
        add('timer started');
        break;
      case 'WORKFLOW_EXECUTION_SIGNALED':
        add('signal');
        callbacks += /Complete$/.test(e.workflowExecutionSignaledEventAttributes?.signalName ?? '') ? 1 : 0;
        break;
      case 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED':
        add('update');
        break;
      case 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES': {
        const fields = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
        if (fields.some((f) => f !== 'TemporalChangeVersion')) add('search-attribute upsert');
        break;
      }
      case 'ACTIVITY_TASK_STARTED':
        add('activity attempt', e.activityTaskStartedEventAttributes?.attempt ?? 1);
        break;
      case 'WORKFLOW_TASK_COMPLETED':
        workflowTasks += 1;
        localActivitiesInTask = false;
        break;
      case 'MARKER_RECORDED':
        if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity' && !localActivitiesInTask) {
          add('local activities of a workflow task');
          localActivitiesInTask = true;
        }
        break;
    }
  }
  return { events: events.length, workflowTasks, callbacks, actions, billableActions: Object.values(actions).reduce((a, b) => a + b, 0) };
}

/**
 * The cost of each full scene of a film: from one scene's `videoComplete` signal to the next one's,
 * which holds the scene's two callbacks and the request that starts the next scene. A film of N scenes
 * has N-1 such windows (the last scene ends in the stitch).
 */
export function sceneCosts(events: readonly JsonEvent[]): Cost[] {
  const starts = events.flatMap((e, i) => (e.workflowExecutionSignaledEventAttributes?.signalName === 'videoComplete' ? [i] : []));
  return starts.slice(0, -1).map((start, k) => historyCost(events.slice(start, starts[k + 1])));
}

/** A live workflow's history in the JSON form the functions above read. */
export async function jsonHistory(handle: WorkflowHandle): Promise<JsonEvent[]> {
  return (JSON.parse(historyToJSON(await handle.fetchHistory())) as { events: JsonEvent[] }).events;
}
