import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../../src/ui/layout.ts';
import { layoutLines } from '../../helpers/layout-lines.ts';

const lines = layoutLines;

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
