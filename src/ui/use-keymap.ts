import { useInput, useStdin, type Key } from 'ink';
import { useRef, type Dispatch } from 'react';
import type { ReplayControls } from '../session/controls.ts';
import type { SessionSnapshot } from '../session/types.ts';
import { splitKeys } from './hooks/key-chunks.ts';
import { anchorShowing, nextMatch, scrollAnchor, topAnchor, type ViewLine } from './state/log-view.ts';
import { uiReducer, type Pane, type UiAction, type UiState } from './state/ui-reducer.ts';

export interface KeymapContext {
  state: UiState;
  dispatch: Dispatch<UiAction>;
  /** Node row keys (sources) in display order. */
  rowKeys: readonly string[];
  /** Run keys in list order, and the run on screen (live n/N). */
  runKeys: readonly string[];
  currentRun: string | null;
  /** The run list as shown: its length and the current run's row (the picker starts there). */
  runCount: number;
  runIndex: number;
  /** Panels on screen that can take the cursor, in tab order. */
  panes: readonly Pane[];
  /** The log pane's lines (after the filter) and its height: search and page size. */
  logLines: readonly ViewLine[];
  logRows: number;
  /** Pages of the help overlay at this terminal size. */
  helpPages: number;
  /** The snapshot on screen (`p` freezes it). */
  snapshot: SessionSnapshot;
  /** Whether the board is on screen now (`g` flips it). */
  boardShown?: boolean;
  mode: 'live' | 'replay';
  controls?: ReplayControls;
  onQuit: () => void;
}

/**
 * One key binding: what the help overlay lists and what the key does. `pane`: only while that
 * panel has the cursor (such bindings win over the general ones: `n` in the log pane is the next
 * match, elsewhere the next run). Other views add their keys by adding rows here.
 */
export interface Binding {
  keys: string;
  action: string;
  /** Only in this mode. */
  mode?: 'replay' | 'live';
  pane?: Pane;
  /** Heading of the help overlay it is listed under. */
  group: 'general' | 'nodes' | 'runs' | 'log' | 'replay';
  match: (input: string, key: Key) => boolean;
  run: (ctx: KeymapContext, input: string, key: Key) => void;
}

export const SEEK_SHORT_MS = 10_000;
export const SEEK_LONG_MS = 60_000;

const ch = (c: string) => (input: string, key: Key) => input === c && !key.ctrl && !key.meta;
const scroll = (ctx: KeymapContext, delta: number) =>
  ctx.dispatch({ type: 'logAnchor', anchor: scrollAnchor(ctx.logLines, ctx.state.logAnchor, delta, ctx.logRows) });
const page = (ctx: KeymapContext) => Math.max(1, ctx.logRows - 1);
const jumpMatch = (ctx: KeymapContext, dir: 1 | -1) => {
  const at = nextMatch(ctx.logLines, ctx.state.search, ctx.state.match, dir);
  ctx.dispatch({ type: 'logMatch', lineNo: at, anchor: at === null ? null : anchorShowing(ctx.logLines, at, ctx.logRows) });
};
const replay = (ctx: KeymapContext) => (ctx.mode === 'replay' ? ctx.controls : undefined);
const nextPane = (ctx: KeymapContext, dir: 1 | -1) => {
  const panes = ctx.panes.length ? ctx.panes : (['nodes'] as const);
  const i = Math.max(0, panes.indexOf(ctx.state.pane));
  const pane = panes[(i + dir + panes.length) % panes.length]!;
  ctx.dispatch({ type: 'setPane', pane, ...(pane === 'runs' ? { runCursor: ctx.runIndex } : {}) });
};
const pickRun = (ctx: KeymapContext) => {
  const i = ctx.state.runCursor;
  const c = replay(ctx);
  if (c) c.goToRun(i);
  else if (ctx.runKeys[i] !== undefined) ctx.dispatch({ type: 'pickRun', key: ctx.runKeys[i]! });
  ctx.dispatch({ type: 'setPane', pane: 'nodes' });
};
const stepRun = (ctx: KeymapContext, delta: 1 | -1) => {
  const c = replay(ctx);
  if (c) {
    if (delta > 0) c.nextRun();
    else c.prevRun();
  } else ctx.dispatch({ type: 'cycleRun', delta, keys: ctx.runKeys, current: ctx.currentRun });
};

