import { createContext, useContext } from 'react';

/** Roles the views colour; the theme maps them to terminal colours, or to nothing. */
export type Tone = 'accent' | 'ok' | 'warn' | 'bad' | 'muted' | 'run' | 'node' | 'warmup' | 'info';

export interface Theme {
  /** Colour name for a tone, undefined when colours are off. */
  color(t: Tone): string | undefined;
  /** Whether dim/inverse styling may be used (off with colours). */
  styled: boolean;
}

const COLORS: Record<Tone, string> = {
  accent: 'cyan',
  ok: 'green',
  warn: 'yellow',
  bad: 'red',
  muted: 'gray',
  run: 'cyan',
  node: 'yellow',
  warmup: 'gray',
  info: 'blue',
};

export function makeTheme(noColor: boolean): Theme {
  return { color: (t) => (noColor ? undefined : COLORS[t]), styled: !noColor };
}

/**
 * NO_COLOR convention (no-color.org): colours are off when the variable is present and not
 * empty, or when the caller says so (`--no-color`).
 */
export function colorsOff(env: NodeJS.ProcessEnv, noColor?: boolean): boolean {
  const v = env['NO_COLOR'];
  return noColor === true || (v !== undefined && v !== '');
}

export const ThemeContext = createContext<Theme>(makeTheme(false));

export const useTheme = (): Theme => useContext(ThemeContext);
