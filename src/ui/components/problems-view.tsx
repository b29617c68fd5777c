import { Box, Text } from 'ink';
import { visible } from '../../shared/sanitize.ts';
import type { ProblemRow } from '../selectors.ts';
import { useTheme } from '../theme.ts';

/**
 * Every problem of the session (`!`): the named sources that are not reporting or not well
 * (state, source, reason, the source's own words) and each problem a source reported, newest
 * first, two lines each so the reason stays readable at 80 columns.
 */
export function ProblemsView({ rows, header, timeOf, maxRows, width }: { rows: readonly ProblemRow[]; header: string | null; timeOf: (t: number | null) => string; maxRows: number; width: number }) {
  const t = useTheme();
  const fit = Math.max(1, Math.floor((maxRows - 3) / 2));
  const shown = rows.slice(0, fit);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        problems ({rows.length}){header ? ` · ${visible(header)}` : ''}
      </Text>
      {rows.length === 0 ? <Text color={t.color('muted')}>  no problem: every source reports</Text> : null}
      {shown.map((r) => (
        <Box key={r.key} flexDirection="column" width={width}>
          <Text wrap="truncate-end">
            <Text color={t.color('muted')}>{timeOf(r.time).padStart(7)}</Text>{' '}
            <Text color={t.color(r.severe ? 'bad' : 'warn')} bold>
              {r.label.padEnd(7)}
            </Text>{' '}
            {visible(r.source)}
          </Text>
          <Text wrap="truncate-end">
            {'        '}
            {visible(r.reason)}
            {r.detail && r.detail !== r.reason ? <Text color={t.color('muted')}> — {visible(r.detail)}</Text> : null}
          </Text>
        </Box>
      ))}
      {rows.length > shown.length ? <Text color={t.color('muted')}>  +{rows.length - shown.length} more (NDJSON and stderr in --headless list them all)</Text> : null}
      <Text color={t.color('muted')} wrap="truncate-end">
        any key closes this list
      </Text>
    </Box>
  );
}
