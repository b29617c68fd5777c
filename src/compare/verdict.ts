/**
 * The verdict rules (README "compare"): benchstat's logic plus the threshold.
 *
 * - `missing`: the configuration has no figure on one side.
 * - fewer than 2 repeats on a side: no interval can be had; `inconclusive` (too few repeats)
 *   unless the change is FAR_FACTOR × the threshold or more, then `regression`/`improvement`.
 * - |change| ≥ threshold and the interval excludes 0: `regression` / `improvement`.
 * - |change| ≥ threshold but the interval includes 0: `inconclusive` (too noisy).
 * - |change| < threshold: `unchanged` (noting when the interval is wider than the threshold, or
 *   when it shows a real change smaller than the threshold).
 */
export type Verdict = 'regression' | 'improvement' | 'unchanged' | 'inconclusive' | 'missing';
export type InconclusiveReason = 'too_few_repeats' | 'too_noisy';

/** Worst first: the order of the Markdown table and of the overall verdict. */
export const VERDICT_ORDER: readonly Verdict[] = ['regression', 'missing', 'inconclusive', 'improvement', 'unchanged'];

/** With one repeat, a change this many thresholds away is still taken as real. */
export const FAR_FACTOR = 5;

export interface Judgement {
  verdict: Verdict;
  inconclusive: InconclusiveReason | null;
  reason: string;
}

/** "−5.2 %", "+0.3 %": the sign always shown, with a real minus sign. */
export function pct(x: number, digits = 1): string {
  const v = x * 100;
  const s = Math.abs(v).toFixed(digits);
  if (Number(s) === 0) return `${(0).toFixed(digits)} %`;
  return `${v < 0 ? '−' : '+'}${s} %`;
}

const plainPct = (x: number) => `${+(x * 100).toFixed(2)} %`;

export function intervalText(iv: readonly [number, number], confidence: number): string {
  return `${+(confidence * 100).toFixed(1)} % interval ${pct(iv[0])} … ${pct(iv[1])}`;
}

export interface JudgeInput {
  change: number;
  interval: [number, number] | null;
  baselineRuns: number;
  candidateRuns: number;
  threshold: number;
  confidence: number;
}

export function judge(i: JudgeInput): Judgement {
  const { change, interval, threshold: t } = i;
  const dir: Verdict = change < 0 ? 'regression' : 'improvement';
  const beyond = Math.abs(change) >= t;
  if (interval === null) {
    const reps = `${i.baselineRuns} baseline / ${i.candidateRuns} candidate repeat${i.candidateRuns === 1 ? '' : 's'}`;
    if (Math.abs(change) >= FAR_FACTOR * t) {
      return { verdict: dir, inconclusive: null, reason: `${pct(change)}, far beyond the ${plainPct(t)} threshold (≥ ${FAR_FACTOR} ×), though ${reps} give no interval` };
    }
    return {
      verdict: 'inconclusive',
      inconclusive: 'too_few_repeats',
      reason: `too few repeats: ${reps} (an interval needs 2 per side); ${pct(change)} is not far enough beyond the ${plainPct(t)} threshold to tell (${FAR_FACTOR} × = ${plainPct(FAR_FACTOR * t)})`,
    };
  }
  const iv = intervalText(interval, i.confidence);
  const excludesZero = interval[0] > 0 || interval[1] < 0;
  if (beyond && excludesZero) return { verdict: dir, inconclusive: null, reason: `${pct(change)} (${iv}), beyond the ${plainPct(t)} threshold` };
  if (beyond) return { verdict: 'inconclusive', inconclusive: 'too_noisy', reason: `${pct(change)} but the ${iv} includes no change: too noisy to tell` };
  let note = '';
  if (excludesZero) note = '; a real change, smaller than the threshold';
  else if (interval[0] < -t || interval[1] > t) note = '; noisy repeats: the interval is wider than the threshold';
  return { verdict: 'unchanged', inconclusive: null, reason: `${pct(change)} (${iv}), within the ${plainPct(t)} threshold${note}` };
}
