import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../../src/ui/layout.ts';
import { layoutLines } from '../../helpers/layout-lines.ts';

const lines = layoutLines;

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
