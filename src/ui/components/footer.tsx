import { Text } from 'ink';
import type { SessionSnapshot } from '../../session/types.ts';
import type { SortKey } from '../state/ui-reducer.ts';
import { useTheme } from '../theme.ts';
import { visible } from '../../shared/sanitize.ts';

export interface FooterProps {
  prompt: string | null;
  /** What the open prompt does: `/` searches the log, `&` filters it. */
  promptKind: 'search' | 'filter';
  sort: SortKey;
  mode: 'live' | 'replay';
  totals: SessionSnapshot['totals'];
  problems: number;
}

/** The `/` prompt while it is open; otherwise key hints and the session's counters. */
export function Footer({ prompt, promptKind, sort, mode, totals, problems }: FooterProps) {
  const t = useTheme();
  if (prompt !== null) {
    return (
      <Text wrap="truncate-end">
        <Text color={t.color('accent')} bold>
          {promptKind === 'search' ? 'search /' : 'filter &'}
        </Text>
        {visible(prompt)}
        <Text inverse={t.styled}>{t.styled ? ' ' : '_'}</Text>
        <Text color={t.color('muted')}>  {promptKind === 'search' ? 'enter: jump to the newest match · esc: cancel' : 'enter: apply · esc: clear'}</Text>
      </Text>
    );
  }
  const keys = mode === 'replay' ? 'space pause · +/- speed · ←/→ seek · n/N run · e end · ' : 'n/N run · ';
  return (
    <Text wrap="truncate-end" color={t.color('muted')}>
      ? help · q quit · s sort:{sort} · {keys}tab cursor · / search │ {totals.lines} lines · {totals.files} files
      {totals.dropped ? ` · ${totals.dropped} dropped` : ''}
      {problems ? ` · ${problems} problem${problems === 1 ? '' : 's'} (!)` : ''}
    </Text>
  );
}
