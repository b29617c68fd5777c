import { Box, Text } from 'ink';
import type { RunView, SessionSnapshot } from '../../session/types.ts';
import { boardModel } from '../board-model.ts';
import { boardTable } from '../board-text.ts';
import { useTheme } from '../theme.ts';

const SEVERE = new Set(['IB!', 'OOM', 'NaN', 'CRASH', 'STALL', 'NCCL']);

/**
 * The sweep board (`g`): one row per configuration, exactly `summary`'s groups so far, with
 * repeats done/expected, median, cv, speedup vs 1n1g, scaling efficiency and its bar, and flags.
 */
/** Rows the board asks of the layout: a row per configuration (at least the "no run yet" line), and its note. */
export function boardLineCount(snapshot: SessionSnapshot): number {
  const m = boardModel(snapshot);
  return Math.max(1, m.rows.length) + (m.note ? 1 : 0) + (m.plan ? 1 : 0);
}

export function Board({ snapshot, current, maxRows, width }: { snapshot: SessionSnapshot; current: RunView | undefined; maxRows: number; width: number }) {
  const t = useTheme();
  const table = boardTable(boardModel(snapshot, current), width);
  const cur = Math.max(0, table.rows.findIndex((r) => r.row.current));
  // The note takes a row of the budget only when every configuration still fits (see boardLineCount).
  // The plan line (launch) takes a row of the budget; the note one only when every configuration still fits.
  const budget = table.plan ? maxRows - 1 : maxRows;
  const note = table.note && table.rows.length + 1 <= budget ? table.note : null;
  const shown = Math.max(1, note ? budget - 1 : budget);
  const start = Math.min(Math.max(0, cur - shown + 1), Math.max(0, table.rows.length - shown));
  const visible = table.rows.slice(start, start + shown);
  const hidden = table.rows.length - visible.length;
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        {table.title}
      </Text>
      {table.plan ? (
        <Text wrap="truncate-end" color={t.color('accent')}>
          {'  '}
          {table.plan}
        </Text>
      ) : null}
      <Text bold wrap="truncate-end" color={t.color('muted')}>
        {table.head}
      </Text>
      {table.rows.length === 0 ? <Text color={t.color('muted')}>  no configuration has a run yet</Text> : null}
      {visible.map((r) => (
        <Text key={r.row.key} wrap="truncate-end" bold={r.row.current}>
          {r.row.current ? '› ' : '  '}
          {r.cells.map((c, i) => (
            <Text key={i} color={c.tone ? t.color(c.tone) : undefined} bold={c.bold}>
              {c.text}
            </Text>
          ))}
          {r.row.badges.map((b, i) => (
            <Text key={b} color={t.color(SEVERE.has(b) ? 'bad' : 'warn')} bold>
              {i > 0 ? ' ' : ''}
              {b}
            </Text>
          ))}
        </Text>
      ))}
      {hidden > 0 ? <Text color={t.color('muted')}>  +{hidden} more</Text> : null}
      {note ? (
        <Text color={t.color('muted')} wrap="truncate-end">
          {'  '}
          {note}
        </Text>
      ) : null}
    </Box>
  );
}
