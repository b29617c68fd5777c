import { Text } from 'ink';
import type { ReplayInfo } from '../../session/types.ts';
import { fmtDuration, fmtSpeed } from '../format.ts';
import { fitPieces, shortRunName, type Piece } from '../layout.ts';
import { visible } from '../../shared/sanitize.ts';
import { useTheme, type Tone } from '../theme.ts';

/**
 * `▶ 10× · run 2/5 rn50 · 0:45 / 2:00 · paced from reported step times`; once the run (or the
 * whole list) has played to its end, its figures are the summary's: the bar says so. `■ held`:
 * `e` stopped the replay at the run's end, and the bar says which keys move on. On a narrow
 * terminal the pieces that matter least go first (whole), the run name keeps its end.
 */
export function ReplayBar({ replay, runDone, width }: { replay: ReplayInfo; runDone: boolean; width: number }) {
  const t = useTheme();
  const pos = fmtDuration(Math.max(0, replay.position - replay.start));
  const total = fmtDuration(Math.max(0, replay.end - replay.start));
  const done = replay.finished || replay.held || (runDone && replay.position >= replay.end);
  const state = replay.held ? '■ held' : replay.paused ? '⏸ paused' : '▶';
  const head = `${state} ${fmtSpeed(replay.speed)}`;
  const where = `run ${replay.runIndex + 1}/${replay.runCount}`;
  const rest = (name: string): Piece[] => [
    { text: head, drop: 0 },
    { text: name ? `${where} ${name}` : where, drop: 0 },
    { text: `${pos} / ${total}`, drop: 2 },
    { text: replay.pacing === 'step-times' ? 'paced from reported step times' : replay.pacing === 'line-order' ? 'paced by line order' : '', drop: 4 },
    { text: done ? (width >= 100 ? 'done — final numbers = summary' : 'final = summary') : '', drop: 1 },
    { text: replay.held ? 'n next run · space play on' : '', drop: 3 },
  ];
  const full = visible(replay.runNames[replay.runIndex] ?? '');
  // The name gets what the other kept pieces leave (at least 12 columns).
  const others = fitPieces(rest(''), width);
  const used = others.reduce((a, p) => a + [...p.text].length + 3, 0);
  // At least the configuration and the run (`…/4n8g/r50_b256_amp_5`): what tells runs apart.
  const least = shortRunName(full, full.split('/').slice(-2).join('/').length + 2).length;
  const name = shortRunName(full, Math.max(least, width - used - 1));
  const pieces = fitPieces(rest(name), width);
  const tone = (p: Piece): Tone | null =>
    p.text === head ? (replay.held ? 'info' : replay.paused ? 'warn' : 'ok') : p.text.startsWith('done') || p.text.startsWith('final') ? 'info' : p.text.startsWith('paced') || p.text.startsWith('n next') ? 'muted' : null;
  return (
    <Text wrap="truncate-end">
      {pieces.map((p, i) => {
        const tn = tone(p);
        return (
          <Text key={i}>
            {i > 0 ? ' · ' : ''}
            <Text color={tn ? t.color(tn) : undefined} bold={tn === 'info' || p.text === head}>
              {p.text}
            </Text>
          </Text>
        );
      })}
    </Text>
  );
}
