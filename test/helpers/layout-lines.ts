import type { Layout, LayoutInput } from '../../src/ui/layout.ts';

/** Lines the screen takes for a layout: header, footer, and each panel with its title and "+N more". */
export const layoutLines = (i: LayoutInput, l: Layout): number =>
  i.headerLines +
  1 + // footer
  (l.boardRows ? 2 + l.boardRows + ((i.boardCount ?? 0) > l.boardRows ? 1 : 0) : 0) +
  (l.nodeRows ? 1 + l.nodeRows + (i.nodeCount > l.nodeRows ? 1 : 0) : 0) +
  (l.chartRows ? l.chartRows + 2 : 0) +
  (l.flagRows ? 1 + l.flagRows + (i.flagCount > l.flagRows ? 1 : 0) : 0) +
  (l.runRows ? 1 + l.runRows + (i.runCount > l.runRows ? 1 : 0) : 0) +
  (l.logRows ? 1 + l.logRows : 0);
