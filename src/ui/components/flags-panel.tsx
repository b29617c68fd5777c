import { Box, Text } from 'ink';
import { visible as shown, visibleLog } from '../../shared/sanitize.ts';
import { flagHeadline, runLabel, type FlagRow } from '../selectors.ts';
import { useTheme } from '../theme.ts';

const SEVERE = new Set(['ib_fallback', 'oom', 'crashed', 'nan_loss', 'nccl_error', 'stall']);

export interface FlagsPanelProps {
  rows: readonly FlagRow[];
  maxRows: number;
  timeOf: (r: FlagRow) => string;
  width: number;
  /**
   * The run on screen: the panel lists its findings and counts the others' (flags follow the
   * selected run). Null: every run's findings, each with its run (the board's view).
   */
  run: string | null;
}

/** Findings newest first: time, run, node, kind/confidence, what it means in a few words, and the evidence line. */
export function FlagsPanel({ rows, maxRows, timeOf, width, run }: FlagsPanelProps) {
  const t = useTheme();
  const mine = run === null ? rows : rows.filter((r) => r.run === run);
  const others = rows.length - mine.length;
  const visible = mine.slice(0, maxRows);
  const title = run === null ? `flags (${rows.length})` : `flags of ${shown(runLabel(run))} (${mine.length})${others ? ` · ${others} in other runs (g: board)` : ''}`;
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        {title}
      </Text>
      {visible.map((r) => {
        const tone = r.flag.confidence === 'suspected' ? 'warn' : SEVERE.has(r.flag.kind) ? 'bad' : 'warn';
        const headline = flagHeadline(r.flag);
        return (
          <Text key={r.key} wrap="truncate-end">
            {/* The board's list names each finding's run; the run's own list, when in the run it was seen. */}
            {run === null ? <Text color={t.color('accent')}>{shown(runLabel(r.run))}</Text> : <Text color={t.color('muted')}>{timeOf(r).padStart(6)}</Text>} {r.node ? shown(r.node) : 'run'}{' '}
            <Text color={t.color(tone)} bold>
              {r.flag.kind}
              {r.flag.confidence ? ` ${r.flag.confidence}` : ''}
            </Text>
            {headline ? <Text bold>{` ${shown(headline)}`}</Text> : null}
            {headline ? ' — ' : ' '}
            {visibleLog(r.flag.evidence)}
          </Text>
        );
      })}
      {mine.length > visible.length ? <Text color={t.color('muted')}>  +{mine.length - visible.length} more</Text> : null}
    </Box>
  );
}
