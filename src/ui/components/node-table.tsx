import { Box, Text } from 'ink';
import type { NodeView } from '../../session/types.ts';
import { fmtAge, fmtPct, fmtRate, fmtStep, padEnd, padStart, shortenSource } from '../format.ts';
import { nodeBadges, SLOW_DEVIATION } from '../selectors.ts';
import { visible as safeText } from '../../shared/sanitize.ts';
import type { SortKey } from '../state/ui-reducer.ts';
import { useTheme, type Tone } from '../theme.ts';

const STATE: Record<NodeView['state'], [string, Tone]> = {
  connecting: ['conn', 'muted'],
  waiting: ['wait', 'warn'],
  streaming: ['live', 'ok'],
  quiet: ['quiet', 'warn'],
  stale: ['stale', 'bad'],
  reconnecting: ['recon', 'warn'],
  ended: ['ended', 'muted'],
  error: ['error', 'bad'],
};
const PHASE: Record<string, string> = { warmup: 'warm', measuring: 'meas', done: 'done' };
const SEVERE = new Set(['IB!', 'OOM', 'NaN', 'CRASH', 'STALL']);

interface Widths {
  node: number;
  source: number;
}

const widthsFor = (width: number): Widths => {
  const extra = Math.max(0, width - 80);
  return { node: 9 + Math.min(6, Math.floor(extra / 4)), source: 11 + Math.min(24, Math.floor(extra / 2)) };
};

function rateCells(n: NodeView): [string, string] {
  if (n.throughput_instant === null && n.throughput_rolling_median === null && n.step_time_s !== null) return ['—', fmtStep(n.step_time_s)];
  return [fmtRate(n.throughput_instant), fmtRate(n.throughput_rolling_median)];
}

export interface NodeTableProps {
  rows: readonly NodeView[];
  selected: string | null;
  focused: string | null;
  sort: SortKey;
  /** Data rows that fit. */
  maxRows: number;
  width: number;
}

export function NodeTable({ rows, selected, focused, sort, maxRows, width }: NodeTableProps) {
  const t = useTheme();
  const w = widthsFor(width);
  const mark = (k: SortKey, label: string) => (sort === k ? `${label}▾` : label);
  const head =
    '  ' +
    padEnd(mark('node', 'node'), w.node) +
    padEnd('source', w.source) +
    padEnd('state', 6) +
    padStart('iter', 6) +
    ' ' +
    padEnd('phase', 5) +
    padStart(mark('throughput', 'tput/s'), 9) +
    padStart('median', 9) +
    padStart(mark('deviation', 'dev'), 8) +
    padStart(mark('age', 'age'), 5) +
    ' flags';
  if (rows.length === 0) {
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
  const shown = Math.max(1, maxRows);
  const start = Math.min(Math.max(0, sel - shown + 1), Math.max(0, rows.length - shown));
  const visible = rows.slice(start, start + shown);
  const hidden = rows.length - visible.length;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end" bold>
        {head}
      </Text>
      {visible.map((n) => {
        const isSel = n.source === selected;
        const [stateText, stateTone] = STATE[n.state] ?? [n.state, 'muted'];
        const [inst, med] = rateCells(n);
        if (n.run === null) {
          // A named source without a line yet: no numbers to show, the reason takes their place.
          return (
            <Text key={n.source} wrap="truncate-end" bold={isSel} inverse={isSel && t.styled}>
              {isSel ? '›' : ' '}
              {n.source === focused ? '*' : ' '}
              {padEnd(safeText(n.node), w.node)}
              {padEnd(shortenSource(safeText(n.source), w.source - 1), w.source)}
              <Text color={t.color(stateTone)}>{padEnd(stateText, 6)}</Text>
              <Text color={t.color(n.state === 'error' ? 'bad' : 'muted')}>{safeText(n.reason ?? (n.state === 'connecting' ? 'connecting…' : 'no line yet'))}</Text>
            </Text>
          );
        }
        const badges = nodeBadges(n);
        const devTone: Tone | null = n.deviation !== null && n.deviation <= SLOW_DEVIATION ? 'bad' : null;
        return (
          <Text key={n.source} wrap="truncate-end" bold={isSel} inverse={isSel && t.styled}>
            {isSel ? '›' : ' '}
            {n.source === focused ? '*' : ' '}
            {padEnd(safeText(n.node), w.node)}
            {padEnd(shortenSource(safeText(n.source), w.source - 1), w.source)}
            <Text color={t.color(stateTone)}>{padEnd(stateText, 6)}</Text>
            {padStart(n.iteration === null ? '—' : String(n.iteration), 6)} {padEnd(n.phase ? (PHASE[n.phase] ?? n.phase) : '—', 5)}
            {padStart(inst, 9)}
            {padStart(med, 9)}
            <Text color={devTone ? t.color(devTone) : undefined}>{padStart(fmtPct(n.deviation), 8)}</Text>
            {padStart(fmtAge(n.last_line_age_s), 5)}{' '}
            {badges.map((b, i) => (
              <Text key={b} color={t.color(SEVERE.has(b) ? 'bad' : 'warn')} bold>
                {i > 0 ? ' ' : ''}
                {b}
              </Text>
            ))}
          </Text>
        );
      })}
      {hidden > 0 ? <Text color={t.color('muted')}>  +{hidden} more</Text> : null}
    </Box>
  );
}
