import { Box, Text } from 'ink';
import type { RunPhase } from '../../session/types.ts';
import { fmtRate } from '../format.ts';
import { visible as shown } from '../../shared/sanitize.ts';
import { useTheme } from '../theme.ts';

export interface RunItem {
  key: string;
  name: string;
  phase: RunPhase | null;
  /** Final figure when known, else the rolling median. */
  throughput: number | null;
  final: boolean;
  current: boolean;
}

/** The session's runs (replay: the archive's run list), current one marked. */
export function RunList({ items, maxRows, width, hint }: { items: readonly RunItem[]; maxRows: number; width: number; hint: string }) {
  const t = useTheme();
  const cur = Math.max(0, items.findIndex((i) => i.current));
  const start = Math.min(Math.max(0, cur - maxRows + 1), Math.max(0, items.length - maxRows));
  const visible = items.slice(start, start + maxRows);
  const hidden = items.length - visible.length;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end" bold>
        runs ({cur + 1}/{items.length}) <Text color={t.color('muted')}>{hint}</Text>
      </Text>
      {visible.map((r) => (
        <Text key={r.key} wrap="truncate-end" bold={r.current}>
          {r.current ? '› ' : '  '}
          {String(items.indexOf(r) + 1).padStart(2)}. {shown(r.name)}{' '}
          <Text color={t.color(r.phase === 'failed' || r.phase === 'stalled' ? 'bad' : r.phase === 'done' ? 'info' : 'muted')}>{r.phase ?? 'not started'}</Text>
          {r.throughput !== null ? ` ${r.final ? 'final' : 'median'} ${fmtRate(r.throughput)}/s` : ''}
        </Text>
      ))}
      {hidden > 0 ? <Text color={t.color('muted')}>  +{hidden} more</Text> : null}
    </Box>
  );
}
