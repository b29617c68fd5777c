import type { SessionSnapshot } from '../../session/types.ts';

/** Node table orders `s` cycles through. */
export const SORT_KEYS = ['node', 'throughput', 'deviation', 'age'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** The panel that has the cursor: arrows, enter, n/N and g/G act there (tab moves it). */
export const PANES = ['nodes', 'runs', 'log'] as const;
export type Pane = (typeof PANES)[number];

/** What the screen remembers between snapshots. Pure data: no store, no clock. */
export interface UiState {
  pane: Pane;
  /** Row of the run list under the cursor while the run list has it (the run picker). */
  runCursor: number;
  /** Log pane: line number of the bottom line shown; null follows the newest line. */
  logAnchor: number | null;
  /** Applied log search ('' = none) and the line number of the match jumped to. */
  search: string;
  match: number | null;
  /** What the open prompt sets: `/` searches, `&` filters. */
  promptKind: 'search' | 'filter';
  sort: SortKey;
  /** Selected node row, keyed by its source (stable when the order changes). */
  selected: string | null;
  /** Node the chart and log pane follow (enter); null: they follow the selection. */
  focused: string | null;
  /** Run picked with n/N in a live multi-run session; null: the most recently active run. */
  runKey: string | null;
  /** The sources and problems view (`!`) is open. */
  problems: boolean;
  /** Display paused on this snapshot (ingest goes on). */
  frozen: SessionSnapshot | null;
  showWarmup: boolean;
  help: boolean;
  /** Page of the help overlay shown (short terminals). */
  helpPage: number;
  /** Applied log filter ('' = none). */
  filter: string;
  /** Text being typed at the `/` prompt; null when the prompt is closed. */
  prompt: string | null;
  /** The sweep board instead of the chart (`g`); null: shown when the session holds more than one configuration. */
  board: boolean | null;
}

export type UiAction =
  /** Next sort order; the row selected now (`keys`: rows in display order) stays selected. */
  | { type: 'cycleSort'; keys: readonly string[] }
  /** `!`: open / close the sources and problems view. */
  | { type: 'toggleProblems' }
  /** Move the selection by `delta` rows among `keys` (the rows in display order); tab wraps. */
  | { type: 'move'; delta: number; keys: readonly string[]; wrap?: boolean }
  | { type: 'toggleFocus'; keys: readonly string[] }
  /** Pick the next/previous run among `keys` (live sessions); relative to a run picked before, else to `current`. */
  | { type: 'cycleRun'; delta: number; keys: readonly string[]; current: string | null }
  /** Pick run `key` (live run picker). */
  | { type: 'pickRun'; key: string }
  /** Give the cursor to `pane` (`runCursor`: where the run picker starts). */
  | { type: 'setPane'; pane: Pane; runCursor?: number }
  | { type: 'moveRunCursor'; delta: number; count: number }
  | { type: 'logAnchor'; anchor: number | null }
  /** Jump to a search match (null: none found; the view stays). */
  | { type: 'logMatch'; lineNo: number | null; anchor: number | null }
  | { type: 'togglePause'; snapshot: SessionSnapshot }
  | { type: 'toggleWarmup' }
  | { type: 'toggleHelp' }
  /** Help page `page` of `pages`; past the last one the help closes. */
  | { type: 'helpPage'; page: number; pages: number }
  /** `g`: flip the board from what is on screen now (`shown`, which the auto rule may have decided). */
  | { type: 'toggleBoard'; shown: boolean }
  | { type: 'openPrompt'; kind: 'search' | 'filter' }
  | { type: 'promptInput'; text: string }
  | { type: 'promptBackspace' }
  | { type: 'promptApply' }
  | { type: 'promptCancel' }
  /** esc outside the prompt: close help, else give the cursor back to the nodes, else clear the search, the filter, the focus. */
  | { type: 'escape' };

export const initialUiState: UiState = {
  pane: 'nodes',
  runCursor: 0,
  logAnchor: null,
  search: '',
  match: null,
  promptKind: 'search',
  sort: 'node',
  selected: null,
  problems: false,
  focused: null,
  runKey: null,
  frozen: null,
  showWarmup: true,
  help: false,
  helpPage: 0,
  filter: '',
  prompt: null,
  board: null,
};

/** The row a selection resolves to: the stored key while it exists, else the first row. */
export function effectiveSelection(state: UiState, keys: readonly string[]): string | null {
  if (state.selected !== null && keys.includes(state.selected)) return state.selected;
  return keys[0] ?? null;
}

function step(keys: readonly string[], current: string | null, delta: number): string | null {
  if (keys.length === 0) return null;
  const i = current === null ? -1 : keys.indexOf(current);
  if (i < 0) return delta >= 0 ? keys[0]! : keys[keys.length - 1]!;
  return keys[(((i + delta) % keys.length) + keys.length) % keys.length]!;
}

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'toggleProblems':
      return { ...state, problems: !state.problems, help: false };
    case 'cycleSort': {
      const i = SORT_KEYS.indexOf(state.sort);
      return { ...state, sort: SORT_KEYS[(i + 1) % SORT_KEYS.length]!, selected: effectiveSelection(state, action.keys) };
    }
    case 'move': {
      const keys = action.keys;
      const cur = effectiveSelection(state, keys);
      if (cur === null) return state.selected === null ? state : { ...state, selected: null };
      const n = keys.length;
      let next = keys.indexOf(cur) + action.delta;
      next = action.wrap ? ((next % n) + n) % n : Math.min(n - 1, Math.max(0, next));
      return keys[next] === state.selected ? state : { ...state, selected: keys[next]!, logAnchor: null, match: null };
    }
    case 'toggleFocus': {
      const cur = effectiveSelection(state, action.keys);
      if (cur === null) return state;
      return { ...state, selected: cur, focused: state.focused === cur ? null : cur, logAnchor: null, match: null };
    }
    case 'cycleRun':
      return { ...state, runKey: step(action.keys, state.runKey ?? action.current, action.delta), selected: null, focused: null, logAnchor: null, match: null };
    case 'pickRun':
      return { ...state, runKey: action.key, selected: null, focused: null, logAnchor: null, match: null, pane: 'nodes' };
    case 'setPane':
      return { ...state, pane: action.pane, ...(action.runCursor !== undefined ? { runCursor: action.runCursor } : {}) };
    case 'moveRunCursor':
      return action.count <= 0 ? state : { ...state, runCursor: Math.min(action.count - 1, Math.max(0, state.runCursor + action.delta)) };
    case 'logAnchor':
      return { ...state, logAnchor: action.anchor };
    case 'logMatch':
      return action.lineNo === null ? state : { ...state, match: action.lineNo, logAnchor: action.anchor };
    case 'togglePause':
      return { ...state, frozen: state.frozen ? null : action.snapshot };
    case 'toggleWarmup':
      return { ...state, showWarmup: !state.showWarmup };
    case 'toggleHelp':
      return { ...state, help: !state.help, helpPage: 0 };
    case 'helpPage':
      return action.page >= action.pages ? { ...state, help: false, helpPage: 0 } : { ...state, helpPage: Math.max(0, action.page) };
    case 'toggleBoard':
      return { ...state, board: !action.shown };
    case 'openPrompt':
      return { ...state, prompt: action.kind === 'search' ? state.search : state.filter, promptKind: action.kind, help: false };
    case 'promptInput':
      return state.prompt === null ? state : { ...state, prompt: state.prompt + action.text };
    case 'promptBackspace':
      return state.prompt === null ? state : { ...state, prompt: state.prompt.slice(0, -1) };
    case 'promptApply': {
      if (state.prompt === null) return state;
      const text = state.prompt.trim();
      // A search gives the cursor to the log pane, so n/N jump between its matches.
      if (state.promptKind === 'search') return { ...state, search: text, match: null, prompt: null, pane: text ? 'log' : state.pane };
      return { ...state, filter: text, prompt: null, logAnchor: null, match: null };
    }
    case 'promptCancel':
      return state.promptKind === 'search' ? { ...state, prompt: null } : { ...state, filter: '', prompt: null };
    case 'escape':
      if (state.help) return { ...state, help: false };
      if (state.prompt !== null) return { ...state, prompt: null };
      if (state.pane !== 'nodes') return { ...state, pane: 'nodes' };
      if (state.search) return { ...state, search: '', match: null };
      if (state.filter) return { ...state, filter: '', logAnchor: null };
      if (state.logAnchor !== null) return { ...state, logAnchor: null };
      if (state.focused) return { ...state, focused: null };
      return state;
  }
}
