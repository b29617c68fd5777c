/**
 * POSIX shell quoting for every value that goes into a command line run by `bash -lc` (or
 * `bash -c`) on a node. A value is wrapped in single quotes, where the shell interprets nothing;
 * a single quote inside it is written `'\''`. Spaces, `;`, `$(…)`, backticks, globs and
 * newlines therefore arrive verbatim, as one argument. Pure: no IO.
 */

import { visibleLines } from '../shared/sanitize.ts';

export class QuoteError extends Error {
  override name = 'QuoteError';
}

/** Words the shell reads as syntax in command position even without special characters. */
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'select', 'while', 'until', 'do', 'done', 'in', 'function', 'time', 'coproc']);

/**
 * One shell word whose value is exactly `value`. Plain words made only of letters, digits and
 * `_ . / , : @ % + = -` are left bare for readability — unless they are reserved words or look
 * like an assignment (`NAME=…`): the shell gives them no meaning (no `~`, globs, braces, quotes or
 * expansions). Everything else is single-quoted. NUL bytes cannot be passed through argv: refused.
 */
export function shQuote(value: string): string {
  if (value.includes('\0')) throw new QuoteError('a NUL byte cannot be passed to a shell command');
  if (/^[A-Za-z0-9_./,:@%+=-]+$/.test(value) && !RESERVED.has(value) && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Always-quoted form (used where readability matters less than uniformity). */
export function shQuoteAlways(value: string): string {
  if (value.includes('\0')) throw new QuoteError('a NUL byte cannot be passed to a shell command');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Several words, each quoted, separated by spaces. */
export function shQuoteWords(values: readonly string[]): string {
  return values.map(shQuote).join(' ');
}

/**
 * A path as one shell word, keeping `~/` meaning the login directory: `~/x y` → `"$HOME"/'x y'`.
 * Other paths (absolute or relative) are quoted whole.
 */
export function shPath(path: string): string {
  if (path === '~') return '"$HOME"';
  if (path.startsWith('~/')) {
    const rest = path.slice(2);
    return rest === '' ? '"$HOME"/' : `"$HOME"/${shQuote(rest)}`;
  }
  return shQuote(path);
}

/** A valid environment variable name (what `export NAME=…` accepts). */
export function isEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** For terminal display only (never for execution): the text's own line breaks kept, every other control, escape and bidi character visible (src/shared/sanitize.ts). */
export function displaySafe(text: string): string {
  return visibleLines(text);
}
