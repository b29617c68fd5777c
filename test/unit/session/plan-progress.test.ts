import { describe, expect, it } from 'vitest';
import { PlanProgress } from '../../../src/session/plan-progress.ts';
import { boardLines } from '../../../src/ui/board-text.ts';
import type { SessionSnapshot } from '../../../src/session/types.ts';

describe('a launch plan on the board', () => {
  it('counts cases pending, running, done and failed; no ETA before a case ended', () => {
    const p = new PlanProgress(['a', 'b', 'c', 'd']);
    expect(p.view(0)).toEqual({ total: 4, pending: 4, running: 0, done: 0, failed: 0, eta_ms: null, current: null });
    p.start('a', 0);
    expect(p.view(1000)).toMatchObject({ pending: 3, running: 1, eta_ms: null, current: 'a' });
  });

  it('ETA: the median case duration for each case left, the running one by what it has left', () => {
    const p = new PlanProgress(['a', 'b', 'c', 'd', 'e']);
    p.start('a', 0);
    p.end('a', true, 60_000);
    p.start('b', 60_000);
    p.end('b', false, 180_000); // a failed case took its time too
    p.start('c', 180_000);
    // durations 60 s and 120 s: median 90 s; c has run 30 s (60 s left), d and e 90 s each
    expect(p.view(210_000)).toEqual({ total: 5, pending: 2, running: 1, done: 1, failed: 1, eta_ms: 60_000 + 2 * 90_000, current: 'c' });
    // running longer than the median: nothing more than the pending ones
    expect(p.view(400_000).eta_ms).toBe(2 * 90_000);
  });

  it('boardLines shows the plan line under the title', () => {
    const p = new PlanProgress(['a', 'b', 'c']);
    p.start('a', 0);
    p.end('a', true, 65_000);
    p.start('b', 65_000);
    const snap = { now: 70_000, clock: 'wall', startedAt: 0, runs: [], groups: [], nodes: [], flags: [], problems: [], totals: { lines: 0, bytes: 0, files: 0, dropped: 0 }, plan: p.view(70_000), version: 1 } as SessionSnapshot;
    const lines = boardLines(snap, 100);
    expect(lines[1]).toBe('  plan: 1 of 3 done · 1 running · 0 failed · 1 pending · ETA 2:05');
    expect(lines).toContain('  no configuration has a run yet');
    p.end('b', true, 130_000);
    p.start('c', 130_000);
    p.end('c', false, 190_000);
    expect(boardLines({ ...snap, plan: p.view(190_000) }, 100)[1]).toBe('  plan: 2 of 3 done · 0 running · 1 failed · 0 pending · finished');
  });
});
