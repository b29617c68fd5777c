/**
 * Freezing runs of inputs whose names are known only as they are read (archives, and trees the
 * name walk of freeze-plan.ts cannot vouch for): summary freezes a run once RECENT_RUNS other runs
 * have ended after its last file, betting that no file still to come belongs to it. The bet is
 * checked, never trusted: a later member of a frozen run (or a duplicate of one of its members,
 * whose flag the run must carry) makes the run a redo. Its frozen report is dropped, and after the
 * inputs are read, a second pass reads again only the members of the redo runs, in their order,
 * into fresh runs (every other member is skipped unread), frozen as soon as their last member is
 * fed. A run's report depends only on its own files' lines in their order, so the result is the
 * same as with no freezing at all; in the first pass a redo run's later members are still read
 * (into a run let go at once) so that problems, file and line counts stay in their places.
 *
 * Only for inputs that can be read twice: regular files and directories (not stdin, a pipe or a
 * device; see {@link rereadable}). The second read is checked against the first (files and lines
 * per redo run): a file that changed between them is reported, never silently mixed.
 *
 * Memory: the state of at most RECENT_RUNS ended runs (and RECENT_BYTES of their text), plus per frozen run its key and two counts.
 * Adjacent files of a run (node1/x.log, node2/x.log in tar order) meet while the run is recent;
 * only layouts that spread a run's files over more than RECENT_RUNS other runs pay the second pass.
 */
import { stat } from 'node:fs/promises';

/** Ended runs kept unfrozen (their files may still be followed by another of theirs)... */
export const RECENT_RUNS = 256;
/**
 * ...while their logs hold at most this much text: an ended run keeps state that grows with its
 * log (a stored window's records), and 256 runs of 300 KB logs were 30 MiB more peak RSS than 16
 * (many-1000.tgz), with the GC's marking of them.
 */
export const RECENT_BYTES = 8 << 20;

interface Counts {
  files: number;
  lines: number;
  /** Text read of the run's files (kept for the recent ones only). */
  bytes: number;
}

/** True when every input can be read again the same way (no stdin, pipe, socket or device). */
export async function rereadable(inputs: readonly string[]): Promise<boolean> {
  for (const arg of inputs) {
    if (arg === '-') return false;
    try {
      const st = await stat(arg);
      if (!st.isFile() && !st.isDirectory()) return false;
    } catch {
      // Reported as a problem by the walk; it yields no file either time.
    }
  }
  return true;
}

export class LateFreeze {
  /** Ended, unfrozen runs, oldest first (a Map keeps insertion order). */
  private readonly recent = new Map<string, Counts>();
  private readonly frozen = new Map<string, Counts>();
  /** Runs frozen too early: what the first pass read of them (for the second pass and its check). */
  readonly redo = new Map<string, Counts>();

  private recentBytes = 0;

  constructor(
    private readonly keep = RECENT_RUNS,
    private readonly keepBytes = RECENT_BYTES,
  ) {}

  /**
   * A file of run `key` is about to be read. True when the run is a redo (frozen before, or
   * already a redo): the file is read only for its problems and counts, and its run let go.
   */
  opening(key: string): boolean {
    if (this.redo.has(key)) return true;
    const f = this.frozen.get(key);
    if (!f) return false;
    this.frozen.delete(key);
    this.redo.set(key, f);
    return true;
  }

  /** A duplicate of a member of run `key` was found: a frozen run must be made again to carry its flag. True when it was frozen. */
  duplicate(key: string): boolean {
    return this.frozen.has(key) && this.opening(key);
  }

  /** A file of run `key` ended after `lines` lines and `bytes` of text. Returns the runs to freeze now (oldest beyond the limits). */
  ended(key: string, lines: number, bytes: number): string[] {
    const r = this.redo.get(key);
    if (r) {
      r.files++;
      r.lines += lines;
      r.bytes += bytes;
      return [];
    }
    const c = this.recent.get(key) ?? { files: 0, lines: 0, bytes: 0 };
    this.recent.delete(key);
    c.files++;
    c.lines += lines;
    c.bytes += bytes;
    this.recentBytes += bytes;
    this.recent.set(key, c);
    const out: string[] = [];
    for (const [k, v] of this.recent) {
      // The run just ended stays (its next file may be the very next member).
      if ((this.recent.size <= this.keep && this.recentBytes <= this.keepBytes) || k === key) break;
      this.recent.delete(k);
      this.recentBytes -= v.bytes;
      this.frozen.set(k, v);
      out.push(k);
    }
    return out;
  }
}
