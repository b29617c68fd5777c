import { useInput, useStdin, type Key } from 'ink';
import { useRef, type Dispatch } from 'react';
import type { ReplayControls } from '../session/controls.ts';
import type { SessionSnapshot } from '../session/types.ts';
import type { UiAction, UiState } from './state/ui-reducer.ts';

/**
 * Every keyboard shortcut of the screen is defined here and only here: the help overlay lists
 * {@link KEY_HELP}, and {@link handleKey} does what it says.
 */
export interface KeyHelp {
  keys: string;
  action: string;
  /** Only in replay mode (live mode shows `live` variants where they differ). */
  mode?: 'replay' | 'live';
}

export const KEY_HELP: readonly KeyHelp[] = [
  { keys: '?', action: 'show / hide this help' },
  { keys: 'q  ctrl-c', action: 'quit' },
  { keys: '!', action: 'problems: every source not reporting and every problem, with time and reason' },
  { keys: '↑ ↓', action: 'select a node' },
  { keys: 'tab  shift-tab', action: 'next / previous node (wraps)' },
  { keys: 'enter', action: 'focus the selected node: chart and log follow it (again: unfocus)' },
  { keys: 'g', action: 'scaling board (one row per configuration) / chart' },
  { keys: 's', action: 'sort nodes: node → throughput → deviation → age' },
  { keys: 'p', action: 'pause / resume the display (ingest continues)' },
  { keys: 'w', action: 'show / hide warmup points in the chart' },
  { keys: '/', action: 'filter the log pane (enter applies, esc clears)' },
  { keys: 'esc', action: 'close help, clear the filter, drop the focus' },
  { keys: 'n  N', action: 'next / previous run', mode: 'live' },
  { keys: 'space', action: 'pause / resume the replay', mode: 'replay' },
  { keys: '+  -', action: 'replay faster / slower (1× 2× 5× 10× 60× max)', mode: 'replay' },
  { keys: '←  →', action: 'seek back / forward 10 s', mode: 'replay' },
  { keys: 'shift-←  shift-→', action: 'seek back / forward 60 s', mode: 'replay' },
  { keys: 'n  N', action: 'next / previous run', mode: 'replay' },
  { keys: 'e', action: 'jump to the end of the run (final numbers)', mode: 'replay' },
];

export interface KeymapContext {
  state: UiState;
  dispatch: Dispatch<UiAction>;
  /** Node row keys (sources) in display order. */
  rowKeys: readonly string[];
  /** Run keys in list order, and the run on screen (live n/N). */
  runKeys: readonly string[];
  currentRun: string | null;
  /** The snapshot on screen (`p` freezes it). */
  snapshot: SessionSnapshot;
  /** Whether the board is on screen now (`g` flips it). */
  boardShown?: boolean;
  mode: 'live' | 'replay';
  controls?: ReplayControls;
  onQuit: () => void;
}

export const SEEK_SHORT_MS = 10_000;
export const SEEK_LONG_MS = 60_000;

/** Turn one key press into reducer actions and replay control calls. */
export function handleKey(ctx: KeymapContext, input: string, key: Key): void {
  const { state, dispatch } = ctx;
  if (input === 'c' && key.ctrl) return ctx.onQuit();
  if (state.prompt !== null) {
    if (key.return) dispatch({ type: 'promptApply' });
    else if (key.escape) dispatch({ type: 'promptCancel' });
    else if (key.backspace || key.delete) dispatch({ type: 'promptBackspace' });
    else if (input && !key.ctrl && !key.meta) dispatch({ type: 'promptInput', text: input });
    return;
  }
  if (input === 'q') return ctx.onQuit();
  if (state.help && input !== '?') {
    dispatch({ type: 'toggleHelp' });
    return;
  }
  if (state.problems) {
    dispatch({ type: 'toggleProblems' });
    return;
  }
  const c = ctx.mode === 'replay' ? ctx.controls : undefined;
  if (input === '?') dispatch({ type: 'toggleHelp' });
  else if (input === '!') dispatch({ type: 'toggleProblems' });
  else if (key.escape) dispatch({ type: 'escape' });
  else if (key.upArrow) dispatch({ type: 'move', delta: -1, keys: ctx.rowKeys });
  else if (key.downArrow) dispatch({ type: 'move', delta: 1, keys: ctx.rowKeys });
  else if (key.tab) dispatch({ type: 'move', delta: key.shift ? -1 : 1, keys: ctx.rowKeys, wrap: true });
  else if (key.return) dispatch({ type: 'toggleFocus', keys: ctx.rowKeys });
  else if (input === 's') dispatch({ type: 'cycleSort', keys: ctx.rowKeys });
  else if (input === 'p') dispatch({ type: 'togglePause', snapshot: ctx.snapshot });
  else if (input === 'w') dispatch({ type: 'toggleWarmup' });
  else if (input === 'g') dispatch({ type: 'toggleBoard', shown: ctx.boardShown ?? false });
  else if (input === '/') dispatch({ type: 'openPrompt' });
  else if (c) {
    if (input === ' ') c.togglePause();
    else if (input === '+' || input === '=') c.faster();
    else if (input === '-' || input === '_') c.slower();
    else if (key.leftArrow) c.seek(-(key.shift ? SEEK_LONG_MS : SEEK_SHORT_MS));
    else if (key.rightArrow) c.seek(key.shift ? SEEK_LONG_MS : SEEK_SHORT_MS);
    else if (input === 'n') c.nextRun();
    else if (input === 'N') c.prevRun();
    else if (input === 'e') c.toEnd();
  } else if (input === 'n' || input === 'N') {
    dispatch({ type: 'cycleRun', delta: input === 'n' ? 1 : -1, keys: ctx.runKeys, current: ctx.currentRun });
  }
}

/**
 * Wire {@link handleKey} to Ink's input. The context goes through a ref updated on every render:
 * Ink re-registers its handler in a passive effect, so a key arriving right after a commit would
 * otherwise see the previous state (e.g. typing just after `/` opened the prompt).
 */
export function useKeymap(ctx: KeymapContext): void {
  const ref = useRef(ctx);
  ref.current = ctx;
  // Without a TTY on stdin (an archive piped in) there are no keys; Ctrl-C arrives as SIGINT.
  const { isRawModeSupported } = useStdin();
  useInput((input, key) => handleKey(ref.current, input, key), { isActive: isRawModeSupported === true });
}
