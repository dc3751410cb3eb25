/**
 * The video providers a project can choose, and what the workflow and the API see of them. Which
 * provider made a scene is the activities' business (src/providers): the workflow only learns, from
 * the answer to its request, whether the task's completion arrives as a callback or must be polled.
 */
export const providerNames = ['guide', 'replicate', 'fal', 'runway', 'luma'] as const;
export type ProviderName = (typeof providerNames)[number];

/** The guide's own services (tasks.ft.tc): the default, exactly as the services' guide prints it. */
export const defaultProvider: ProviderName = 'guide';

/** How a provider reports a finished task. */
export type Completion = 'webhook' | 'poll';

/**
 * What a task cost, in the unit the provider reports it (never converted: a provider's price list
 * changes, its own unit does not): Replicate's `predict_time` seconds, Runway's credits, fal's and
 * Luma's seconds of video, the guide's services' own `cost` when they send one.
 */
export interface ProviderCost {
  amount: number;
  unit: CostUnit;
}
export const costUnits = ['compute_seconds', 'credits', 'video_seconds', 'usd'] as const;
export type CostUnit = (typeof costUnits)[number];

/** The cost a scene's video recorded (its `cost` field, as completion bodies carry it), if any. */
export function costOf(detail: unknown): ProviderCost | null {
  const cost = (detail as { cost?: { amount?: unknown; unit?: unknown } } | null)?.cost;
  if (typeof cost?.amount !== 'number' || !Number.isFinite(cost.amount) || !costUnits.includes(cost.unit as CostUnit)) return null;
  return { amount: cost.amount, unit: cost.unit as CostUnit };
}

/** Adds costs of the same unit; a film made with several providers reports one total per unit. */
export function sumCosts(costs: readonly (ProviderCost | null | undefined)[]): ProviderCost[] {
  const totals = new Map<CostUnit, number>();
  for (const cost of costs) if (cost) totals.set(cost.unit, (totals.get(cost.unit) ?? 0) + cost.amount);
  return [...totals].map(([unit, amount]) => ({ unit, amount: Math.round(amount * 1e6) / 1e6 }));
}

/** A polled task, as the workflow asks an activity to watch it until it ends. */
/**
 * A provider's back-pressure on a scene's request, as the activity reports it (never a failure of the
 * step): no slot free under the provider's cap yet, or the provider answered 429. The workflow waits
 * (activity-proxies.ts) and asks again, spending no attempt.
 */
export const backPressureTypes = { waitingForSlot: 'WaitingForProviderSlot', providerBusy: 'ProviderBusy' } as const;

/** What a back-pressure failure carries: the scene's place in line, or the provider's Retry-After. */
export interface BackPressureDetail {
  provider: string;
  position?: number;
  waiting?: number;
  retryAfterMs?: number;
}

/** A scene's turn under its provider's cap: the same fingerprint its submit will use. */
export interface ProviderSlotInput {
  projectId: string;
  sceneId: string;
  taskNumber: number;
}

export interface PollTaskInput {
  projectId: string;
  sceneId: string;
  taskId: string;
}