const seek = (ctx: KeymapContext, key: Key) => {
  const ms = key.shift ? SEEK_LONG_MS : SEEK_SHORT_MS;
  replay(ctx)?.seek(key.leftArrow ? -ms : ms);
};
const pageLog = (ctx: KeymapContext, key: Key) => {
  if (!ctx.panes.includes('log')) return;
  if (ctx.state.pane !== 'log') ctx.dispatch({ type: 'setPane', pane: 'log' });
  scroll(ctx, key.pageUp ? -page(ctx) : page(ctx));
};
const moveRunCursor = (ctx: KeymapContext, key: Key) =>
  ctx.dispatch({ type: 'moveRunCursor', delta: key.home ? -Infinity : key.end ? Infinity : key.upArrow ? -1 : 1, count: ctx.runCount });

export const BINDINGS: readonly Binding[] = [
  { group: 'general', keys: '?', action: 'show / hide this help', match: ch('?'), run: (c) => c.dispatch({ type: 'toggleHelp' }) },
  { group: 'general', keys: 'q  ctrl-c', action: 'quit (the final numbers stay on the terminal)', match: ch('q'), run: (c) => c.onQuit() },
  { group: 'general', keys: 'tab  shift-tab', action: 'move the cursor: nodes → runs → log', match: (_, k) => k.tab, run: (c, _, k) => nextPane(c, k.shift ? -1 : 1) },
  { group: 'general', keys: 'esc', action: 'cursor back to nodes; again: clears search, filter, focus', match: (_, k) => k.escape, run: (c) => c.dispatch({ type: 'escape' }) },
  { group: 'general', keys: '!', action: 'problems: every source not reporting and every problem, with time and reason', match: ch('!'), run: (c) => c.dispatch({ type: 'toggleProblems' }) },
  { group: 'general', keys: 'g', action: 'scaling board (one row per configuration) / chart', match: ch('g'), run: (c) => c.dispatch({ type: 'toggleBoard', shown: c.boardShown ?? false }) },
  { group: 'general', keys: 's', action: 'sort nodes: node → throughput → deviation → age', match: ch('s'), run: (c) => c.dispatch({ type: 'cycleSort', keys: c.rowKeys }) },
  { group: 'general', keys: 'p', action: 'freeze / unfreeze the display (ingest continues)', match: ch('p'), run: (c) => c.dispatch({ type: 'togglePause', snapshot: c.snapshot }) },
  { group: 'general', keys: 'w', action: 'show / hide warmup points in the chart', match: ch('w'), run: (c) => c.dispatch({ type: 'toggleWarmup' }) },
  { group: 'nodes', pane: 'nodes', keys: '↑ ↓', action: 'select a node', match: (_, k) => k.upArrow || k.downArrow, run: (c, _, k) => c.dispatch({ type: 'move', delta: k.upArrow ? -1 : 1, keys: c.rowKeys }) },
  { group: 'nodes', pane: 'nodes', keys: 'enter', action: 'focus the node: chart and log follow it (again: unfocus)', match: (_, k) => k.return, run: (c) => c.dispatch({ type: 'toggleFocus', keys: c.rowKeys }) },
  { group: 'runs', keys: 'r', action: 'pick a run: the run list takes the cursor', match: ch('r'), run: (c) => (c.panes.includes('runs') ? c.dispatch({ type: 'setPane', pane: 'runs', runCursor: c.runIndex }) : undefined) },
  { group: 'runs', pane: 'runs', keys: '↑ ↓  home end', action: 'move in the run list', match: (_, k) => k.upArrow || k.downArrow || k.home || k.end, run: (c, _, k) => moveRunCursor(c, k) },
  { group: 'runs', pane: 'runs', keys: 'enter', action: 'go to that run', match: (_, k) => k.return, run: pickRun },
  { group: 'runs', mode: 'live', keys: 'n  N', action: 'next / previous run', match: (i) => i === 'n' || i === 'N', run: (c, i) => stepRun(c, i === 'n' ? 1 : -1) },
  { group: 'log', keys: 'l', action: 'the log pane takes the cursor', match: ch('l'), run: (c) => (c.panes.includes('log') ? c.dispatch({ type: 'setPane', pane: 'log' }) : undefined) },
  { group: 'log', keys: '/', action: 'search all the log kept; enter: to the newest match', match: ch('/'), run: (c) => c.dispatch({ type: 'openPrompt', kind: 'search' }) },
  { group: 'log', keys: '&', action: 'filter the log: only the lines containing a text', match: ch('&'), run: (c) => c.dispatch({ type: 'openPrompt', kind: 'filter' }) },
  { group: 'log', keys: 'PgUp  PgDn', action: 'scroll the log a page (it takes the cursor)', match: (_, k) => k.pageUp || k.pageDown, run: (c, _, k) => pageLog(c, k) },
  { group: 'log', pane: 'log', keys: '↑ ↓', action: 'scroll a line', match: (_, k) => k.upArrow || k.downArrow, run: (c, _, k) => scroll(c, k.upArrow ? -1 : 1) },
  { group: 'log', pane: 'log', keys: 'g  G  home end', action: 'oldest retained line / newest (follows again)', match: (i, k) => i === 'g' || i === 'G' || k.home || k.end, run: (c, i, k) => c.dispatch({ type: 'logAnchor', anchor: i === 'g' || k.home ? topAnchor(c.logLines, c.logRows) : null }) },
  { group: 'log', pane: 'log', keys: 'n  N', action: 'next / previous match (wraps); without the cursor: runs', match: (i) => i === 'n' || i === 'N', run: (c, i) => jumpMatch(c, i === 'n' ? 1 : -1) },
  { group: 'replay', mode: 'replay', keys: 'space', action: 'pause / resume (held at a run end: play on)', match: ch(' '), run: (c) => replay(c)?.togglePause() },
  { group: 'replay', mode: 'replay', keys: '+  -', action: 'faster / slower (1× 2× 5× 10× 60× max)', match: (i) => i === '+' || i === '=' || i === '-' || i === '_', run: (c, i) => (i === '+' || i === '=' ? replay(c)?.faster() : replay(c)?.slower()) },
  { group: 'replay', mode: 'replay', keys: '←  →', action: 'seek 10 s (← at 0:00: previous run, at its end)', match: (_, k) => (k.leftArrow || k.rightArrow) && !k.shift, run: (c, _, k) => seek(c, k) },
  { group: 'replay', mode: 'replay', keys: 'shift-←  shift-→', action: 'seek 60 s', match: (_, k) => (k.leftArrow || k.rightArrow) && k.shift, run: (c, _, k) => seek(c, k) },
  { group: 'replay', mode: 'replay', keys: 'n  N', action: 'next / previous run from its start (max speed: its end)', match: (i) => i === 'n' || i === 'N', run: (c, i) => stepRun(c, i === 'n' ? 1 : -1) },
  { group: 'replay', mode: 'replay', keys: 'e', action: 'end of the run: hold final numbers until n, N, ←, space', match: ch('e'), run: (c) => replay(c)?.toEnd() },
];

