import { describe, expect, it } from 'vitest';
import { computeLayout, type Layout, type LayoutInput } from '../../../src/ui/layout.ts';

const lines = (i: LayoutInput, l: Layout) =>
  i.headerLines +
  1 + // footer
  (l.nodeRows ? 1 + l.nodeRows + (i.nodeCount > l.nodeRows ? 1 : 0) : 0) +
  (l.chartRows ? l.chartRows + 2 : 0) +
  (l.flagRows ? 1 + l.flagRows + (i.flagCount > l.flagRows ? 1 : 0) : 0) +
  (l.runRows ? 1 + l.runRows + (i.runCount > l.runRows ? 1 : 0) : 0) +
  (l.logRows ? 1 + l.logRows : 0);

describe('computeLayout', () => {
  it('at 80×24 keeps header, node table, a compact chart and flags, within 23 lines', () => {
    const i = { rows: 24, headerLines: 4, nodeCount: 16, flagCount: 5, runCount: 6, logForced: false };
    const l = computeLayout(i);
    expect(l.nodeRows).toBeGreaterThanOrEqual(2);
    expect(l.chartRows).toBeGreaterThanOrEqual(2);
    expect(l.flagRows).toBeGreaterThanOrEqual(1);
    expect(l.logRows).toBe(0);
    expect(lines(i, l)).toBeLessThanOrEqual(23);
  });

  it('shows the log pane at 24 rows only when forced (focus or filter)', () => {
    const i = { rows: 24, headerLines: 4, nodeCount: 16, flagCount: 5, runCount: 6, logForced: true };
    const l = computeLayout(i);
    expect(l.logRows).toBeGreaterThanOrEqual(4);
    expect(lines(i, l)).toBeLessThanOrEqual(23);
  });

  it('uses more rows when the terminal is taller', () => {
    const small = computeLayout({ rows: 24, headerLines: 2, nodeCount: 16, flagCount: 5, runCount: 0, logForced: false });
    const i = { rows: 60, headerLines: 2, nodeCount: 16, flagCount: 5, runCount: 0, logForced: false };
    const big = computeLayout(i);
    expect(big.nodeRows).toBe(16);
    expect(big.chartRows).toBeGreaterThan(small.chartRows);
    expect(big.logRows).toBeGreaterThan(0);
    expect(lines(i, big)).toBeLessThanOrEqual(59);
  });

  it('never goes negative on a tiny terminal', () => {
    const l = computeLayout({ rows: 5, headerLines: 3, nodeCount: 4, flagCount: 2, runCount: 0, logForced: true });
    expect(Object.values(l).every((v) => v >= 0)).toBe(true);
  });
});
