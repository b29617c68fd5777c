import type { SessionSnapshot } from '../../session/types.ts';

/** Node table orders `s` cycles through. */
export const SORT_KEYS = ['node', 'throughput', 'deviation', 'age'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** What the screen remembers between snapshots. Pure data: no store, no clock. */
export interface UiState {
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
  /** Pick the next/previous run among `keys` (live sessions). */
  | { type: 'cycleRun'; delta: number; keys: readonly string[]; current: string | null }
  | { type: 'togglePause'; snapshot: SessionSnapshot }
  | { type: 'toggleWarmup' }
  | { type: 'toggleHelp' }
  /** `g`: flip the board from what is on screen now (`shown`, which the auto rule may have decided). */
  | { type: 'toggleBoard'; shown: boolean }
  | { type: 'openPrompt' }
  | { type: 'promptInput'; text: string }
  | { type: 'promptBackspace' }
  | { type: 'promptApply' }
  | { type: 'promptCancel' }
  /** esc outside the prompt: close help, else clear the filter, else drop the focus. */
  | { type: 'escape' };

export const initialUiState: UiState = {
  sort: 'node',
  selected: null,
  problems: false,
  focused: null,
  runKey: null,
  frozen: null,
  showWarmup: true,
  help: false,
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
      return { ...state, selected: keys[next]! };
    }
    case 'toggleFocus': {
      const cur = effectiveSelection(state, action.keys);
      if (cur === null) return state;
      return { ...state, selected: cur, focused: state.focused === cur ? null : cur };
    }
    case 'cycleRun':
      return { ...state, runKey: step(action.keys, action.current, action.delta), selected: null, focused: null };
    case 'togglePause':
      return { ...state, frozen: state.frozen ? null : action.snapshot };
    case 'toggleWarmup':
      return { ...state, showWarmup: !state.showWarmup };
    case 'toggleHelp':
      return { ...state, help: !state.help };
    case 'toggleBoard':
      return { ...state, board: !action.shown };
    case 'openPrompt':
      return { ...state, prompt: state.filter, help: false };
    case 'promptInput':
      return state.prompt === null ? state : { ...state, prompt: state.prompt + action.text };
    case 'promptBackspace':
      return state.prompt === null ? state : { ...state, prompt: state.prompt.slice(0, -1) };
    case 'promptApply':
      return state.prompt === null ? state : { ...state, filter: state.prompt.trim(), prompt: null };
    case 'promptCancel':
      return { ...state, filter: '', prompt: null };
    case 'escape':
      if (state.help) return { ...state, help: false };
      if (state.prompt !== null) return { ...state, filter: '', prompt: null };
      if (state.filter) return { ...state, filter: '' };
      if (state.focused) return { ...state, focused: null };
      return state;
  }
}
