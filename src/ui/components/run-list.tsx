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

/** The first row of a `rows`-row window over `n` items that keeps row `keep` in view. */
export function windowStart(n: number, rows: number, keep: number): number {
  return Math.min(Math.max(0, keep - rows + 1), Math.max(0, n - rows));
}

/**
 * The session's runs (replay: the archive's run list), the current one marked `›`. `cursor`: the
 * run list has the cursor (the run picker, `r`): that row is highlighted and enter goes there.
 */
export function RunList({ items, maxRows, width, hint, cursor }: { items: readonly RunItem[]; maxRows: number; width: number; hint: string; cursor: number | null }) {
  const t = useTheme();
  const cur = Math.max(0, items.findIndex((i) => i.current));
  const start = windowStart(items.length, maxRows, cursor ?? cur);
  const visible = items.slice(start, start + maxRows);
  const hidden = items.length - visible.length;
  const numW = String(items.length).length;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text bold color={cursor !== null ? t.color('accent') : undefined}>
          {cursor !== null ? '▸ runs' : 'runs'} ({cur + 1}/{items.length})
        </Text>{' '}
        <Text color={t.color('muted')}>{cursor !== null ? '↑↓ move · enter go · esc back' : hint}</Text>
      </Text>
      {visible.map((r, k) => {
        const i = start + k;
        const atCursor = cursor === i;
        return (
          <Text key={r.key} wrap="truncate-end" bold={r.current || atCursor} inverse={atCursor && t.styled}>
            {atCursor ? '▸' : r.current ? '›' : ' '} {String(i + 1).padStart(numW)}. {shown(r.name)}{' '}
            <Text color={t.color(r.phase === 'failed' || r.phase === 'stalled' ? 'bad' : r.phase === 'done' ? 'info' : 'muted')}>{r.phase ?? 'not started'}</Text>
            {r.throughput !== null ? ` ${r.final ? 'final' : 'median'} ${fmtRate(r.throughput)}/s` : ''}
          </Text>
        );
      })}
      {hidden > 0 ? (
        <Text color={t.color('muted')} wrap="truncate-end">
          {'  '}
          {start > 0 ? `↑ ${start} more` : ''}
          {start > 0 && start + visible.length < items.length ? ' · ' : ''}
          {start + visible.length < items.length ? `↓ ${items.length - start - visible.length} more` : ''}
          {cursor === null ? ' (r: pick a run)' : ''}
        </Text>
      ) : null}
    </Box>
  );
}
