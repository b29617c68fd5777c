import { Box, Text } from 'ink';
import { visible as shownText, visibleLog } from '../../shared/sanitize.ts';
import type { LogLine } from '../../session/types.ts';
import { logWindow, matchRank, matches } from '../state/log-view.ts';
import { useTheme } from '../theme.ts';

/** Log text made safe to draw: colour/cursor sequences dropped, every other control made visible, tabs expanded. */
export const cleanLine = (text: string): string => visibleLog(text);

export interface ShownLine {
  lineNo: number;
  time: number;
  text: string;
}

/** Lines of `lines` matching `filter` (case-insensitive substring), escape sequences stripped. */
export function filterLines(lines: readonly LogLine[], filter: string): ShownLine[] {
  const f = filter.toLowerCase();
  const out: ShownLine[] = [];
  for (const l of lines) {
    const text = cleanLine(l.text);
    if (!f || text.toLowerCase().includes(f)) out.push({ lineNo: l.lineNo, time: l.time, text });
  }
  return out;
}

/** `text` cut into plain and matching parts (case-insensitive), for highlighting. */
function splitMatches(text: string, search: string): { text: string; hit: boolean }[] {
  if (!search) return [{ text, hit: false }];
  const low = text.toLowerCase();
  const s = search.toLowerCase();
  const out: { text: string; hit: boolean }[] = [];
  let i = 0;
  for (let j = low.indexOf(s); j >= 0; j = low.indexOf(s, j + s.length)) {
    if (j > i) out.push({ text: text.slice(i, j), hit: false });
    out.push({ text: text.slice(j, j + s.length), hit: true });
    i = j + s.length;
  }
  if (i < text.length) out.push({ text: text.slice(i), hit: false });
  return out;
}

export interface LogPaneProps {
  file: string | null;
  /** The file's retained lines (the store's tail), oldest first. */
  lines: readonly LogLine[];
  /** The lines after the filter (what scrolling and search move over). */
  shown: readonly ShownLine[];
  filter: string;
  search: string;
  /** Line number of the search match jumped to. */
  match: number | null;
  /** Bottom line shown (null: the newest). */
  anchor: number | null;
  /** The pane has the cursor (arrows, g/G, n/N act here). */
  active: boolean;
  maxRows: number;
  width: number;
}

/**
 * The selected node's log: a window over the retained tail with line numbers, scrolled with the
 * keys or following the newest line, matches of the search highlighted.
 */
export function LogPane({ file, lines, shown, filter, search, match, anchor, active, maxRows, width }: LogPaneProps) {
  const t = useTheme();
  const { start, end } = logWindow(shown, anchor, maxRows);
  const window = shown.slice(start, end);
  const numW = Math.max(3, String(shown[shown.length - 1]?.lineNo ?? 0).length);
  const hits = search ? matchRank(shown, search, match) : null;
  const where = shown.length === 0 ? '' : anchor === null ? `lines ${window[0]!.lineNo}–${window[window.length - 1]!.lineNo}` : `lines ${window[0]!.lineNo}–${window[window.length - 1]!.lineNo} ↑ scrolled`;
  // The tail is bounded (store: TAIL_LINES / TAIL_CHARS): say where what is kept begins.
  const full = lines[0] && lines[0].lineNo > 1 ? ` · kept from ${lines[0].lineNo}` : '';
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text bold color={active ? t.color('accent') : undefined}>
          {active ? '▸ log' : 'log'}
        </Text>{' '}
        {file === null ? '—' : shownText(file)}
        <Text color={t.color('muted')}>
          {where ? ` · ${where}${full}` : ''}
        </Text>
        {filter ? <Text color={t.color('accent')}> · filter "{shownText(filter)}" {shown.length}/{lines.length}</Text> : null}
        {hits ? (
          <Text color={t.color(hits.count ? 'accent' : 'warn')}>
            {' '}
            · "{shownText(search)}" {hits.count === 0 ? 'no match' : `${hits.rank || '–'}/${hits.count}`}
          </Text>
        ) : null}
        {active ? <Text color={t.color('muted')}> · ↑↓ PgUp PgDn g G{search ? ' · n N match' : ''} · esc</Text> : null}
      </Text>
      {window.map((l) => {
        const isMatch = l.lineNo === match;
        return (
          <Text key={`${l.lineNo}@${l.time}`} wrap="truncate-end">
            <Text color={t.color(isMatch ? 'accent' : 'muted')} inverse={isMatch && t.styled} bold={isMatch}>
              {String(l.lineNo).padStart(numW)}
            </Text>
            <Text color={t.color('muted')}>{isMatch && !t.styled ? '>' : '│'}</Text>
            {search && matches(l.text, search)
              ? splitMatches(l.text, search).map((p, i) =>
                  p.hit ? (
                    <Text key={i} color={t.color('accent')} bold inverse={t.styled}>
                      {p.text}
                    </Text>
                  ) : (
                    <Text key={i}>{p.text}</Text>
                  ),
                )
              : l.text}
          </Text>
        );
      })}
      {window.length === 0 ? <Text color={t.color('muted')}>  {filter ? 'no line matches the filter' : 'no lines yet'}</Text> : null}
    </Box>
  );
}
