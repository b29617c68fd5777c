import type { RunSet } from '../metrics/run-set.ts';
import type { FlagEntry } from './types.ts';

/**
 * Live stall detection: a run whose progress lines stop for `factor` × the median gap between
 * its recent progress lines (and at least `minMs`) is stalled. Raised once per episode; cleared
 * when progress resumes. Judged on the session clock (wall time live, log time in replay).
 */
export class StallWatch {
  private readonly active = new Map<string, number>();

  constructor(
    private readonly factor = 5,
    private readonly minMs = 10_000,
  ) {}

  isStalled(runKey: string): boolean {
    return this.active.has(runKey);
  }

  check(runSet: RunSet, now: number): FlagEntry[] {
    const out: FlagEntry[] = [];
    for (const run of runSet.runs.values()) {
      const p = run.primary();
      if (!p || p.lastIterAt === null || p.ended || p.phase === 'done') {
        this.active.delete(run.key);
        continue;
      }
      const since = this.active.get(run.key);
      if (since !== undefined && since !== p.lastIterAt) this.active.delete(run.key); // progress resumed
      if (this.active.has(run.key)) continue;
      const gaps = p.arrivalGaps;
      if (gaps.size < 3) continue;
      const med = gaps.median() ?? 0;
      const limit = Math.max(this.factor * med, this.minMs);
      const idle = now - p.lastIterAt;
      if (idle < limit) continue;
      this.active.set(run.key, p.lastIterAt);
      const flag = {
        kind: 'stall',
        evidence: p.lastIterText.slice(0, 300) || '(no progress line)',
        line: p.lastIterLineNo,
        file: p.file,
        node: p.node,
        time: now,
        detail: `no progress for ${(idle / 1000).toFixed(0)} s (${this.factor}× the median gap of ${(med / 1000).toFixed(1)} s between progress lines)`,
      };
      run.liveFlags.push(flag);
      out.push({ time: now, run: run.key, node: p.node, file: p.file, flag });
    }
    return out;
  }
}
