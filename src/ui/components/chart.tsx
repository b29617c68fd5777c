import { Box, Text } from 'ink';
import type { ChartModel } from '../chart-model.ts';
import { LAYER } from '../chart-model.ts';
import { useTheme, type Tone } from '../theme.ts';
import { visible } from '../../shared/sanitize.ts';

const TONE: Record<number, Tone> = { [LAYER.run]: 'run', [LAYER.node]: 'node', [LAYER.warmup]: 'warmup' };

/** Braille throughput chart: a title with the legend, the plot rows, and the x axis. */
export function Chart({ model, nodeLabel, showWarmup, width }: { model: ChartModel; nodeLabel: string | null; showWarmup: boolean; width: number }) {
  const t = useTheme();
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text bold>throughput/s</Text> <Text color={t.color('run')}>⣿ run</Text>
        {nodeLabel ? <Text color={t.color('node')}> ⣿ {visible(nodeLabel)}</Text> : null}
        <Text color={t.color('muted')}>
          {' '}
          · {showWarmup ? '┴ end of warmup, w hides warmup' : 'warmup hidden (w shows it)'}
        </Text>
      </Text>
      {model.rows.map((segs, r) => (
        <Text key={r} wrap="truncate-end">
          <Text color={t.color('muted')}>{model.labels[r]}</Text>
          {model.empty && r === Math.floor(model.rows.length / 2) ? <Text color={t.color('muted')}> no throughput points yet</Text> : null}
          {model.empty
            ? null
            : segs.map((s, i) => (
                <Text key={i} color={s.layer ? t.color(TONE[s.layer] ?? 'run') : undefined} dimColor={s.layer === LAYER.warmup && t.styled}>
                  {s.text}
                </Text>
              ))}
        </Text>
      ))}
      <Text wrap="truncate-end" color={t.color('muted')}>
        {model.axis}
      </Text>
    </Box>
  );
}