/** The bindings as the help lists them: keys, what they do, and the mode when only one. */
export const KEY_HELP: readonly { keys: string; action: string; mode?: 'replay' | 'live' }[] = BINDINGS.map((b) => ({ keys: b.keys, action: b.action, ...(b.mode ? { mode: b.mode } : {}) }));

/** The binding a key press resolves to: the cursor's panel first, then the general keys. */
export function bindingFor(ctx: KeymapContext, input: string, key: Key): Binding | undefined {
  const usable = (b: Binding) => (!b.mode || b.mode === ctx.mode) && b.match(input, key);
  return BINDINGS.find((b) => b.pane === ctx.state.pane && usable(b)) ?? BINDINGS.find((b) => !b.pane && usable(b));
}

/** Turn one key press into reducer actions and replay control calls. */
export function handleKey(ctx: KeymapContext, input: string, key: Key): void {
  const { state, dispatch } = ctx;
  if (input === 'c' && key.ctrl) return ctx.onQuit();
  if (state.prompt !== null) {
    if (key.return) {
      dispatch({ type: 'promptApply' });
      // A search jumps at once to the newest match (the tail's end is where one reads).
      const text = state.prompt.trim();
      if (state.promptKind === 'search' && text) {
        const at = nextMatch(ctx.logLines, text, null, -1);
        dispatch({ type: 'logMatch', lineNo: at, anchor: at === null ? null : anchorShowing(ctx.logLines, at, ctx.logRows) });
      }
    }
    else if (key.escape) dispatch({ type: 'promptCancel' });
    else if (key.backspace || key.delete) dispatch({ type: 'promptBackspace' });
    else if (input && !key.ctrl && !key.meta) dispatch({ type: 'promptInput', text: input });
    return;
  }
  if (state.help && input !== '?' && input !== 'q') {
    // ↓ / space / PgDn page on (past the last page: close), ↑ / PgUp back; any other key closes.
    if (key.downArrow || key.pageDown || input === ' ') dispatch({ type: 'helpPage', page: state.helpPage + 1, pages: ctx.helpPages });
    else if (key.upArrow || key.pageUp) dispatch({ type: 'helpPage', page: state.helpPage - 1, pages: ctx.helpPages });
    else dispatch({ type: 'toggleHelp' });
    return;
  }
  if (state.problems && input !== 'q') {
    // The problems view is modal: any key closes it (q still quits).
    dispatch({ type: 'toggleProblems' });
    return;
  }
  const b = bindingFor(ctx, input, key);
  b?.run(ctx, input, key);
}

