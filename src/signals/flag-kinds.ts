/**
 * Every flag kind a run or a group can carry (spec/summary-json.md "flags[].kind"), with what it
 * means. `--fail-on` is checked against this registry, so a kind added here (by a new detector or
 * a new run-model check) is accepted by the command line at once, and a typo never passes silently.
 */
export const FLAG_KINDS: readonly { kind: string; about: string }[] = [
  { kind: 'ib_fallback', about: 'NCCL fell back from InfiniBand/RoCE to TCP sockets' },
  { kind: 'outlier', about: 'a repeat far from its group median' },
  { kind: 'straggler', about: 'one node slower than the others' },
  { kind: 'oom', about: 'out of memory' },
  { kind: 'nccl_error', about: 'an NCCL error or watchdog timeout' },
  { kind: 'nan_loss', about: 'loss became NaN or infinite' },
  { kind: 'stall', about: 'the log stopped while the run was measuring' },
  { kind: 'crashed', about: 'a traceback, signal or non-zero exit' },
  { kind: 'too_short', about: 'the run ended before its measuring window completed' },
  { kind: 'name_mismatch', about: 'file or folder name disagrees with the log' },
  { kind: 'incomplete', about: 'a group has fewer repeats than expected' },
  { kind: 'scaling', about: 'scaling efficiency outside the plausible range' },
  { kind: 'method_disagreement', about: 'reported and timestamp throughput differ by more than 3 %' },
  { kind: 'duplicate_lines', about: 'the same iteration printed more than once' },
  { kind: 'clock_jump', about: 'time goes backwards or leaps inside the window' },
  { kind: 'iteration_reset', about: 'the iteration counter starts over' },
  { kind: 'implausible_value', about: 'negative, NaN, infinite or absurd throughput' },
  { kind: 'duplicate_member', about: 'one archive path twice' },
  { kind: 'unreadable_progress', about: 'a line that looks like a progress line could not be read (not counted)' },
];

/** The kinds `--fail-on` accepts. */
export function knownFlagKinds(): readonly string[] {
  return FLAG_KINDS.map((k) => k.kind);
}
