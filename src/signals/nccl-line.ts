/**
 * The NCCL debug line shape (spec/formats.md §4.1):
 * `<host>:<pid>:<tid> [<cudaDev>] NCCL INFO <msg>` and
 * `<host>:<pid>:<tid> [<cudaDev>] <file>:<line> NCCL WARN <msg>`, possibly with the prefix
 * missing or glued after other text. Callers pre-check `payload.includes('NCCL')`.
 */

export interface NcclLine {
  readonly level: 'INFO' | 'WARN';
  /** Text after `NCCL INFO ` / `NCCL WARN `. */
  readonly message: string;
  /** Index of `NCCL INFO`/`NCCL WARN` in the payload (the prefix, if any, is before it). */
  readonly at: number;
}

/** Split an NCCL INFO/WARN line; undefined for any other line. */
export function parseNcclLine(payload: string): NcclLine | undefined {
  let at = payload.indexOf('NCCL INFO');
  let level: 'INFO' | 'WARN' = 'INFO';
  if (at < 0) {
    at = payload.indexOf('NCCL WARN');
    if (at < 0) return undefined;
    level = 'WARN';
  }
  let start = at + 9;
  while (start < payload.length && payload.charCodeAt(start) === 32) start += 1;
  return { level, message: payload.slice(start), at };
}

// `host:pid:tid [dev] ` (and an optional `file.cc:123 ` before NCCL WARN) right before `NCCL`.
const PREFIX_HOST = /([^\s:\]]+):\d+:\d+ \[\d+\] (?:\S+:\d+ )?$/;

/** The host name from the NCCL prefix, when the line has one. */
export function ncclHost(payload: string, line: NcclLine): string | undefined {
  const m = PREFIX_HOST.exec(payload.slice(Math.max(0, line.at - 200), line.at));
  return m ? m[1] : undefined;
}

/** `ncclResult_t` values, for error trail lines (`init.cc:915 -> 2`). */
export const NCCL_RESULTS: Readonly<Record<string, string>> = {
  '1': 'unhandled cuda error',
  '2': 'system error',
  '3': 'internal error',
  '4': 'invalid argument',
  '5': 'invalid usage',
  '6': 'remote error',
  '7': 'in progress',
};
