import { RetryState } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  TemporalFailure,
} from '@temporalio/workflow';
import { backPressureTypes, type BackPressureDetail, type ProviderSlotInput } from '../contracts/providers';
import type { MediaActivities, MediaPlan } from '../contracts/media';
import type { RecordActivities } from '../contracts/records';
import type { ProviderTaskActivities, ServiceActivities } from '../contracts/services';
import type { WorkflowSettings } from '../contracts/workflow-settings';
import { providerSlotGrantedSignal } from '../contracts/workflow-api';

/** A failure that more retries could cure: not a cancellation, not a service's refusal (4xx). */
const retryable = (err: unknown) =>
  err instanceof ActivityFailure && !isCancellation(err) && !(err.cause instanceof ApplicationFailure && err.cause.nonRetryable);

/** A local activity's failure can arrive unwrapped; wrap it as a regular activity's would be, so the workflow handles both alike. */
const asActivityFailure = (err: unknown, activityType: string): unknown =>
  err instanceof TemporalFailure && !(err instanceof ActivityFailure) && !isCancellation(err)
    ? new ActivityFailure(err.message, activityType, undefined, RetryState.NON_RETRYABLE_FAILURE, undefined, err)
    : err;

/** A provider's back-pressure (no slot under its cap yet, or its 429), which the caller waits out: never a failure. */
function backPressureOf(err: unknown): { type: string; detail: BackPressureDetail } | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (!(cause instanceof ApplicationFailure) || !Object.values<string>(backPressureTypes).includes(cause.type ?? '')) return undefined;
  return { type: cause.type!, detail: (cause.details?.[0] ?? {}) as BackPressureDetail };
}

/** The first wait for a granted slot before asking again anyway; doubled each time up to slotFallbackMaxMs. */
const slotFallbackMs = 5_000;
/** Below the lease's claim time (30 s, storage/provider-line.ts), so a grant whose signal was lost is still claimed. */
const slotFallbackMaxMs = 20_000;
/**
 * A waiter further back than this in line asks again only after slotFallbackFarMs. Each fallback wakes
 * the film (a workflow task, a replay when the worker's cache evicted it, a transaction): with every
 * waiter asking every 20 s, 1,000 waiting films made 50 wakes a second, nine times the line's useful
 * work, and the grants' own wakes queued behind them (BENCHMARKS.md, provider caps). A far waiter is
 * woken by its grant's signal long before its timer; the timer is only for a lost signal, after which
 * the film joins the line again.
 */
const slotNearFront = 20;
/** Below the line's waiter time-to-live (storage/provider-line.ts), so a far waiter keeps its place. */
const slotFallbackFarMs = 10 * 60_000;

/**
 * Waits out a provider's back-pressure, then lets the call ask again. For a 429, a timer of the
 * provider's Retry-After. For a slot: until the `providerSlotGranted` signal names this task (whoever
 * frees a slot grants it to the next in line and signals that film: storage/provider-leases.ts), with
 * a fallback timer that asks again anyway (a lost signal, a slot that expired). Runs begun before
 * that change polled with awaitProviderSlot, an activity Temporal retried every half second, and keep
 * doing so. No step attempt is spent and no circuit opens: only films made with a provider ever get
 * here, so the guide's films' histories are what they were.
 */
function waitOutBackPressure(settings: WorkflowSettings) {
  const { awaitProviderSlot } = proxyActivities<ProviderTaskActivities>({
    startToCloseTimeout: '30 seconds',
    // A long line is a wait, not an outage: a day, after which the film fails as an activity out of retries.
    scheduleToCloseTimeout: '1 day',
    retry: { initialInterval: settings.retryInitialIntervalMs, maximumInterval: settings.retryMaximumIntervalMs, backoffCoefficient: 2 },
  });
  const granted = new Set<string>();
  setHandler(providerSlotGrantedSignal, (fingerprint) => void granted.add(fingerprint));
  let fallbackMs = slotFallbackMs;
  return async (err: unknown, input: unknown): Promise<boolean> => {
    const pressure = backPressureOf(err);
    if (!pressure) return false;
    const { projectId, sceneId, taskNumber } = input as ProviderSlotInput;
    log.info('A provider is at its cap: waiting for a turn', { projectId, sceneId, ...pressure.detail });
    if (pressure.type !== backPressureTypes.waitingForSlot) {
      await sleep(Math.max(100, pressure.detail.retryAfterMs ?? 1_000));
    } else if (patched('provider-slot-granted-signal')) {
      const fingerprint = `${projectId}/${sceneId}/${taskNumber}`;
      const far = (pressure.detail.position ?? 1) > slotNearFront && patched('provider-slot-far-fallback');
      const woken = await condition(() => granted.has(fingerprint), far ? slotFallbackFarMs : fallbackMs);
      granted.delete(fingerprint);
      if (!far) fallbackMs = woken ? slotFallbackMs : Math.min(slotFallbackMaxMs, fallbackMs * 2);
    } else {
      await awaitProviderSlot({ projectId, sceneId, taskNumber });
    }
    return true;
  };
}

