import { median } from '../metrics/rolling.ts';

/**
 * A `launch` sweep's plan as the board shows it: each case pending, running, done or failed, and
 * an ETA from the durations of the cases finished so far. Pure; `launch` feeds it its case events.
 */
export type CaseState = 'pending' | 'running' | 'done' | 'failed';

export interface PlanCase {
  id: string;
  state: CaseState;
  started_at: number | null;
  ended_at: number | null;
}

export interface PlanView {
  total: number;
  pending: number;
  running: number;
  done: number;
  failed: number;
  /** Ms until the last case should end: median case duration × cases left (the running one counted by what it has left); null before any case ended. */
  eta_ms: number | null;
  /** The case running now. */
  current: string | null;
}

export class PlanProgress {
  readonly cases: PlanCase[];

  constructor(ids: readonly string[]) {
    this.cases = ids.map((id) => ({ id, state: 'pending', started_at: null, ended_at: null }));
  }

  start(id: string, at: number): void {
    const c = this.cases.find((x) => x.id === id);
    if (c) Object.assign(c, { state: 'running', started_at: at });
  }

  /** A case ended: `ok` is done; failed and interrupted are failed. */
  end(id: string, ok: boolean, at: number): void {
    const c = this.cases.find((x) => x.id === id);
    if (c) Object.assign(c, { state: ok ? 'done' : 'failed', ended_at: at, started_at: c.started_at ?? at });
  }

  view(now: number): PlanView {
    const count = (s: CaseState) => this.cases.filter((c) => c.state === s).length;
    const durations = this.cases.filter((c) => c.ended_at !== null && c.started_at !== null).map((c) => c.ended_at! - c.started_at!);
    const per = median(durations);
    const running = this.cases.filter((c) => c.state === 'running');
    const left = count('pending');
    const eta = per === null ? null : left * per + running.reduce((a, c) => a + Math.max(0, per - (now - (c.started_at ?? now))), 0);
    return { total: this.cases.length, pending: left, running: running.length, done: count('done'), failed: count('failed'), eta_ms: eta, current: running[0]?.id ?? null };
  }
}
