import { Text } from 'ink';
import type { ReplayInfo } from '../../session/types.ts';
import { fmtDuration, fmtSpeed } from '../format.ts';
import { visible } from '../../shared/sanitize.ts';
import { useTheme } from '../theme.ts';

/**
 * `▶ 10× · run 2/5 rn50 · 0:45 / 2:00 · paced from reported step times`; once the run (or the
 * whole list) has played to its end, its figures are the summary's: the bar says so. `■ held`:
 * `e` stopped the replay at the run's end, and says which keys move on.
 */
export function ReplayBar({ replay, runDone }: { replay: ReplayInfo; runDone: boolean }) {
  const t = useTheme();
  const name = visible(replay.runNames[replay.runIndex] ?? '');
  const pos = fmtDuration(Math.max(0, replay.position - replay.start));
  const total = fmtDuration(Math.max(0, replay.end - replay.start));
  return (
    <Text wrap="truncate-end">
      <Text color={t.color(replay.held ? 'info' : replay.paused ? 'warn' : 'ok')} bold>
        {replay.held ? '■ held' : replay.paused ? '⏸ paused' : '▶'}
      </Text>{' '}
      {fmtSpeed(replay.speed)} · run {replay.runIndex + 1}/{replay.runCount} {name} · {pos} / {total}
      {replay.pacing !== 'clock' ? (
        <Text color={t.color('muted')}> · {replay.pacing === 'step-times' ? 'paced from reported step times' : 'paced by line order'}</Text>
      ) : null}
      {replay.finished || replay.held || (runDone && replay.position >= replay.end) ? (
        <Text color={t.color('info')} bold>
          {' '}
          · done — final numbers = summary
        </Text>
      ) : null}
      {replay.held ? <Text color={t.color('muted')}> · n next run · space play on</Text> : null}
    </Text>
  );
}
