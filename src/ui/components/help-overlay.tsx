import { Box, Text } from 'ink';
import { useTheme } from '../theme.ts';
import { BINDINGS, type Binding } from '../use-keymap.ts';
import { vocabularyHelp } from '../vocabulary.ts';

const GROUPS: Record<Binding['group'], string> = {
  general: 'everywhere',
  nodes: 'node table (the cursor starts here)',
  runs: 'run list',
  log: 'log pane',
  replay: 'replay',
};

export type HelpRow = { heading: string } | { keys: string; action: string };

/** The help's rows for `mode`, grouped under headings, from the one table of bindings. */
export function helpRows(mode: 'live' | 'replay'): HelpRow[] {
  const rows: HelpRow[] = [];
  for (const g of Object.keys(GROUPS) as Binding['group'][]) {
    const keys = BINDINGS.filter((b) => b.group === g && (!b.mode || b.mode === mode));
    if (keys.length === 0) continue;
    rows.push({ heading: GROUPS[g] });
    for (const b of keys) rows.push({ keys: b.keys, action: b.action });
  }
  // The one state vocabulary of header, table and NDJSON (vocabulary.ts).
  rows.push({ heading: 'states' });
  for (const v of vocabularyHelp()) rows.push({ keys: v.title, action: v.names.join(' · ') });
  return rows;
}

/** Rows of help one page holds on a terminal of `rows` rows (title and footer lines aside, one spare). */
export const helpPageSize = (rows: number) => Math.max(3, rows - 3);

/** The help cut into pages; a page that starts inside a group repeats its heading, marked continued. */
export function helpPages(mode: 'live' | 'replay', rows: number): HelpRow[][] {
  const size = helpPageSize(rows);
  const pages: HelpRow[][] = [[]];
  let heading = '';
  for (const r of helpRows(mode)) {
    if ('heading' in r) heading = r.heading;
    let page = pages[pages.length - 1]!;
    // A heading never ends a page alone.
    if (page.length >= size || ('heading' in r && page.length >= size - 1)) {
      page = [];
      pages.push(page);
      if (!('heading' in r)) page.push({ heading: `${heading} (continued)` });
    }
    page.push(r);
  }
  return pages;
}

export function helpPageCount(mode: 'live' | 'replay', rows: number): number {
  return helpPages(mode, rows).length;
}

/** Every key of the current mode, from the one keymap; paged when the terminal is short. */
export function HelpOverlay({ mode, width, rows, page }: { mode: 'live' | 'replay'; width: number; rows: number; page: number }) {
  const t = useTheme();
  const all = helpRows(mode);
  const book = helpPages(mode, rows);
  const pages = book.length;
  const p = Math.min(Math.max(0, page), pages - 1);
  const shown = book[p]!;
  const keyW = Math.min(18, Math.max(...all.map((r) => ('keys' in r ? r.keys.length : 0))) + 2);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        dlperf-top keys ({mode}){pages > 1 ? ` · page ${p + 1}/${pages}` : ''}
      </Text>
      {shown.map((r, i) =>
        'heading' in r ? (
          <Text key={`h${i}`} bold color={t.color('muted')} wrap="truncate-end">
            {r.heading}
          </Text>
        ) : (
          <Text key={`${r.keys}|${i}`} wrap="truncate-end">
            {'  '}
            <Text color={t.color('accent')} bold>
              {r.keys.padEnd(keyW)}
            </Text>
            {r.action}
          </Text>
        ),
      )}
      <Text color={t.color('muted')} wrap="truncate-end">
        {pages > 1 ? '↓ / space: next page · ↑: previous · any other key closes this help' : 'any key closes this help'}
      </Text>
    </Box>
  );
}
