import type { Flag, InputProblem, RunIdentity } from '../core/types.ts';
import type { GroupReport } from '../metrics/aggregate.ts';
import type { PlanView } from './plan-progress.ts';
import type { SeriesPoint } from '../metrics/file-track.ts';
import type { NodeState } from '../sources/types.ts';
import type { SourceView } from './source-registry.ts';
import type { Transport } from '../signals/types.ts';

export type RunPhase = 'warmup' | 'measuring' | 'done' | 'stalled' | 'failed';

/** One run as every presenter sees it (Ink screen, NDJSON, final table). */
export interface RunView extends RunIdentity {
  key: string;
  source: string;
  format: string | null;
  phase: RunPhase;
  iteration: number | null;
  throughput_instant: number | null;
  throughput_rolling_median: number | null;
  /** The final figure, set once the window is complete (equals `summary`). */
  throughput: number | null;
  throughput_method: 'timestamps' | 'reported' | null;
  /** What the throughput counts (`samples/s`, `tokens/s`, …), always the whole cluster's. */
  throughput_unit?: string | null;
  latency_ms: number | null;
  memory_mib: number | null;
  /** Median step time (s) over recent iterations. */
  step_time_s: number | null;
  speedup: number | null;
  scaling_efficiency: number | null;
  status: string;
  flags: Flag[];
  nodes: string[];
  transport: Transport | null;
  /** Cluster throughput over time (primary node), for the chart. */
  series: SeriesPoint[];
  /** Time (session clock, ms) the run's first and latest lines were seen. */
  first_seen: number | null;
  last_seen: number | null;
}

/**
 * One source stream (a file on a node), or a named source that has not delivered a line yet (a
 * placeholder row: `run` null, no numbers, its `state` and `reason` say why).
 */
export interface NodeView {
  node: string;
  source: string;
  run: string | null;
  state: NodeState;
  /** Why, in a few words (spec/ndjson.md): null while all is well. */
  reason?: string | null;
  message?: string;
  /** Set when this source prints no progress lines while others of its run do (never stale for it). */
  note: string | null;
  bytes: number;
  lines: number;
  last_line_age_s: number | null;
  iteration: number | null;
  phase: string | null;
  throughput_instant: number | null;
  throughput_rolling_median: number | null;
  step_time_s: number | null;
  /** Median per-iteration compute / data-loading seconds this node prints (NGC), where the log has them. */
  compute_time_s: number | null;
  data_time_s: number | null;
  /**
   * Relative difference from the median of the run's other nodes, measured on `deviation_of`
   * (compute time, else step time, else throughput; see session/node-metrics.ts). Times: + is
   * slower; throughput: − is slower. Null for a run of one file.
   */
  deviation: number | null;
  deviation_of: 'compute_time' | 'step_time' | 'throughput' | null;
  /** Seconds after the first node this node printed the latest iteration they all printed. */
  arrival_lag_s: number | null;
  flags: Flag[];
  series: SeriesPoint[];
}

/** A problem a source reported, with the session time it was reported at (live). */
export type TimedProblem = InputProblem & { readonly time?: number };

export interface FlagEntry {
  time: number;
  run: string;
  node: string;
  file: string;
  flag: Flag;
}

export interface LogLine {
  lineNo: number;
  text: string;
  time: number;
}

export interface ReplayInfo {
  speed: number | 'max';
  paused: boolean;
  runIndex: number;
  runCount: number;
  runNames: string[];
  /** Log time position and the current run's span (ms). */
  position: number;
  start: number;
  end: number;
  /** Set when the log has no clock and pacing comes from its reported step times. */
  pacing: 'clock' | 'step-times' | 'line-order';
  finished: boolean;
  /** Held at the end of the run (its final numbers) until `n`, `N`, `←` or space; absent when not. */
  held?: boolean;
}

export interface SessionSnapshot {
  /** Session clock (ms): wall time in live mode, log time in replay. */
  now: number;
  clock: 'wall' | 'replay';
  startedAt: number;
  runs: RunView[];
  /** The sweep's scaling table so far: exactly `summary`'s groups of the runs seen (metrics/report-groups.ts). */
  groups: GroupReport[];
  nodes: NodeView[];
  flags: FlagEntry[];
  problems: TimedProblem[];
  /** The sources the user named (live): state, reason, files followed, whether they report. */
  sources?: SourceView[];
  /** `sources`/`reporting`: named sources, and those that delivered a line (live; 0 in replay). */
  totals: { sources?: number; reporting?: number; lines: number; bytes: number; files: number; dropped: number; problems?: number };
  replay?: ReplayInfo;
  /** A `launch` sweep's cases (pending, running, done, failed) and ETA. */
  plan?: PlanView;
  /** Monotonic version, bumped on every publish. */
  version: number;
}