/**
 * Handle every key of one chunk in order. Each key sees the state the keys before it left: the
 * actions are applied to a local copy with the same pure reducer React uses, so `/abc⏎` typed
 * in one read searches for "abc", and `NNN` in a live session goes back three runs.
 */
export function handleChunk(ctx: KeymapContext, input: string, key: Key): UiState {
  let state = ctx.state;
  let quit = false;
  const dispatch = (a: UiAction) => {
    state = uiReducer(state, a);
    ctx.dispatch(a);
  };
  const onQuit = () => {
    quit = true;
    ctx.onQuit();
  };
  for (const k of splitKeys(input, key)) {
    handleKey({ ...ctx, state, dispatch, onQuit }, k.input, k.key);
    if (quit) break;
  }
  return state;
}

/**
 * Wire {@link handleChunk} to Ink's input. The context goes through a ref updated on every render:
 * Ink re-registers its handler in a passive effect, so a key arriving right after a commit would
 * otherwise see the previous state (e.g. typing just after `/` opened the prompt).
 */
export function useKeymap(ctx: KeymapContext): void {
  const ref = useRef(ctx);
  ref.current = ctx;
  // Chunks can also come faster than React renders (`/`, then `abc`, then enter, each its own
  // read): the next chunk starts from the state the previous one left, while no render came between.
  const pending = useRef<{ from: UiState; state: UiState } | null>(null);
  // Without a TTY on stdin (an archive piped in) there are no keys; Ctrl-C arrives as SIGINT.
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      const c = ref.current;
      const start = pending.current && pending.current.from === c.state ? pending.current.state : c.state;
      pending.current = { from: c.state, state: handleChunk({ ...c, state: start }, input, key) };
    },
    { isActive: isRawModeSupported === true },
  );
}
