/** A problem the user can fix: printed without a stack, with a hint. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}

/** Exit codes: a public interface (README "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** Unexpected failure (a bug): please report. */
  internal: 1,
  /** Bad command line or configuration. */
  usage: 2,
  /** Inputs were read but no run was recognised. */
  noRuns: 3,
  /** `--fail-on` matched a flag on some run or group. */
  failOn: 4,
  /** Some input could not be read (unreadable file, corrupt or truncated archive); the rest was reported. */
  inputErrors: 5,
  /** `compare`: some configuration is a regression (the candidate is slower beyond the threshold and the noise). */
  regression: 6,
} as const;
