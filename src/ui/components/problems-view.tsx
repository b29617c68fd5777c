import { Box, Text } from 'ink';
import { visible } from '../../shared/sanitize.ts';
import type { SourceView } from '../../session/source-registry.ts';
import type { ProblemRow } from '../selectors.ts';
import { useTheme } from '../theme.ts';

const INDENT = 8;
const hasDetail = (r: ProblemRow): boolean => r.detail !== undefined && r.detail !== r.reason;

const srcText = (v: SourceView): string => {
  const many = v.kind === 'glob' || v.kind === 'directory' || v.kind === 'remote-glob';
  const files = many && !(v.reason ?? '').startsWith('following') ? `${v.files} file${v.files === 1 ? '' : 's'}` : '';
  return [files, v.reason ?? (v.reporting ? `${v.lines} lines` : '')].filter(Boolean).join(' · ');
};

/**
 * The sources and problems of the session (`!`): every named source on one line (state, source,
 * files followed, reason), then every problem newest first — the named sources that are not
 * reporting or not well and each problem a source reported: time, state or kind and source on
 * one line, the reason under it, wrapped, never cut (a fingerprint is read whole at 80 columns),
 * and the source's own words on one more line when they say more.
 */
export function ProblemsView({ rows, sources, header, timeOf, maxRows, width }: { rows: readonly ProblemRow[]; sources: readonly SourceView[]; header: string | null; timeOf: (t: number | null) => string; maxRows: number; width: number }) {
  const t = useTheme();
  // The roster takes at most a third of the screen; the problems the rest.
  const roster = sources.length ? Math.min(sources.length, Math.max(1, Math.floor(maxRows / 3) - 2)) : 0;
  const rosterLines = sources.length ? 1 + roster + (sources.length > roster ? 1 : 0) : 0;
  const room = Math.max(1, width - INDENT);
  const heightOf = (r: ProblemRow) => 1 + Math.max(1, Math.ceil(visible(r.reason).length / room)) + (hasDetail(r) ? 1 : 0);
  let budget = maxRows - 3 - rosterLines;
  let fit = 0;
  while (fit < rows.length && (fit === 0 || heightOf(rows[fit]!) <= budget)) budget -= heightOf(rows[fit++]!);
  const shown = rows.slice(0, fit);
  return (
    <Box flexDirection="column" width={width}>
      {sources.length ? (
        <>
          <Text bold wrap="truncate-end">
            sources ({sources.length}, {sources.filter((v) => v.reporting).length} reporting)
          </Text>
          {sources.slice(0, roster).map((v) => (
            <Text key={v.source} wrap="truncate-end">
              {'  '}
              <Text color={t.color(v.state === 'error' ? 'bad' : v.reporting ? 'ok' : 'warn')}>{v.state.padEnd(12)}</Text> {visible(v.source)}
              <Text color={t.color('muted')}> {visible(srcText(v))}</Text>
            </Text>
          ))}
          {sources.length > roster ? <Text color={t.color('muted')}>  +{sources.length - roster} more</Text> : null}
        </>
      ) : null}
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
          <Box paddingLeft={INDENT} width={width}>
            <Text wrap="wrap">{visible(r.reason)}</Text>
          </Box>
          {hasDetail(r) ? (
            <Box paddingLeft={INDENT} width={width}>
              <Text color={t.color('muted')} wrap="truncate-end">
                {visible(r.detail!)}
              </Text>
            </Box>
          ) : null}
        </Box>
      ))}
      {rows.length > shown.length ? <Text color={t.color('muted')}>  +{rows.length - shown.length} more (NDJSON and stderr in --headless list them all)</Text> : null}
      <Text color={t.color('muted')} wrap="truncate-end">
        any key closes this list
      </Text>
    </Box>
  );
}
