import { Box, Text } from 'ink';
import { visible as shown, visibleLog } from '../../shared/sanitize.ts';
import type { FlagRow } from '../selectors.ts';
import { useTheme } from '../theme.ts';

const SEVERE = new Set(['ib_fallback', 'oom', 'crashed', 'nan_loss', 'nccl_error', 'stall']);

/** Findings, newest first: time, node, kind/confidence and the evidence line. */
export function FlagsPanel({ rows, maxRows, timeOf, width }: { rows: readonly FlagRow[]; maxRows: number; timeOf: (r: FlagRow) => string; width: number }) {
  const t = useTheme();
  const visible = rows.slice(0, maxRows);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        flags ({rows.length})
      </Text>
      {visible.map((r) => {
        const tone = r.flag.confidence === 'suspected' ? 'warn' : SEVERE.has(r.flag.kind) ? 'bad' : 'warn';
        return (
          <Text key={r.key} wrap="truncate-end">
            <Text color={t.color('muted')}>{timeOf(r).padStart(6)}</Text> {r.node ? shown(r.node) : 'run'}{' '}
            <Text color={t.color(tone)} bold>
              {r.flag.kind}
              {r.flag.confidence ? ` ${r.flag.confidence}` : ''}
            </Text>{' '}
            {visibleLog(r.flag.evidence)}
          </Text>
        );
      })}
      {rows.length > visible.length ? <Text color={t.color('muted')}>  +{rows.length - visible.length} more</Text> : null}
    </Box>
  );
}
