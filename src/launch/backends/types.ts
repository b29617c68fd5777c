/** What a launch backend (ssh, slurm) does for the sweep: run one case at a time, stop it on request. */
import type { SourceEvent } from '../../sources/types.ts';
import type { BackendKind, Plan, PlannedCase } from '../plan.ts';

export interface CaseContext {
  readonly plan: Plan;
  readonly case: PlannedCase;
  /** Live events (lines, node states) for the session store. */
  emit(events: SourceEvent[]): void;
  /** Local directory for this case's copies of the node logs (created by the backend). */
  readonly stagingDir: string;
  now(): number;
}

export type NodeState = 'ok' | 'failed' | 'stopped' | 'lost' | 'not_started';

export interface NodeOutcome {
  readonly node_rank: number;
  readonly host: string | null;
  /** Label of the node on events (host name, or node<k> under slurm). */
  readonly node: string;
  /** File label on events. */
  readonly label: string;
  readonly remoteLog: string;
  /** Local copy of the node's log, null when it could not be fetched. */
  localLog: string | null;
  /** Exit status of the command (128+n after signal n), null when unknown (killed, lost, never started). */
  exitCode: number | null;
  state: NodeState;
  reason: string | null;
  pgid: number | null;
  startedAt: number | null;
  endedAt: number | null;
}

export type CaseStatus = 'ok' | 'failed' | 'interrupted';

export interface CaseOutcome {
  readonly status: CaseStatus;
  /** Why a case failed or stopped (the first cause). */
  readonly reason: string | null;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Largest difference between the nodes' start times, ms (null if not all started). */
  readonly startSkewMs: number | null;
  readonly nodes: NodeOutcome[];
  /** Scheduler job id (slurm). */
  readonly jobId?: string | null;
}

export interface Backend {
  readonly kind: BackendKind;
  /** Label the events of node k of a case carry as `file` (known before any line arrives). */
  fileLabel(c: PlannedCase, k: number): string;
  /** Label the events of node k of a case carry as `node`. */
  nodeLabel(c: PlannedCase, k: number): string;
  /** Run one case to its end (or until stopped). Never throws for a node problem: it is in the outcome. */
  runCase(ctx: CaseContext): Promise<CaseOutcome>;
  /**
   * Stop the running case: graceful (SIGTERM to the process groups we started, SIGKILL after the
   * grace period) or forced (SIGKILL now). Safe to call at any time, any number of times.
   */
  stop(force: boolean): void;
  /** Close connections; called once after the sweep. */
  close(): Promise<void>;
}

/** Control characters out of host-supplied text before it goes into a message. */
export function printable(s: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
