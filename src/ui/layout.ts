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
  flagCount: number;
  /** Runs in the run list (0: no run list). */
  runCount: number;
  /** The log pane is wanted even when space is short (a node is focused, or a filter is open). */
  logForced: boolean;
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
  grow('nodeRows', Math.min(i.nodeCount, 2));
  grow('chartRows', chartMax(2));
  grow('flagRows', Math.min(i.flagCount, 1));
  if (i.logForced) grow('logRows', 4);
  grow('runRows', Math.min(i.runCount, 1));
  // then more of each
  grow('boardRows', Math.min(board, 8));
  grow('nodeRows', Math.min(i.nodeCount, 8));
  grow('chartRows', chartMax(3));
  grow('flagRows', Math.min(i.flagCount, 3));
  grow('runRows', Math.min(i.runCount, 3));
  if (free - cost() >= 5 || l.logRows > 0) grow('logRows', 6);
  grow('boardRows', board);
  grow('nodeRows', Math.min(i.nodeCount, 32));
  grow('chartRows', chartMax(8));
  grow('flagRows', Math.min(i.flagCount, 8));
  grow('runRows', Math.min(i.runCount, 8));
  grow('chartRows', chartMax(14));
  if (l.logRows > 0 || free - cost() >= 5) grow('logRows', 200);
  return l;
}
