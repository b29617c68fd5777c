/**
 * The log pane's window over a file's retained tail, as pure functions of the lines and the view
 * state (no React): scrolling, and search with next/previous match.
 *
 * The view is anchored on a line number, not an index: the tail is a ring that drops its oldest
 * lines as new ones arrive, so an index would drift while the user reads; a line number stays put.
 */

export interface ViewLine {
  lineNo: number;
  text: string;
}

/** Index of the bottom line shown: the last line numbered ≤ `anchor` (null: follow the newest line). */
export function bottomIndex(lines: readonly ViewLine[], anchor: number | null): number {
  if (lines.length === 0) return -1;
  if (anchor === null) return lines.length - 1;
  // Lines are in file order, so line numbers ascend: binary search.
  let lo = 0;
  let hi = lines.length - 1;
  if (lines[0]!.lineNo > anchor) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lines[mid]!.lineNo <= anchor) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The slice shown in `rows` rows: [start, end). A window that cannot be filled from the anchor up slides down. */
export function logWindow(lines: readonly ViewLine[], anchor: number | null, rows: number): { start: number; end: number } {
  if (lines.length === 0 || rows <= 0) return { start: 0, end: 0 };
  const bottom = bottomIndex(lines, anchor);
  const end = Math.min(lines.length, Math.max(bottom + 1, Math.min(rows, lines.length)));
  return { start: Math.max(0, end - rows), end };
}

/** The anchor after moving the window `delta` lines (negative: up, toward older lines); null once at the bottom. */
export function scrollAnchor(lines: readonly ViewLine[], anchor: number | null, delta: number, rows: number): number | null {
  if (lines.length === 0) return null;
  const { end } = logWindow(lines, anchor, rows);
  const minBottom = Math.min(lines.length, rows) - 1;
  const bottom = Math.min(lines.length - 1, Math.max(minBottom, end - 1 + delta));
  return bottom >= lines.length - 1 ? null : lines[bottom]!.lineNo;
}

/** The anchor that shows the oldest retained lines (g). */
export function topAnchor(lines: readonly ViewLine[], rows: number): number | null {
  if (lines.length <= rows) return null;
  return lines[Math.max(0, rows - 1)]!.lineNo;
}

/** Does `text` contain `search` (case-insensitive)? */
export const matches = (text: string, search: string): boolean => search !== '' && text.toLowerCase().includes(search.toLowerCase());

/** How many lines match, and the 1-based rank of the line numbered `at` among them (0: not a match). */
export function matchRank(lines: readonly ViewLine[], search: string, at: number | null): { count: number; rank: number } {
  let count = 0;
  let rank = 0;
  for (const l of lines) {
    if (!matches(l.text, search)) continue;
    count++;
    if (l.lineNo === at) rank = count;
  }
  return { count, rank };
}

/**
 * The next matching line after line `from` (dir 1: newer, -1: older), wrapping around the tail;
 * `from` null: the newest match (dir -1 from past the end). Null when nothing matches.
 */
export function nextMatch(lines: readonly ViewLine[], search: string, from: number | null, dir: 1 | -1): number | null {
  if (!search || lines.length === 0) return null;
  const n = lines.length;
  let i: number;
  if (from === null) i = dir === 1 ? -1 : n;
  else {
    // position of `from` (or where it would be)
    i = bottomIndex(lines, from);
    if (lines[i] && lines[i]!.lineNo < from && dir === -1) i++;
  }
  for (let k = 1; k <= n; k++) {
    const j = (((i + dir * k) % n) + n) % n;
    if (matches(lines[j]!.text, search)) return lines[j]!.lineNo;
  }
  return null;
}

/** An anchor that shows line `lineNo` with some lines of context below it (a search hit). */
export function anchorShowing(lines: readonly ViewLine[], lineNo: number, rows: number): number | null {
  const i = bottomIndex(lines, lineNo);
  const below = Math.min(Math.floor(rows / 2), lines.length - 1 - i);
  const bottom = Math.max(Math.min(rows, lines.length) - 1, i + below);
  return bottom >= lines.length - 1 ? null : lines[bottom]!.lineNo;
}
