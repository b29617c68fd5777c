/**
 * Line wrappers (spec/formats.md §2, W1–W5) removed before any parser sees a line:
 * terminal escape sequences, carriage-return progress bars, Open MPI `[job,rank]<stdout>:` tags
 * (with or without a ctime prefix, possibly glued after a tqdm bar), `srun -l` ` 0: ` labels,
 * launcher `[1] ` tags and pdsh `host: ` prefixes. Parsers still search rather than anchor,
 * because a payload may start mid-line.
 */

export interface UnwrappedLine {
  /** The payload: what the program printed, without wrappers or escape sequences. */
  readonly payload: string;
  /** Rank from an mpirun tag or srun label, when present. */
  readonly rank?: number;
  /** Host from a pdsh prefix, when present. */
  readonly host?: string;
}

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), other two-byte ESC sequences, and C1 CSI.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;
// Other control characters that must never reach a terminal (keeps tab).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** Remove terminal escape sequences and control characters. Safe to draw afterwards. */
export function stripEscapes(text: string): string {
  if (!/[\u0000-\u0008\u000b-\u001f\u007f\u009b]/.test(text)) return text;
  return text.replace(ESCAPES, '').replace(CONTROLS, '');
}

// `Wed Jun  1 10:54:47 2022[1,0]<stdout>:` — ctime prefix optional.
const MPI_TAG = /(?:[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4})?\[\d+,(\d+)\]<std(?:out|err)>:/g;
const SRUN_LABEL = /^\s{0,3}(\d{1,5}): /;
const LAUNCHER_TAG = /^\[(\d{1,5})\] /;
// pdsh: `host: rest` where the rest repeats the host (NCCL lines) or is a known payload start.
const PDSH = /^([A-Za-z0-9][\w.-]{0,62}): (?=\1[:\s]|\[\d{4}-|DLL |:::MLLOG| iteration |train: |step: |NCCL )/;

/** Split off wrappers and escape sequences; returns the payload and what the wrappers said. */
export function unwrap(raw: string): UnwrappedLine {
  let text = raw;
  // A lost `\r` glues progress-bar frames together: keep the last non-empty segment.
  if (text.includes('\r')) {
    const parts = text.split('\r').filter((p) => p.trim() !== '');
    text = parts.length > 0 ? parts[parts.length - 1]! : '';
  }
  text = stripEscapes(text);
  let rank: number | undefined;
  let host: string | undefined;
  if (text.includes('<std')) {
    let last: RegExpExecArray | null = null;
    MPI_TAG.lastIndex = 0;
    for (let m = MPI_TAG.exec(text); m; m = MPI_TAG.exec(text)) last = m;
    if (last) {
      rank = Number(last[1]);
      text = text.slice(last.index + last[0].length);
    }
  }
  let m = SRUN_LABEL.exec(text);
  if (m) {
    rank ??= Number(m[1]);
    text = text.slice(m[0].length);
  } else if ((m = LAUNCHER_TAG.exec(text))) {
    rank ??= Number(m[1]);
    text = text.slice(m[0].length);
  }
  const p = PDSH.exec(text);
  if (p) {
    host = p[1];
    text = text.slice(p[0].length);
  }
  const out: { payload: string; rank?: number; host?: string } = { payload: text };
  if (rank !== undefined) out.rank = rank;
  if (host !== undefined) out.host = host;
  return out;
}
