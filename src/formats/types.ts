import type { RunIdentity } from '../core/types.ts';

/** One training progress print: an iteration (or the end of a logging interval). */
export interface IterRecord {
  kind: 'iter';
  /** Iteration/step number as the log prints it. */
  iter: number;
  epoch?: number;
  /** Log time in seconds since the Unix epoch (or since midnight for time-of-day-only formats). */
  time?: number;
  /** The same time in whole microseconds, when the log prints microseconds exactly (DLL, absl). */
  timeUs?: number;
  /** Global samples/s the log itself reports for this line. */
  throughput?: number;
  /** Seconds per iteration the log reports (over its logging interval). */
  latencyS?: number;
  /** Iterations this line covers (its logging interval), when the format says so. */
  interval?: number;
  loss?: number;
  /** The iteration did no optimizer step (fp16 loss-scale skip): not a steady-state sample. */
  skipped?: boolean;
  /** Global batch size printed on the line (Megatron). */
  globalBatch?: number;
  /** Rank that printed the line, when several ranks print into one file. */
  rank?: number;
  /** Seconds this iteration spent computing (forward, backward, step) on the printing rank (NGC `train.compute_time`). */
  computeS?: number;
  /** Seconds this iteration waited for its input batch on the printing rank (NGC `train.data_time`). */
  dataS?: number;
}

/** Configuration read from the log's own content (argument dumps, PARAMETER lines). */
export interface MetaRecord {
  kind: 'meta';
  fields: Partial<RunIdentity> & { world_size?: number; log_interval?: number; train_iters?: number };
}

/** GPU memory in use, from an in-band nvidia-smi block or a framework print. */
export interface MemoryRecord {
  kind: 'memory';
  mib: number;
}

/** A line that carries a clock but no metric (used to pace replays). */
export interface ClockRecord {
  kind: 'clock';
  time: number;
}

export type ParsedRecord = IterRecord | MetaRecord | MemoryRecord | ClockRecord;

/** Stateful (per file) but pure: no IO, no timers. */
export interface LineParser {
  parse(payload: string): ParsedRecord | ParsedRecord[] | undefined;
}

/**
 * How DLPerf measures a run of this format (spec/methodology.md, formats.md §6).
 * - `iter`: the window runs from the first progress line whose iteration ≥ start to the first ≥ end;
 *   samples = total batch × (iter_end − iter_start).
 * - `line`: progress lines are counted (those with iteration > skipIterAtMost), the window runs from
 *   counted line `start` to counted line `end`; samples = total batch × (end − start) × itersPerLine.
 * Throughput = samples / (t_end − t_start) where both ends carry a clock ("timestamps"); otherwise the
 * mean of the reported figures over the lines of the window ("reported"): a reported throughput,
 * or global batch / mean latency for formats that report seconds per iteration.
 * `end: null` means "to the end of the log" (the window completes when the input ends).
 */
export interface WindowSpec {
  unit: 'iter' | 'line';
  start: number | 'first';
  end: number | null;
  skipIterAtMost?: number;
  itersPerLine?: number;
  /** DLPerf rounds each run's figure to 2 decimals before the median in its NGC-style scripts. */
  roundTo?: number;
  /** Prefer the reported figures even when lines carry a clock (GPT/Megatron: DLPerf quotes latency). */
  preferReported?: boolean;
  /** Fewest window lines for a reported-method figure. */
  minLines?: number;
  /**
   * The method behind DLPerf's PUBLISHED table for this format (methodology.md), used unless
   * `--method` says otherwise. Default: `reported` where `preferReported`, else `timestamps`.
   */
  published?: ThroughputMethod;
  /** The reported mean includes the window's first line (NGC TF ResNet50: lines [0:100]); default: lines after it. */
  reportedIncludesStart?: boolean;
  /** Each reported value is rounded to this many decimals before the mean (NGC TF ResNet50's script). */
  roundEachTo?: number;
  /** A repeated start iteration moves the start to its last print (NGC TF BERT: the LAST `Iteration: 20`). */
  startAtLastRepeat?: boolean;
  /**
   * `half`: the window is the second half of the run — prints after iteration `train_iters / 2`
   * (from the argument dump; the last iteration seen when the log does not say), OneFlow GPT.
   */
  startRule?: 'half';
  /**
   * `half-open`: with `--window A:B`, the reported mean covers the prints at iterations A ≤ i < B
   * (DLPerf's extract_gpt_result.py, first revision: 300 ≤ i < 400), not A < i ≤ B.
   */
  overrideReported?: 'half-open';
  /** Said after a too-short window's reason: what the format does not count (MLPerf: records after run_stop). */
  shortNote?: string;
  /** The print that closes the window is not in the reported mean (set from `overrideReported`). */
  reportedExcludesEnd?: boolean;
}

/** DLPerf's two script families: mean of printed throughput, or samples / wall time. */
export type ThroughputMethod = 'reported' | 'timestamps';

export interface FormatSample {
  text: string;
  /** Records the sample must parse to (undefined: must parse to nothing). */
  expected: ParsedRecord[] | undefined;
}

export interface LogFormat {
  /** Stable id, printed in summary JSON `format`. */
  readonly id: string;
  readonly title: string;
  readonly framework: string;
  /** Model when the format implies it (e.g. GPT trainers). */
  readonly model?: string;
  /** Cheap check on one payload: true if this line proves the format. */
  detect(payload: string): boolean;
  createParser(): LineParser;
  readonly window: WindowSpec;
  /** lnav-style samples: every one is checked by one generic test. */
  readonly samples: readonly FormatSample[];
}

export function toArray(r: ParsedRecord | ParsedRecord[] | undefined): ParsedRecord[] {
  if (r === undefined) return [];
  return Array.isArray(r) ? r : [r];
}
