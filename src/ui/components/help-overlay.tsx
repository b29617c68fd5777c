import { Box, Text } from 'ink';
import { useTheme } from '../theme.ts';
import { KEY_HELP } from '../use-keymap.ts';
import { vocabularyHelp } from '../vocabulary.ts';

/** Every key of the current mode, from the one keymap. */
export function HelpOverlay({ mode, width }: { mode: 'live' | 'replay'; width: number }) {
  const t = useTheme();
  const keys = KEY_HELP.filter((k) => !k.mode || k.mode === mode);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        dlperf-top keys ({mode})
      </Text>
      {keys.map((k) => (
        <Text key={`${k.keys}|${k.mode ?? ''}`} wrap="truncate-end">
          <Text color={t.color('accent')} bold>
            {k.keys.padEnd(18)}
          </Text>
          {k.action}
        </Text>
      ))}
      {vocabularyHelp().map((v) => (
        <Text key={v.title} wrap="truncate-end">
          <Text bold>{v.title.padEnd(18)}</Text>
          {v.names.join(' · ')}
        </Text>
      ))}
      <Text color={t.color('muted')} wrap="truncate-end">
        any key closes this help
      </Text>
    </Box>
  );
}