/**
 * The service calls as local activities first, then, for a service still failing when the local budget
 * is spent, the regular activity for what remains of the outage tolerance (Temporal retries it with
 * backoff, the worker's circuit breaker keeps that cheap).
 */
function localFirst(
  local: ServiceActivities,
  regular: (scheduleToCloseMs: number) => ServiceActivities,
  waitedOut: (err: unknown, input: unknown) => Promise<boolean>,
): ServiceActivities {
  const call =
    <K extends keyof ServiceActivities>(name: K) =>
    async (input: Parameters<ServiceActivities[K]>[0]): Promise<Awaited<ReturnType<ServiceActivities[K]>>> => {
      const run = (via: ServiceActivities) => (via[name] as (i: typeof input) => Promise<Awaited<ReturnType<ServiceActivities[K]>>>)(input);
      const ask = async () => {
        const started = Date.now();
        try {
          return await run(local);
        } catch (caught) {
          const err = asActivityFailure(caught, name);
          if (!retryable(err)) throw err;
          log.warn('A service is still failing: asking as a regular activity, retried through the outage', { activity: name });
          return run(regular(Date.now() - started));
        }
      };
      for (;;) {
        try {
          return await ask();
        } catch (err) {
          if (!(await waitedOut(asActivityFailure(err, name), input))) throw err;
        }
      }
    };
  return {
    requestSceneVideo: call('requestSceneVideo'),
    requestLastFrame: call('requestLastFrame'),
    requestStitch: call('requestStitch'),
    notifyUser: call('notifyUser'),
  };
}

/**
 * The project workflow's activities, each group with the timeouts and retries that suit it. `oneTaskPerCallback`
 * (runs begun after that change): service calls run locally first, see localFirst.
 */
export function activityProxies(settings: WorkflowSettings, oneTaskPerCallback: boolean) {
  const retry = {
    initialInterval: settings.retryInitialIntervalMs,
    maximumInterval: settings.retryMaximumIntervalMs,
    backoffCoefficient: 2,
  };
  const regularServices = (scheduleToCloseMs = settings.serviceOutageToleranceMs) =>
    proxyActivities<ServiceActivities>({ startToCloseTimeout: '30 seconds', scheduleToCloseTimeout: Math.max(1_000, scheduleToCloseMs), retry });
  // Local retries hold the workflow task: a few attempts within a minute at most (and within half the
  // outage tolerance); a longer outage is the regular activity's to ride out.
  const localBudgetMs = Math.min(60_000, settings.serviceOutageToleranceMs / 2);
  const localAttempts = 3;
  return {
    // Service calls ride out outages (Temporal keeps retrying, the circuit breaker keeps it cheap) for up
    // to serviceOutageToleranceMs; a 4xx answer is not retried at all.
    // Run locally (oneTaskPerCallback), a call is made inside the workflow task that took the callback:
    // no activity events and no second task. Retried there for a minute at most.
    services: oneTaskPerCallback
      ? localFirst(
          proxyLocalActivities<ServiceActivities>({
            startToCloseTimeout: '20 seconds',
            scheduleToCloseTimeout: localBudgetMs,
            retry: { ...retry, maximumInterval: Math.min(15_000, settings.retryMaximumIntervalMs), maximumAttempts: localAttempts },
          }),
          (spentMs) => regularServices(settings.serviceOutageToleranceMs - spentMs),
          waitOutBackPressure(settings),
        )
      : regularServices(),
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

/**
 * The media activities, on the media task queue (workers of their own, possibly). Retried like the
 * service calls, through an outage as long as the service outage tolerance; every media activity
 * heartbeats, so a worker that dies mid-copy or mid-stitch is noticed within a minute rather than at the
 * end of its start-to-close timeout.
 */
export function mediaProxies(settings: WorkflowSettings, plan: MediaPlan) {
  const common = {
    taskQueue: plan.taskQueue,
    scheduleToCloseTimeout: settings.serviceOutageToleranceMs,
    retry: { initialInterval: settings.retryInitialIntervalMs, maximumInterval: settings.retryMaximumIntervalMs, backoffCoefficient: 2 },
  };
  // Copies and last frames heartbeat too: a worker killed mid-copy is noticed in 30 s, not 10 minutes.
  const quick = proxyActivities<MediaActivities>({ ...common, startToCloseTimeout: '10 minutes', heartbeatTimeout: '30 seconds' });
  const long = proxyActivities<MediaActivities>({ ...common, startToCloseTimeout: settings.stepTimeoutMs.stitch, heartbeatTimeout: '1 minute' });
  return { copyAsset: quick.copyAsset, extractLastFrame: quick.extractLastFrame, stitchFilm: long.stitchFilm };
}
