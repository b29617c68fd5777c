import { Box, Text } from 'ink';
import { visible } from '../../shared/sanitize.ts';
import type { SessionSnapshot } from '../../session/types.ts';
import { useTheme } from '../theme.ts';

/**
 * The screen before any log line: instead of empty panels (a blank chart, an empty log), what the
 * session knows so far — files, lines, and the problems met (a missing path says so here).
 */
export function Waiting({ snapshot, mode, maxRows, width }: { snapshot: SessionSnapshot; mode: 'live' | 'replay'; maxRows: number; width: number }) {
  const t = useTheme();
  const { files, lines } = snapshot.totals;
  const problems = snapshot.problems;
  const room = Math.max(0, maxRows - 3);
  const shown = problems.slice(-room);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text bold>No log line yet.</Text>{' '}
        {mode === 'live' ? 'Files show up here as soon as they are written to.' : 'The archive is being read.'}
      </Text>
      <Text wrap="truncate-end" color={t.color('muted')}>
        {files} file{files === 1 ? '' : 's'} open · {lines} line{lines === 1 ? '' : 's'} · {problems.length ? `${problems.length} problem${problems.length === 1 ? '' : 's'}:` : 'no problem so far'}
      </Text>
      {shown.map((p, i) => (
        <Text key={i} wrap="truncate-end" color={t.color('warn')}>
          {'  '}
          {p.kind}: {visible(p.message)}
        </Text>
      ))}
      {problems.length > shown.length ? <Text color={t.color('muted')}>  … {problems.length - shown.length} earlier</Text> : null}
    </Box>
  );
}
