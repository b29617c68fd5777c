/**
 * The session store's options, the events it tells its presenters and a file's status: the
 * store's contract with its callers (live, replay, launch, the presenters), apart from the store.
 */
import type { InputProblem } from '../core/types.ts';
import type { RunSet } from '../metrics/run-set.ts';
import type { NodeState } from '../sources/types.ts';
import type { NamedSourceSpec, SourceView } from './source-registry.ts';
import type { FlagEntry } from './types.ts';

export interface StoreOptions {
  runSet: RunSet;
  now: () => number;
  clock: 'wall' | 'replay';
  /** Snapshots are published at most this often, however fast lines arrive. @default 100 */
  publishEveryMs?: number;
  /** Recent raw lines kept per file for the log pane (scroll, search). @default 2000 */
  tailLines?: number;
  /** …and at most this many characters of their text per file (all files together: 16 MiB, see log-tail.ts). @default 256 KiB */
  tailChars?: number;
  /** Speedup baseline: samples/s of one GPU, from --baseline. */
  baselinePerGpu?: number;
  /** A node is quiet after this long without a line, stale after `staleMs`. */
  quietMs?: number;
  staleMs?: number;
  /** Progress gaps this many times the median gap raise `stall`. @default 5 */
  stallFactor?: number;
  /** How a source file maps to the path that decides its run (SSH: the remote path). */
  runPathOf?: (file: string) => string;
  /** The sources the user named: each has a row and a state from the first snapshot (live). */
  sources?: readonly NamedSourceSpec[];
  /**
   * Progress lines of a locked format with a byte parser skip the string path (session/fast-line.ts;
   * live passes pipeline/byte-feed.ts's bytePathDefault()). The store ends the same either way.
   * @default false
   */
  bytePath?: boolean;
  /**
   * A run whose only change since its last report is more lines gets a new report (its verdicts,
   * final figure, node deviations and arrival lags) at most this often, on the session clock; its
   * node rows' counters and live figures are new in every snapshot whatever this says. Anything
   * else about the run (a file added or ended, a flag a line raised, an identity change) and a
   * `flush({ fresh: true })` (the last snapshot) make a report at once. Live sets it: at 1,024
   * streams and ten snapshots a second, judging every run ten times a second was a third of the
   * snapshot's cost and garbage. @default 0 (a report whenever a line came)
   */
  analysisEveryMs?: number;
}

/** What presenters are told as it happens (NDJSON event lines, headless stderr). */
export type StoreEvent =
  | { kind: 'flag'; entry: FlagEntry }
  | { kind: 'phase'; run: string; node: string; file: string; phase: string; time: number }
  | { kind: 'state'; node: string; file: string; state: NodeState; message?: string; time: number }
  | { kind: 'source'; view: SourceView; time: number }
  /** A source's problem (a binary file, a cut line, a name skipped): headless live says it on stderr. */
  | { kind: 'problem'; problem: InputProblem; time: number };

export interface NodeStatus {
  state: NodeState;
  message?: string;
  since: number;
}
