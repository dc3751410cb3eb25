import type { Client } from '@temporalio/client';
import type { StandInTask } from '../src/dev/providers/stand-in-server';
import { wakeBreakdown, type FreedSlot, type WakeBreakdown } from './caps-wakes';
import { quantile } from './support';

export type HandOverStats = { samples: number; p50: number; p99: number; max: number };

export function handOverStats(handOvers: number[]): HandOverStats {
  const hand = [...handOvers].sort((a, b) => a - b);
  return { samples: hand.length, p50: Math.round(quantile(hand, 0.5)), p99: Math.round(quantile(hand, 0.99)), max: Math.round(hand[hand.length - 1] ?? 0) };
}

/** The films that waited, in the order the provider accepted them, each with the slot it took (the oldest finish not yet matched) and its hand-over (ms). */
function matched(tasks: StandInTask[], cap: number): { film: string; acceptedAt: number; slot: FreedSlot; ms: number }[] {
  const accepted = [...tasks].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const finished = tasks.filter((t) => t.finishedAt).sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime());
  return accepted.slice(cap).flatMap((t, i) => {
    const slot = finished[i];
    const freed = slot && { finishedAt: slot.finishedAt!.getTime(), webhookAnsweredAt: slot.webhookAnsweredAt?.getTime() };
    return freed ? [{ film: t.prompt.split(':')[0], acceptedAt: t.createdAt.getTime(), slot: freed, ms: t.createdAt.getTime() - freed.finishedAt }] : [];
  });
}

/**
 * Hand-overs as the provider sees them: each create it accepts once the cap was first full is matched
 * to the oldest finish not yet matched (the slot that freed first); the time between is the hand-over
 * (ms), for the creates accepted from `acceptedFrom` on.
 */
export const handOvers = (tasks: StandInTask[], cap: number, acceptedFrom = 0): number[] =>
  matched(tasks, cap).flatMap(({ acceptedAt, ms }) => (acceptedAt >= acceptedFrom ? [ms] : []));

/** Each film that waited, with the slot it took. */
export const freedSlots = (tasks: StandInTask[], cap: number): Map<string, FreedSlot> => new Map(matched(tasks, cap).map(({ film, slot }) => [film, slot]));

/** The slowest hand-overs, when (seconds into the run) they happened, and where their time went (from the films' histories). */
export interface SlowestHandOvers {
  count: number;
  /** The fastest of them: every hand-over slower than the p99 is among them. */
  fromMs: number;
  /** When each came, in seconds from the provider's first accept. */
  atSeconds: number[];
  /** How many came while films were still being created. */
  beforeAllCreated: number;
  chain: WakeBreakdown;
}

/** The `count` slowest hand-overs, read link by link as the line's sample is (bench/caps-wakes.ts). */
export async function slowestHandOvers(client: Client, tasks: StandInTask[], cap: number, allCreated: number, count = 12): Promise<SlowestHandOvers> {
  const firstAccept = Math.min(...tasks.map((t) => t.createdAt.getTime()));
  const slowest = matched(tasks, cap).sort((a, b) => b.ms - a.ms).slice(0, count);
  const acceptedAt = new Map(slowest.map((h) => [h.film, h.acceptedAt]));
  const chain = await wakeBreakdown(client, [...acceptedAt.keys()], acceptedAt, new Map(slowest.map((h) => [h.film, h.slot])), count);
  return {
    count: slowest.length,
    fromMs: Math.min(...slowest.map((h) => h.ms)),
    atSeconds: slowest.map((h) => Math.round((h.acceptedAt - firstAccept) / 100) / 10).sort((a, b) => a - b),
    beforeAllCreated: slowest.filter((h) => h.acceptedAt < allCreated).length,
    chain,
  };
}
