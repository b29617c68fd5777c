/** What the screen's keys drive in replay mode (live mode passes none). */
export interface ReplayControls {
  togglePause(): void;
  /** Next/previous speed step: 1×, 2×, 5×, 10×, 60×, max. */
  faster(): void;
  slower(): void;
  /** Move the replay position by `ms` of log time (negative: back). */
  seek(ms: number): void;
  nextRun(): void;
  prevRun(): void;
  /** Jump to the end of the current run (its final numbers). */
  toEnd(): void;
  /** Jump to run `index` of the run list. */
  goToRun(index: number): void;
}

export const SPEED_STEPS: readonly (number | 'max')[] = [1, 2, 5, 10, 60, 'max'];
