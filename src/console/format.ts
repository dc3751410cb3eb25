const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** "3 minutes ago". */
export function age(iso: string, now = Date.now()): string {
  const ms = new Date(iso).getTime() - now;
  for (const [unit, size] of units) if (Math.abs(ms) >= size || unit === 'second') return relative.format(Math.round(ms / size), unit);
  return iso;
}

/** "850 ms", "12.4 s", "3 min 5 s". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const time = (iso: string) => new Date(iso).toLocaleString();

export const stepLabel: Record<string, string> = { video: 'Video', lastFrame: 'Last frame', stitch: 'Stitch' };

/** A provider's cost in its own unit: `3.2 compute seconds`, `40 credits`. */
export const formatCost = ({ amount, unit }: { amount: number; unit: string }): string =>
  `${Number(amount.toFixed(3))} ${unit.replace('_', ' ')}`;

/** Providers as their own sites spell them. */
export const providerLabel: Record<string, string> = { guide: "the guide's services", replicate: 'Replicate', fal: 'fal', runway: 'Runway', luma: 'Luma' };

const ordinalRules = new Intl.PluralRules('en', { type: 'ordinal' });
const ordinalSuffix: Record<string, string> = { one: 'st', two: 'nd', few: 'rd', other: 'th' };

/** 1st, 2nd, 3rd, 4th, 11th, 22nd, 37th. */
export const ordinal = (n: number): string => `${n}${ordinalSuffix[ordinalRules.select(n)] ?? 'th'}`;
