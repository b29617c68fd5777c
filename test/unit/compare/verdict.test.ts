import { describe, expect, it } from 'vitest';
import { BOOTSTRAP_SEED, changeInterval, seededRandom } from '../../../src/compare/bootstrap.ts';
import { FAR_FACTOR, judge, pct } from '../../../src/compare/verdict.ts';

const base = [6171.5, 6132.2, 6144.8, 6179.6, 6168.1];

describe('bootstrap interval of the median ratio', () => {
  it('is reproducible: the same inputs give the same interval, call after call', () => {
    const slow = base.map((x) => x / 1.06);
    const a = changeInterval(base, slow, 0.95)!;
    expect(changeInterval(base, slow, 0.95)).toEqual(a);
    expect(a[0]).toBeLessThan(1 / 1.06 - 1);
    expect(a[1]).toBeGreaterThan(1 / 1.06 - 1);
    expect(a[1]).toBeLessThan(0);
    // The seed is fixed and documented.
    expect(seededRandom(BOOTSTRAP_SEED)()).toBe(seededRandom(0x16c0ffee)());
  });

  it('a set against itself: an interval around 0; wider at a lower repeat count or higher confidence', () => {
    const same = changeInterval(base, base, 0.95)!;
    expect(same[0]).toBeLessThan(0);
    expect(same[1]).toBeGreaterThan(0);
    const narrow = changeInterval(base, base, 0.5)!;
    expect(narrow[1] - narrow[0]).toBeLessThanOrEqual(same[1] - same[0]);
  });

  it('no interval from one repeat on a side', () => {
    expect(changeInterval([1], base, 0.95)).toBeNull();
    expect(changeInterval(base, [1], 0.95)).toBeNull();
  });
});

describe('verdict rules', () => {
  const t = 0.02;
  const j = (change: number, interval: [number, number] | null, n = 5) => judge({ change, interval, baselineRuns: n, candidateRuns: n, threshold: t, confidence: 0.95 });
  it('beyond the threshold with the interval excluding 0: regression or improvement', () => {
    expect(j(-0.05, [-0.07, -0.03]).verdict).toBe('regression');
    expect(j(-0.03, [-0.05, -0.01]).verdict).toBe('regression');
    expect(j(0.05, [0.03, 0.07]).verdict).toBe('improvement');
  });
  it('beyond the threshold but the interval includes 0: inconclusive, too noisy', () => {
    expect(j(-0.05, [-0.15, 0.04])).toMatchObject({ verdict: 'inconclusive', inconclusive: 'too_noisy' });
  });
  it('within the threshold: unchanged, saying when the interval is wide or the change real but small', () => {
    expect(j(0.001, [-0.004, 0.004]).verdict).toBe('unchanged');
    expect(j(0, [-0.097, 0.107]).reason).toContain('noisy repeats');
    expect(j(-0.012, [-0.018, -0.006]).reason).toContain('a real change, smaller than the threshold');
  });
  it('one repeat: inconclusive (too few repeats) unless 5 × the threshold away', () => {
    expect(j(-0.06, null, 1)).toMatchObject({ verdict: 'inconclusive', inconclusive: 'too_few_repeats' });
    expect(j(-FAR_FACTOR * t - 0.001, null, 1).verdict).toBe('regression');
    expect(j(FAR_FACTOR * t + 0.001, null, 1).verdict).toBe('improvement');
  });
  it('percentages carry a sign and a real minus', () => {
    expect(pct(-0.0516)).toBe('−5.2 %');
    expect(pct(0.003)).toBe('+0.3 %');
    expect(pct(-0.0001)).toBe('0.0 %');
  });
});
