/**
 * The one sanitiser at the presentation edge. Every string that came from outside (paths, archive
 * member names, hostnames, log text, NCCL lines, reasons quoting them) passes through `visible`
 * before it reaches a terminal, Markdown, CSV, HTML or stderr. It does not drop anything: control
 * characters are made visible as escapes, so a hostile name can be read but never acts.
 *
 * JSON and NDJSON keep the exact bytes (JSON escaping already makes them inert).
 */

// C0 controls (tab kept), DEL, C1 controls (incl. U+009B CSI, U+009D OSC, U+009C ST), the line and
// paragraph separators, bidi embeddings/overrides/isolates and the bidi marks, and the BOM/ZW no-break.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
// eslint-disable-next-line no-control-regex
const ANY_UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\u001b': '\\x1b' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Make every control, escape and bidi character visible (`\x1b`, `\u202e`, `\n`). Idempotent on safe text. */
export function visible(text: string): string {
  if (!ANY_UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, escapeChar);
}

/** True when `visible` would change the string. */
export function hasUnsafe(text: string): boolean {
  return ANY_UNSAFE.test(text);
}

// Complete terminal sequences in log text, 7-bit and C1 forms: CSI (colours, erase-line, cursor moves
// of tqdm bars), OSC / DCS / PM / APC strings ended by BEL or ST (titles, clipboard writes), and
// two-byte ESC sequences. Removing them cannot make anything act.
// eslint-disable-next-line no-control-regex
const SEQUENCES = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b[\]P^_X]|[\u009d\u0090\u009e\u009f\u0098])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)|\u001b[!-/]*(?![[\]P^_X])[0-~]/g;

/**
 * Log text for a screen or a report: complete escape sequences removed (they are formatting, and
 * a log full of `\x1b[32m` is unreadable), tabs as two spaces, then `visible` for whatever is left
 * (an unterminated OSC, a lone ESC, C0/C1 controls, bidi overrides), so nothing in it can act.
 */
export function visibleLog(text: string): string {
  const t = /[\u001b\u0090-\u009f]/.test(text) ? text.replace(SEQUENCES, '') : text;
  return visible(t).replace(/\t/g, '  ');
}

/** `visible` applied to the lines of a multi-line text, keeping its own line breaks (stderr blocks, tables). */
export function visibleLines(text: string): string {
  if (!ANY_UNSAFE.test(text)) return text;
  return text
    .split('\n')
    .map((l) => visible(l))
    .join('\n');
}
