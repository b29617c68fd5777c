/** Options of the `straggler` signal and the small numeric helpers its sources share. */
export interface StragglerOptions {
  /** Smallest slowdown of the slow node/rank relative to the others that counts. @default 0.08 */
  minRelative?: number;
  /** Consecutive windows (or `--log-straggler` reports) it must be slow for. @default 3 */
  persistence?: number;
}

export const STRAGGLER_DEFAULTS: Required<StragglerOptions> = { minRelative: 0.08, persistence: 3 };
/** Smallest same-iteration arrival lag that counts, whatever the step time (s). */
export const MIN_ARRIVAL_LAG_S = 0.05;

export const resolve = (o?: StragglerOptions): Required<StragglerOptions> => ({
  minRelative: o?.minRelative ?? STRAGGLER_DEFAULTS.minRelative,
  persistence: Math.max(1, Math.round(o?.persistence ?? STRAGGLER_DEFAULTS.persistence)),
});

export const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

/** Median of sorted `s` without its element at index `skip`. */
export function medianWithout(s: ArrayLike<number>, skip: number): number | null {
  const m = s.length - 1;
  if (m <= 0) return null;
  const at = (j: number) => s[j < skip ? j : j + 1]!;
  const mid = m >> 1;
  return m % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}
