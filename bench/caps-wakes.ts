import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { pool, quantile } from './support';

type Percentiles = { p50: number; p99: number; max: number };

/**
 * Where a waiting film's time went, read from the histories of films spread along the whole line:
 * how often each was woken without a grant (fallback timers), and for its grant, the time from the
 * grant's signal reaching Temporal to the worker starting the film's workflow task (Temporal's
 * dispatch and the worker's queue), and from that start to the provider accepting the task (the
 * workflow task: a replay if the worker's cache had evicted the film, the submit's local activity).
 */
export interface WakeBreakdown {
  films: number;
  /** Fallback timers fired per film (each a wake that found no grant). */
  fallbacksPerFilm: number;
  /** Workflow tasks per film, the grant's and the fallbacks' included. */
  workflowTasksPerFilm: number;
  signalToTaskStart: Percentiles;
  taskStartToAccepted: Percentiles;
  /**
   * The freer's side of the same hand-overs: from the task whose slot the film took finishing at the
   * provider to its webhook answered by the gateway (verified, recorded, slot released and granted,
   * grant signalled), and to the grant's signal reaching Temporal.
   */
  finishToWebhookAnswered: Percentiles;
  finishToSignal: Percentiles;
  /** Signal → the workflow task scheduled (Temporal), scheduled → started (the worker polling it: its backlog). */
  signalToTaskScheduled: Percentiles;
  /**
   * Inside taskStartToAccepted, from the submit's local-activity marker: task started → the local
   * activity scheduled (the workflow's activation), and scheduled → the provider accepting the task (the
   * activity's dispatch, its queries before the submit, the submit's request).
   */
  taskStartToSubmitScheduled: Percentiles;
  submitScheduledToAccepted: Percentiles;
}

/** When the local activity whose marker this is was scheduled (core's LocalActivityMarkerData, JSON in the marker's `data`). */
function localActivityScheduledAt(event: { markerRecordedEventAttributes?: { details?: Record<string, { payloads?: { data?: Uint8Array | null }[] | null }> | null } | null }, type: string): number | undefined {
  const data = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  const marker = JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string; original_schedule_time?: { seconds: number; nanos: number } | null };
  const at = marker.original_schedule_time;
  return marker.activity_type === type && at ? at.seconds * 1000 + Math.floor(at.nanos / 1e6) : undefined;
}

/** For each film, the task whose slot it took (the provider's finish it follows): when that finished and when its webhook was answered. */
export type FreedSlot = { finishedAt: number; webhookAnsweredAt?: number };

const percentiles = (values: number[]): Percentiles => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: Math.round(quantile(sorted, 0.5)), p99: Math.round(quantile(sorted, 0.99)), max: Math.round(sorted[sorted.length - 1] ?? 0) };
};

/** `acceptedAt` (ms): when the provider accepted each sampled film's task, by film id. */
export async function wakeBreakdown(client: Client, ids: string[], acceptedAt: Map<string, number>, freed: Map<string, FreedSlot> = new Map(), samples = 100): Promise<WakeBreakdown> {
  const step = Math.max(1, Math.floor(ids.length / samples));
  const sampled = ids.filter((_, i) => i % step === 0).slice(0, samples);
  let fallbacks = 0;
  let tasks = 0;
  const toStart: number[] = [];
  const toAccepted: number[] = [];
  const [toAnswered, toSignal, toScheduled, toSubmitScheduled, submitToAccepted] = [[], [], [], [], []] as number[][];
  await pool(sampled, 8, async (id) => {
    const events = (await client.workflow.getHandle(`project-${id}`).fetchHistory()).events ?? [];
    fallbacks += events.filter((e) => e.timerFiredEventAttributes).length;
    tasks += events.filter((e) => e.workflowTaskStartedEventAttributes).length;
    const accepted = acceptedAt.get(id);
    const signal = events.findLastIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'providerSlotGranted');
    const started = events.findIndex((e, i) => i > signal && e.workflowTaskStartedEventAttributes);
    if (signal < 0 || started < 0 || accepted === undefined) return;
    const startedAt = tsToMs(events[started].eventTime);
    const signalledAt = tsToMs(events[signal].eventTime);
    toStart.push(startedAt - signalledAt);
    toAccepted.push(accepted - startedAt);
    const scheduled = events.findLastIndex((e, i) => i < started && e.workflowTaskScheduledEventAttributes);
    if (scheduled >= 0) toScheduled.push(Math.max(0, tsToMs(events[scheduled].eventTime) - signalledAt));
    const submitScheduledAt = events.slice(started).map((e) => localActivityScheduledAt(e, 'requestSceneVideo')).find((at) => at !== undefined);
    if (submitScheduledAt !== undefined) {
      toSubmitScheduled.push(submitScheduledAt - startedAt);
      submitToAccepted.push(accepted - submitScheduledAt);
    }
    const slot = freed.get(id);
    if (!slot) return;
    toSignal.push(signalledAt - slot.finishedAt);
    if (slot.webhookAnsweredAt) toAnswered.push(slot.webhookAnsweredAt - slot.finishedAt);
  });
  return {
    films: sampled.length,
    fallbacksPerFilm: fallbacks / sampled.length,
    workflowTasksPerFilm: tasks / sampled.length,
    signalToTaskStart: percentiles(toStart),
    taskStartToAccepted: percentiles(toAccepted),
    finishToWebhookAnswered: percentiles(toAnswered),
    finishToSignal: percentiles(toSignal),
    signalToTaskScheduled: percentiles(toScheduled),
    taskStartToSubmitScheduled: percentiles(toSubmitScheduled),
    submitScheduledToAccepted: percentiles(submitToAccepted),
  };
}
