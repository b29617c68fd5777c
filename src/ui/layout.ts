/**
 * How many terminal rows each panel gets. Pure, so it can be tested at 80×24 without Ink.
 * One row is kept free at the bottom: Ink clears the whole terminal on every frame once its
 * output reaches the terminal height (flicker), and stays incremental below it.
 */
export interface LayoutInput {
  rows: number;
  /** Header lines (identity, throughput, alert, replay bar). */
  headerLines: number;
  nodeCount: number;
  /** Of nodeCount, the rows pinned under the table (named sources without numbers): a few are kept even when space is short. */
  pinnedCount?: number;
  flagCount: number;
  /** Runs in the run list (0: no run list). */
  runCount: number;
  /** The log pane is wanted even when space is short (a node is focused, or a filter is open). */
  logForced: boolean;
  /** The log pane has the cursor: it gets up to half the free rows before the lists grow. */
  logActive?: boolean;
  /** Rows of the sweep board when it is shown instead of the chart (0 or absent: the chart). */
  boardCount?: number;
}

export interface Layout {
  /** Node data rows shown (the table adds a heading, plus a "+N more" line when cut). */
  nodeRows: number;
  /** Chart plot rows (0: no chart); the chart adds a title and an axis line. */
  chartRows: number;
  flagRows: number;
  runRows: number;
  /** Log lines (0: no log pane); the pane adds a title line. */
  logRows: number;
  /** Board rows (0: no board); the board adds a title and a heading line. */
  boardRows: number;
}

const FOOTER = 1;
const SPARE = 1;

/** Lines a panel takes for `n` items shown out of `total`, heading included. */
const listLines = (n: number, total: number) => (n > 0 || total > 0 ? 1 + n + (total > n ? 1 : 0) : 0);

export function computeLayout(i: LayoutInput): Layout {
  const free = Math.max(0, i.rows - SPARE - FOOTER - i.headerLines);
  const l: Layout = { nodeRows: 0, chartRows: 0, flagRows: 0, runRows: 0, logRows: 0, boardRows: 0 };
  const board = i.boardCount ?? 0;
  // The board takes the chart's place: it is what a sweep is watched for, so its rows come first.
  const chartMax = (n: number) => (board > 0 ? 0 : n);
  const cost = () => (l.boardRows ? l.boardRows + 2 + (board > l.boardRows ? 1 : 0) : 0) + listLines(l.nodeRows, i.nodeCount) + (l.chartRows ? l.chartRows + 2 : 0) + listLines(l.flagRows, i.flagCount) + listLines(l.runRows, i.runCount) + (l.logRows ? l.logRows + 1 : 0);
  /** Grow one field while it fits and stays within `max`. */
  const grow = (key: keyof Layout, max: number) => {
    while (l[key] < max) {
      l[key]++;
      if (cost() > free) {
        l[key]--;
        return;
      }
    }
  };
  // minimums, most important first
  grow('boardRows', Math.min(board, 4));
  grow('nodeRows', Math.min(i.nodeCount, 2 + Math.min(i.pinnedCount ?? 0, 3)));
  grow('chartRows', chartMax(2));
  grow('flagRows', Math.min(i.flagCount, 1));
  if (i.logForced) grow('logRows', 4);
  grow('runRows', Math.min(i.runCount, 1));
  // The log pane with the cursor is being read: it gets up to half the free rows first.
  if (i.logActive) grow('logRows', Math.max(6, Math.floor(free / 2)));
  // then more of each
  grow('boardRows', Math.min(board, 8));
  grow('nodeRows', Math.min(i.nodeCount, 8));
  grow('chartRows', chartMax(3));
  grow('flagRows', Math.min(i.flagCount, 3));
  grow('runRows', Math.min(i.runCount, 3));
  if (free - cost() >= 5 || l.logRows > 0) grow('logRows', 6);
  // Then the lists that are cut get what they need (all their rows: the board first), the chart a
  // useful height, and only what is left goes to the log pane: a 70-row terminal shows every run, not 8.
  grow('boardRows', board);
  grow('nodeRows', i.nodeCount);
  grow('runRows', i.runCount);
  grow('flagRows', Math.min(i.flagCount, 16));
  grow('chartRows', chartMax(8));
  grow('chartRows', chartMax(14));
  if (l.logRows > 0 || free - cost() >= 5) grow('logRows', 1000);
  return l;
}

/** A piece of a one-line status: its text, and how readily it goes when the line is too long (higher: first). */
export interface Piece {
  text: string;
  drop: number;
}

/**
 * The pieces that fit in `width` columns, joined by `sep`: whole pieces are left out, most
 * droppable first, rather than the line being cut mid-word at the terminal edge.
 */
export function fitPieces(pieces: readonly Piece[], width: number, sep = ' · '): Piece[] {
  const kept = pieces.filter((p) => p.text !== '');
  const len = (ps: readonly Piece[]) => ps.reduce((a, p) => a + [...p.text].length, 0) + sep.length * Math.max(0, ps.length - 1);
  while (kept.length > 1 && len(kept) > width) {
    let worst = 0;
    for (let i = 1; i < kept.length; i++) if (kept[i]!.drop > kept[worst]!.drop) worst = i;
    if (kept[worst]!.drop <= 0) break;
    kept.splice(worst, 1);
  }
  return kept;
}

/** `logs/ngc/pytorch/4n8g/r50_b256_amp_5` → `…/4n8g/r50_b256_amp_5` when longer than `width`: the end tells runs apart. */
export function shortRunName(name: string, width: number): string {
  if (name.length <= width) return name;
  const parts = name.split('/');
  for (let k = 1; k < parts.length; k++) {
    const s = `…/${parts.slice(k).join('/')}`;
    if (s.length <= width) return s;
  }
  return `…${name.slice(name.length - Math.max(1, width - 1))}`;
}
