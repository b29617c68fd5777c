import { quantileSorted } from 'simple-statistics';
import { median } from '../metrics/rolling.ts';

/**
 * The confidence interval of a change between two sets of repeats: a percentile bootstrap of the
 * ratio of medians (candidate median / baseline median − 1). Why this and not a rank test: the
 * figure a team compares is DLPerf's median of the repeats, and the verdict needs an interval on
 * that relative change to hold against `--threshold`; a rank test gives a p-value for "some
 * shift", not a range of plausible changes. Each side is resampled on its own (repeats are not
 * paired across sweeps).
 *
 * Reproducible: every interval is drawn from the same fixed seed (BOOTSTRAP_SEED), restarted for
 * each configuration, so the same inputs always give the same interval whatever else is compared.
 */
export const BOOTSTRAP_SEED = 0x16c0ffee;
export const BOOTSTRAP_RESAMPLES = 4000;

/** mulberry32: a small, well-mixed 32-bit PRNG; only reproducibility matters here, not crypto. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function resampleMedian(xs: readonly number[], rnd: () => number, buf: number[]): number {
  for (let i = 0; i < xs.length; i++) buf[i] = xs[Math.floor(rnd() * xs.length)]!;
  return median(buf)!;
}

/**
 * [low, high] of the relative change at `confidence` (e.g. 0.95), or null when either side has
 * fewer than two repeats (one repeat says nothing about run-to-run noise).
 */
export function changeInterval(baseline: readonly number[], candidate: readonly number[], confidence: number, resamples = BOOTSTRAP_RESAMPLES): [number, number] | null {
  if (baseline.length < 2 || candidate.length < 2) return null;
  const rnd = seededRandom(BOOTSTRAP_SEED);
  const bb = new Array<number>(baseline.length);
  const cb = new Array<number>(candidate.length);
  const ratios: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const mb = resampleMedian(baseline, rnd, bb);
    const mc = resampleMedian(candidate, rnd, cb);
    if (mb > 0) ratios.push(mc / mb - 1);
  }
  if (ratios.length === 0) return null;
  ratios.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return [quantileSorted(ratios, tail), quantileSorted(ratios, 1 - tail)];
}
