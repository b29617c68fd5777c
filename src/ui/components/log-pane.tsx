import { Box, Text } from 'ink';
import { visible as shownText, visibleLog } from '../../shared/sanitize.ts';
import type { LogLine } from '../../session/types.ts';
import { useTheme } from '../theme.ts';

/** Log text made safe to draw: colour/cursor sequences dropped, every other control made visible, tabs expanded. */
export const cleanLine = (text: string): string => visibleLog(text);

/** Lines of `lines` matching `filter` (case-insensitive substring), escape sequences stripped. */
export function filterLines(lines: readonly LogLine[], filter: string): { lineNo: number; time: number; text: string }[] {
  const f = filter.toLowerCase();
  const out: { lineNo: number; time: number; text: string }[] = [];
  for (const l of lines) {
    const text = cleanLine(l.text);
    if (!f || text.toLowerCase().includes(f)) out.push({ lineNo: l.lineNo, time: l.time, text });
  }
  return out;
}

/** The selected node's recent lines (bounded by the store's tail ring). */
export function LogPane({ file, lines, filter, maxRows, width }: { file: string | null; lines: readonly LogLine[]; filter: string; maxRows: number; width: number }) {
  const t = useTheme();
  const shown = filterLines(lines, filter);
  const visible = shown.slice(Math.max(0, shown.length - maxRows));
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        log {file === null ? '—' : shownText(file)}
        {filter ? <Text color={t.color('accent')}> · filter "{shownText(filter)}" ({shown.length}/{lines.length})</Text> : null}
      </Text>
      {visible.map((l) => (
        <Text key={`${l.lineNo}@${l.time}`} wrap="truncate-end">
          <Text color={t.color('muted')}>{String(l.lineNo).padStart(6)} </Text>
          {l.text}
        </Text>
      ))}
      {visible.length === 0 ? <Text color={t.color('muted')}>  {filter ? 'no line matches the filter' : 'no lines yet'}</Text> : null}
    </Box>
  );
}
