/**
 * The parts of running one case that are the same in both launch backends (ssh, slurm): the stop
 * switch that Backend.stop() flips for the running case, a node's outcome before it starts, status
 * events for a node's file, the case's deadline and stop reasons, the exit-status file, and the
 * case outcome.
 */
import type { PlannedNode } from '../plan.ts';
import type { NodeState as FileState } from '../../sources/types.ts';
import type { CaseContext, CaseOutcome, NodeOutcome } from './types.ts';

export type StopRequest = null | 'graceful' | 'force';

/** The stop state of the running case. */
export interface CaseStop {
  stop: StopRequest;
  /** Signal of the poll loop's current sleep: aborted by wake() (a fresh one after each wake). */
  readonly signal: AbortSignal;
  /** End the poll loop's sleep now. */
  wake(): void;
  /** Kill now: set by the backend once stopping has begun. */
  forceNow: () => void;
}

/** Routes Backend.stop() to the case being run (one at a time). */
export class StopSwitch {
  private current: CaseStop | null = null;

  /** A case begins: its stop state, which stop() reaches until end(). */
  begin(): CaseStop {
    let abort = new AbortController();
    const state: CaseStop = {
      stop: null,
      get signal() {
        return abort.signal;
      },
      wake: () => {
        abort.abort();
        abort = new AbortController();
      },
      forceNow: () => {},
    };
    this.current = state;
    return state;
  }

  end(state: CaseStop): void {
    if (this.current === state) this.current = null;
  }

  /** Backend.stop(): graceful (kept until the case ends) or forced (kill now); wakes the case. */
  stop(force: boolean): void {
    const s = this.current;
    if (!s) return;
    if (force) {
      s.stop = 'force';
      s.forceNow();
    } else {
      s.stop ??= 'graceful';
    }
    s.wake();
  }
}

/** A node's outcome before it starts. */
export function notStartedOutcome(pn: PlannedNode, host: string | null, node: string, label: string): NodeOutcome {
  return {
    node_rank: pn.node_rank,
    host,
    node,
    label,
    remoteLog: pn.log,
    localLog: null,
    exitCode: null,
    state: 'not_started',
    reason: null,
    pgid: null,
    startedAt: null,
    endedAt: null,
  };
}

/** A status event for a node's file (its `node` and `label` as in the outcome). */
export function emitFileStatus(ctx: CaseContext, out: NodeOutcome, state: FileState, message?: string): void {
  ctx.emit([{ type: 'status', node: out.node, file: out.label, state, ...(message !== undefined ? { message } : {}), time: ctx.now() }]);
}

/** When the case runs out of time (recipe timeout_s; Infinity without one). */
export function caseDeadline(ctx: CaseContext, startedAt: number): number {
  return ctx.plan.timeout_s !== null ? startedAt + ctx.plan.timeout_s * 1000 : Infinity;
}

export function timeoutReason(ctx: CaseContext): string {
  return `timed out after ${ctx.plan.timeout_s} s (recipe timeout_s)`;
}

export function interruptReason(stop: StopRequest): string {
  return stop === 'force' ? 'interrupted (forced)' : 'interrupted';
}

/** The text of a `node<k>.rc` file → the exit status (null: no file, or not a status). */
export function parseRc(text: string | null): number | null {
  if (text === null) return null;
  const m = /^\s*(\d{1,3})\s*$/.exec(text);
  return m ? Number(m[1]) : null;
}

/** The case's outcome from its nodes' (start skew: latest start − earliest, when all started). */
export function caseOutcome(ctx: CaseContext, startedAt: number, nodes: NodeOutcome[], status: CaseOutcome['status'], reason: string | null, jobId?: string | null): CaseOutcome {
  const starts = nodes.map((n) => n.startedAt);
  const skew = starts.every((s): s is number => s !== null) ? Math.max(...starts) - Math.min(...starts) : null;
  return { status, reason, startedAt, endedAt: ctx.now(), startSkewMs: skew, nodes, ...(jobId !== undefined ? { jobId } : {}) };
}
