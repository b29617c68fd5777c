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
  /** Model TFLOP/s per GPU the log prints for this line (Megatron-Core, torchtitan, MaxText). */
  tflops?: number;
}

/**
 * The framework's own end-of-run figure (Hugging Face `train_samples_per_second`): it covers the
 * whole run, warmup and start-up included, so it is reported with that note.
 */
export interface SummaryRecord {
  kind: 'summary';
  throughput: number;
  /** Seconds the figure covers (`train_runtime`). */
  runtimeS?: number;
  /** What the figure covers, for the run's notes. */
  note: string;
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

export type ParsedRecord = IterRecord | MetaRecord | MemoryRecord | ClockRecord | SummaryRecord;

/** Stateful (per file) but pure: no IO, no timers. */
export interface LineParser {
  parse(payload: string): ParsedRecord | ParsedRecord[] | undefined;
  /** The file ended: records the parser still holds (a group of every-rank lines not yet closed). */
  flush?(): ParsedRecord | ParsedRecord[] | undefined;
}

/** What one run's throughput counts (summary-json.md `throughput_unit`). */
export type ThroughputUnit = 'samples/s' | 'tokens/s' | 'sequences/s' | 'images/s';

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
  /**
   * `auto`: the rule for formats DLPerf has no method for: the first 10 % of the reports (never fewer
   * than 3) are warmup, the window runs from there to the last report (src/metrics/stored-window.ts).
   */
  start: number | 'first' | 'auto';
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
  /** The printed throughput is per device (per card): the run's figure is it × the world size. */
  perDevice?: boolean;
  /** The printed throughput is per node (MXNet InsightFace): the run's figure is it × the node count. */
  perNode?: boolean;
  /**
   * Every rank prints each iteration into the one file: the consecutive lines of one iteration are one
   * report, whose figure is the median across the ranks (NGC MXNet 20.03, gluon-nlp: DLPerf's reshape
   * + median) or the mean (MindSpore: DLPerf sums every rank's time), and whose clock is its last line's.
   */
  acrossRanks?: 'median' | 'mean';
  /** Every rank's lines are interleaved in the one file (identical prints of two ranks are not damage). */
  everyRank?: boolean;
  /**
   * The reported figure of a line is total batch / its latency, averaged per line (DLPerf's Paddle
   * scripts: mean of rates, not rate of the mean latency); `roundLineTo` rounds each line's rate first.
   */
  meanOfRates?: boolean;
  roundLineTo?: number;
  /** Keep the window's reports (for figures the streaming tracker does not average, e.g. TFLOP/s). */
  keepSeries?: boolean;
  /** The framework's own end-of-run figure (a summary record), when present, is the run's throughput. */
  summaryFirst?: boolean;
}

/** DLPerf's two script families: mean of printed throughput, or samples / wall time. */
export type ThroughputMethod = 'reported' | 'timestamps';

export interface FormatSample {
  text: string;
  /** Records the sample must parse to (undefined: must parse to nothing). */
  expected: ParsedRecord[] | undefined;
  /** false: a progress line that proves nothing alone (a tqdm bar); the format is told by other lines. */
  proves?: false;
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
  /**
   * True for a line that carries this format's progress marker (its step and its throughput or loss
   * key), however damaged the rest. A line the parser then gives no iteration for is counted and
   * flagged `unreadable_progress` (RunSet), never dropped in silence. Reads the whole line, wrappers
   * included: two ranks' output glued on one line loses the progress text to the last rank's tag.
   */
  readonly progressLike?: (line: string) => boolean;
  readonly window: WindowSpec;
  /** What the throughput counts. @default 'samples/s' */
  readonly unit?: ThroughputUnit;
  /** lnav-style samples: every one is checked by one generic test. */
  readonly samples: readonly FormatSample[];
}

export function toArray(r: ParsedRecord | ParsedRecord[] | undefined): ParsedRecord[] {
  if (r === undefined) return [];
  return Array.isArray(r) ? r : [r];
}
