import { describe, expect, it } from 'vitest';
import { computeLayout, type Layout, type LayoutInput } from '../../../src/ui/layout.ts';

/** Lines the screen takes for a layout, the board (title + heading + rows + "+N more") included. */
const lines = (i: LayoutInput, l: Layout) =>
  i.headerLines +
  1 +
  (l.boardRows ? 2 + l.boardRows + ((i.boardCount ?? 0) > l.boardRows ? 1 : 0) : 0) +
  (l.nodeRows ? 1 + l.nodeRows + (i.nodeCount > l.nodeRows ? 1 : 0) : 0) +
  (l.chartRows ? l.chartRows + 2 : 0) +
  (l.flagRows ? 1 + l.flagRows + (i.flagCount > l.flagRows ? 1 : 0) : 0) +
  (l.runRows ? 1 + l.runRows + (i.runCount > l.runRows ? 1 : 0) : 0) +
  (l.logRows ? 1 + l.logRows : 0);

describe('computeLayout with the board', () => {
  it('at 80×24: the whole 4-row board, the node table, flags; no chart; within 23 lines', () => {
    const i = { rows: 24, headerLines: 3, nodeCount: 4, flagCount: 3, runCount: 20, logForced: false, boardCount: 4 };
    const l = computeLayout(i);
    expect(l.boardRows).toBe(4);
    expect(l.chartRows).toBe(0);
    expect(l.nodeRows).toBe(4);
    expect(l.flagRows).toBeGreaterThanOrEqual(1);
    expect(lines(i, l)).toBeLessThanOrEqual(23);
  });

  it('a long sweep at 80×24 keeps at least 4 board rows and 2 nodes', () => {
    const i = { rows: 24, headerLines: 4, nodeCount: 16, flagCount: 10, runCount: 100, logForced: false, boardCount: 30 };
    const l = computeLayout(i);
    expect(l.boardRows).toBeGreaterThanOrEqual(4);
    expect(l.nodeRows).toBeGreaterThanOrEqual(2);
    expect(lines(i, l)).toBeLessThanOrEqual(23);
  });

  it('at 250×70 every configuration of a 30-row sweep is on the board', () => {
    const i = { rows: 70, headerLines: 3, nodeCount: 4, flagCount: 3, runCount: 100, logForced: false, boardCount: 30 };
    const l = computeLayout(i);
    expect(l.boardRows).toBe(30);
    expect(lines(i, l)).toBeLessThanOrEqual(69);
  });

  it('without a board (boardCount 0 or absent) nothing changes: the chart is back', () => {
    const base = { rows: 40, headerLines: 3, nodeCount: 4, flagCount: 3, runCount: 20, logForced: false };
    expect(computeLayout({ ...base, boardCount: 0 })).toEqual(computeLayout(base));
    expect(computeLayout(base).boardRows).toBe(0);
    expect(computeLayout(base).chartRows).toBeGreaterThan(0);
  });
});
