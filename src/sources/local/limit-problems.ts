/**
 * Resource limits the local tail runs into — out of descriptors (EMFILE/ENFILE) or memory
 * (ENOMEM) opening a file or listing a directory — said as problems, with the limits in force:
 * once per file or directory for the first MAX_NAMED, then once that more are affected. Never a
 * silently shorter list of followed files.
 */
import type { SourceEvent } from '../types.ts';
import { describeError, errCode } from './fs-facts.ts';

const MAX_NAMED = 20;

/** Is this error a resource limit (rather than the file's own problem)? */
export function isResourceLimit(e: unknown): boolean {
  const code = errCode(e);
  return code === 'EMFILE' || code === 'ENFILE' || code === 'ENOMEM';
}

/** The limits in force, in words: the soft limit, the files matched, the open-file budget. */
export function limitsText(soft: number | null, matched: number, budget: number): string {
  const n = soft === null ? 'unknown' : soft === Infinity ? 'unlimited' : String(soft);
  return `soft limit ${n} open files, ${matched} files matched, at most ${budget} open at once`;
}

export class LimitProblems {
  private readonly seen = new Set<string>();

  constructor(
    private readonly emit: (events: SourceEvent[]) => void,
    private readonly now: () => number,
    /** The limits in force, in words (soft limit, files matched, budget). */
    private readonly limits: () => string,
  ) {}

  /** `what` (e.g. "cannot open x.log") failed at `where` with `e`. */
  report(where: string, what: string, e: unknown): void {
    if (this.seen.has(where)) return;
    this.seen.add(where);
    if (this.seen.size > MAX_NAMED + 1) return;
    const message =
      this.seen.size > MAX_NAMED
        ? `${errCode(e) ?? 'error'}: more files and directories hit the same limit (${this.limits()}); they are retried at every check`
        : `${what}: ${describeError(e)} (${this.limits()}); retrying at the next check`;
    this.emit([{ type: 'problem', problem: { input: where, kind: 'unreadable', message }, time: this.now() }]);
  }
}
