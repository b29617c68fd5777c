import { Box, Text } from 'ink';
import { useRef } from 'react';
import type { NodeView } from '../../session/types.ts';
import { visible as safeText } from '../../shared/sanitize.ts';
import { distinctSources, fitCell, nodeCells, nodeColumns } from '../node-columns.ts';
import { nodeBadges } from '../selectors.ts';
import type { SortKey } from '../state/ui-reducer.ts';
import { useTheme } from '../theme.ts';

const NO_ROWS: readonly NodeView[] = [];
const SEVERE = new Set(['IB!', 'OOM', 'NaN', 'CRASH', 'STALL']);

export interface NodeTableProps {
  rows: readonly NodeView[];
  selected: string | null;
  focused: string | null;
  sort: SortKey;
  /** Data rows that fit. */
  maxRows: number;
  width: number;
  /** Rows of named globs and directories (selectors.ts sourceRows): always shown, under the others, never selected. */
  pinned?: readonly NodeView[];
}

/**
 * distinctSources for the rows' sources, reused while the sources and the width are the same:
 * it sanitises and splits every path (5,000 on a big glob) and the rows are rebuilt at every
 * snapshot although the sources rarely change. Its hooks run before any early return.
 */
function useSourceLabels(rows: readonly NodeView[], width: number): Map<string, string> {
  const memo = useRef<{ sources: string[]; width: number; labels: Map<string, string> } | null>(null);
  const m = memo.current;
  if (m && m.width === width && m.sources.length === rows.length && rows.every((r, i) => r.source === m.sources[i])) return m.labels;
  const sources = rows.map((r) => r.source);
  const labels = distinctSources(sources, width);
  memo.current = { sources, width, labels };
  return labels;
}

/**
 * One row per source of the run: columns that tell nodes apart (node-columns.ts), the row of a
 * node slower than the others coloured on its deviation, badges, and why a source shows no
 * iterations when that is by design.
 */
export function NodeTable({ rows, selected, focused, sort, maxRows, width, pinned = NO_ROWS }: NodeTableProps) {
  const t = useTheme();
  const cols = nodeColumns(rows, width, sort);
  const head = '  ' + cols.map((c) => fitCell(c.title, c)).join('') + 'flags';
  const srcCol = cols.find((c) => c.id === 'source');
  const labels = useSourceLabels(pinned.length ? [...rows, ...pinned] : rows, (srcCol?.width ?? 12) - 1);
  // Pinned source rows get what the nodes leave, and at least half the rows (one node row kept).
  const pinRoom = rows.length ? Math.max(1, Math.min(maxRows - 1, Math.max(maxRows - rows.length, Math.floor(maxRows / 2)))) : Math.max(1, maxRows);
  const pins = pinned.slice(0, pinRoom);
  if (rows.length === 0 && pins.length === 0) {
    return (
      <Box flexDirection="column" width={width}>
        <Text wrap="truncate-end" bold>
          {head}
        </Text>
        <Text color={t.color('muted')}>  waiting for log lines…</Text>
      </Box>
    );
  }
  const sel = Math.max(0, rows.findIndex((r) => r.source === selected));
  const shown = Math.max(1, maxRows - pins.length);
  const start = Math.min(Math.max(0, sel - shown + 1), Math.max(0, rows.length - shown));
  const visible = rows.slice(start, start + shown);
  const hidden = rows.length - visible.length;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end" bold>
        {head}
      </Text>
      {[...visible, ...pins].map((n, i) => {
        const isPin = i >= visible.length;
        const isSel = !isPin && n.source === selected;
        const all = nodeCells(n, cols, labels.get(n.source) ?? '');
        // A named source without a line yet (its reason), or one silent by design (its note): no
        // numbers, so the words take their place rather than the flags' end.
        const noLine = n.run === null;
        const note = noLine ? (n.reason ?? (n.state === 'connecting' ? 'connecting…' : 'no line yet')) : n.note;
        const silent = noLine || (n.note !== null && n.iteration === null);
        const upTo = silent ? cols.findIndex((c) => c.id === (noLine ? 'state' : 'iter')) + 1 : cols.length;
        const cells = all.slice(0, upTo > 0 ? upTo : cols.length);
        const badges = nodeBadges(n);
        return (
          <Text key={isPin ? `pin|${n.source}` : n.source} wrap="truncate-end" bold={isSel} inverse={isSel && t.styled}>
            {isSel ? '›' : ' '}
            {n.source === focused ? '*' : ' '}
            {cells.map((c, i) => (
              <Text key={cols[i]!.id} color={c.tone ? t.color(c.tone) : undefined}>
                {fitCell(c.text, cols[i]!)}
              </Text>
            ))}
            {silent ? <Text color={t.color(noLine && n.state === 'error' ? 'bad' : 'muted')}>{` ${safeText(note ?? '')}${badges.length ? ' ' : ''}`}</Text> : null}
            {badges.map((b, i) => (
              <Text key={b} color={t.color(SEVERE.has(b) ? 'bad' : 'warn')} bold>
                {i > 0 ? ' ' : ''}
                {b}
              </Text>
            ))}
            {!silent && n.note ? <Text color={t.color('muted')}>{`${badges.length ? ' ' : ''}${safeText(n.note)}`}</Text> : null}
          </Text>
        );
      })}
      {hidden > 0 || pinned.length > pins.length ? (
        <Text color={t.color('muted')}>
          {'  '}
          {[hidden > 0 ? `+${hidden} more` : '', pinned.length > pins.length ? `+${pinned.length - pins.length} more sources (!)` : ''].filter(Boolean).join(' · ')}
        </Text>
      ) : null}
    </Box>
  );
}
