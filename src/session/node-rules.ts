import type { FileTrack } from '../metrics/file-track.ts';
import type { Run } from '../metrics/run.ts';
import type { NodeState } from '../sources/types.ts';

/**
 * How long a source may go without a line before it is `quiet`, then `stale` (at least 10 s and
 * 60 s, longer for a log whose progress lines are further apart), and the two
 * exceptions that keep the screen from crying wolf (issue 15):
 * - a run that is done (its measured window is complete: "Experiment ended", the last counted
 *   iteration) is finished, not stalled: its quiet sources become `ended`, never `stale`;
 * - a source that prints no progress lines while another source of its run does (Megatron prints
 *   iterations on the last rank only) is silent by design: it may be `quiet`, never `stale` for it.
 * Pure: the store applies the verdict on its clock.
 */
export interface QuietRule {
  quietMs: number;
  staleMs: number;
}

export interface QuietVerdict {
  state: NodeState;
  message?: string;
}

/** Files of the run that print progress lines, and how many files the run has. */
export function progressPrinters(run: Run): { printers: FileTrack[]; files: number } {
  return { printers: run.files.filter((f) => f.lastIter !== null), files: run.files.length };
}

/** What a file of `run` that prints no progress lines is told (null: no file of the run prints any). */
function runNote(run: Run): string | null {
  const { printers, files } = progressPrinters(run);
  if (printers.length === 0) return null;
  const nodes = new Set(run.files.map((x) => x.node)).size;
  const what = nodes === files ? 'nodes' : 'files';
  return `no progress lines: ${printers.length} of ${files} ${what} print${printers.length === 1 ? 's' : ''} them`;
}

/**
 * Why a source shows no iterations although its run progresses: `no progress lines: 1 of 4 nodes
 * prints them`. The note is the run's (it walks the run's files): `memo` keeps it per run across
 * the calls of one snapshot or tick, which ask it for every file (O(files²) without it).
 */
export function noProgressNote(f: FileTrack, run: Run, memo?: Map<Run, string | null>): string | null {
  if (f.lastIter !== null) return null;
  if (!memo) return runNote(run);
  let note = memo.get(run);
  if (note === undefined) {
    note = runNote(run);
    memo.set(run, note);
  }
  return note;
}

/**
 * The state a streaming or quiet source moves to after `ageMs` without a line, or null to stay.
 * `current` is its state now (only `streaming` and `quiet` move).
 */
export function quietVerdict(current: NodeState, ageMs: number, f: FileTrack, run: Run, rule: QuietRule, memo?: Map<Run, string | null>): QuietVerdict | null {
  if (current !== 'streaming' && current !== 'quiet') return null;
  // A log that prints every 13 s (OneFlow BERT: every 20 steps) is not quiet after 10 s, nor one
  // that prints every 50 s stale after 60: the thresholds stretch with the run's usual gap.
  const gap = usualGapMs(f, run);
  const quietMs = Math.max(rule.quietMs, 2 * gap);
  const staleMs = Math.max(rule.staleMs, 5 * gap);
  if (ageMs < quietMs) return null;
  if (run.primary()?.phase === 'done') return { state: 'ended', message: 'run done (measured window complete); no lines since' };
  const note = noProgressNote(f, run, memo);
  if (note) return current === 'quiet' ? null : { state: 'quiet', message: note };
  if (ageMs >= staleMs) return { state: 'stale' };
  return current === 'streaming' ? { state: 'quiet' } : null;
}

/** Median gap (ms) between the progress lines of this file, else of its run's primary file; 0 when too few are known. */
function usualGapMs(f: FileTrack, run: Run): number {
  const own = f.arrivalGaps.size >= 1 ? f.arrivalGaps.median() : null;
  const p = run.primary();
  const runs = p && p.arrivalGaps.size >= 1 ? p.arrivalGaps.median() : null;
  return own ?? runs ?? 0;
}
