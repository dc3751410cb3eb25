/** The nearest length a model makes to the one wanted (the shorter of two as near). */
export function nearestDuration(wanted: number, durations: readonly number[]): number {
  return durations.reduce((best, d) => (Math.abs(d - wanted) < Math.abs(best - wanted) ? d : best), durations[0]);
}
