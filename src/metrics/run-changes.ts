import type { FileTrack } from './file-track.ts';

/**
 * A run's change counters (Run.changes), shared by its files (FileTrack.owner), so that the run can
 * tell a change without visiting every file: its caches (identity, merged content, primary file,
 * files by label) are keyed on them.
 */
export interface RunChanges {
  /** Bumped with every change of a file's content or progress state that picks the primary. */
  version: number;
  /** Bumped when a file's content or format changes. */
  content: number;
  /** Bumped when a file joins or leaves the run (RunSet). */
  files: number;
  /**
   * Whose content changed since the run last merged its files' contents: the one file, or null
   * when more than one did or files came or went (then the run merges afresh). Undefined: none.
   */
  contentFrom?: FileTrack | null;
}
