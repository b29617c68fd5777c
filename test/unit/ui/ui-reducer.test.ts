import { describe, expect, it } from 'vitest';
import type { SessionSnapshot } from '../../../src/session/types.ts';
import { effectiveSelection, initialUiState, uiReducer, type UiAction, type UiState } from '../../../src/ui/state/ui-reducer.ts';

const run = (actions: UiAction[], from: UiState = initialUiState) => actions.reduce(uiReducer, from);
const keys = ['a', 'b', 'c'];
const snap = { version: 7 } as SessionSnapshot;

describe('uiReducer', () => {
  it('cycles the sort: node → throughput → deviation → age → node', () => {
    const sorts = [1, 2, 3, 4].map((n) => run(Array.from({ length: n }, () => ({ type: 'cycleSort', keys }) as const)).sort);
    expect(sorts).toEqual(['throughput', 'deviation', 'age', 'node']);
  });

  it('pins the row selected by default when the sort changes', () => {
    const s = run([{ type: 'cycleSort', keys }]);
    expect(s.selected).toBe('a');
    expect(effectiveSelection(s, ['c', 'b', 'a'])).toBe('a');
  });

  it('selects the first row by default and moves with arrows, stopping at the ends', () => {
    expect(effectiveSelection(initialUiState, keys)).toBe('a');
    expect(run([{ type: 'move', delta: 1, keys }]).selected).toBe('b');
    expect(run([{ type: 'move', delta: -1, keys }]).selected).toBe('a');
    expect(run([1, 1, 1, 1].map((d) => ({ type: 'move', delta: d, keys }) as const)).selected).toBe('c');
  });

  it('wraps with tab / shift-tab', () => {
    expect(run([{ type: 'move', delta: -1, keys, wrap: true }]).selected).toBe('c');
    expect(run([{ type: 'move', delta: 1, keys, wrap: true }, { type: 'move', delta: 1, keys, wrap: true }, { type: 'move', delta: 1, keys, wrap: true }]).selected).toBe('a');
  });

  it('keeps the selection on the same key when the row order changes', () => {
    const s = run([{ type: 'move', delta: 1, keys }]);
    expect(s.selected).toBe('b');
    const reordered = ['c', 'b', 'a'];
    expect(effectiveSelection(s, reordered)).toBe('b');
    expect(uiReducer(s, { type: 'move', delta: 1, keys: reordered }).selected).toBe('a');
  });

  it('falls back to the first row when the selected row disappears', () => {
    const s = run([{ type: 'move', delta: 2, keys }]);
    expect(effectiveSelection(s, ['a', 'b'])).toBe('a');
    expect(run([{ type: 'move', delta: 1, keys: [] }]).selected).toBeNull();
  });

  it('toggles focus on the selected row', () => {
    const s = run([{ type: 'move', delta: 1, keys }, { type: 'toggleFocus', keys }]);
    expect(s.focused).toBe('b');
    expect(uiReducer(s, { type: 'toggleFocus', keys }).focused).toBeNull();
  });

  it('freezes the display on the given snapshot and releases it', () => {
    const s = run([{ type: 'togglePause', snapshot: snap }]);
    expect(s.frozen).toBe(snap);
    expect(uiReducer(s, { type: 'togglePause', snapshot: snap }).frozen).toBeNull();
  });

  it('toggles warmup and help', () => {
    expect(run([{ type: 'toggleWarmup' }]).showWarmup).toBe(false);
    expect(run([{ type: 'toggleHelp' }]).help).toBe(true);
    expect(run([{ type: 'toggleHelp' }, { type: 'toggleHelp' }]).help).toBe(false);
  });

  it('edits the filter prompt: type, backspace, apply; cancel clears', () => {
    const typed = run([{ type: 'openPrompt', kind: 'filter' }, { type: 'promptInput', text: 'iter' }, { type: 'promptInput', text: ' 4x' }, { type: 'promptBackspace' }]);
    expect(typed.prompt).toBe('iter 4');
    expect(typed.filter).toBe('');
    const applied = uiReducer(typed, { type: 'promptApply' });
    expect(applied).toMatchObject({ filter: 'iter 4', prompt: null });
    expect(uiReducer(applied, { type: 'openPrompt', kind: 'filter' }).prompt).toBe('iter 4');
    expect(run([{ type: 'openPrompt', kind: 'filter' }, { type: 'promptCancel' }], applied)).toMatchObject({ filter: '', prompt: null });
    expect(uiReducer(initialUiState, { type: 'promptInput', text: 'x' })).toBe(initialUiState);
  });

  it('esc closes help first, then clears the filter, then drops the focus', () => {
    const s = run([{ type: 'toggleFocus', keys }, { type: 'openPrompt', kind: 'filter' }, { type: 'promptInput', text: 'x' }, { type: 'promptApply' }, { type: 'toggleHelp' }]);
    const a = uiReducer(s, { type: 'escape' });
    expect(a).toMatchObject({ help: false, filter: 'x', focused: 'a' });
    const b = uiReducer(a, { type: 'escape' });
    expect(b).toMatchObject({ filter: '', focused: 'a' });
    const c = uiReducer(b, { type: 'escape' });
    expect(c.focused).toBeNull();
    expect(uiReducer(c, { type: 'escape' })).toBe(c);
  });

  it('cycles runs and resets the node selection', () => {
    const s = run([{ type: 'move', delta: 1, keys }, { type: 'cycleRun', delta: 1, keys: ['r1', 'r2'], current: 'r1' }]);
    expect(s).toMatchObject({ runKey: 'r2', selected: null });
    expect(uiReducer(s, { type: 'cycleRun', delta: 1, keys: ['r1', 'r2'], current: 'r2' }).runKey).toBe('r1');
    // relative to the run picked before, not to the one the screen showed when the key came
    // (keys of one chunk: `nn` moves two runs)
    const three = ['r1', 'r2', 'r3'];
    const two = run([{ type: 'cycleRun', delta: 1, keys: three, current: 'r1' }, { type: 'cycleRun', delta: 1, keys: three, current: 'r1' }]);
    expect(two.runKey).toBe('r3');
    expect(uiReducer(initialUiState, { type: 'cycleRun', delta: -1, keys: ['r1', 'r2'], current: null }).runKey).toBe('r2');
  });

  it('is pure: never mutates the state it is given', () => {
    const frozen = Object.freeze({ ...initialUiState });
    expect(() => run([{ type: 'cycleSort', keys }, { type: 'move', delta: 1, keys }, { type: 'toggleHelp' }], frozen)).not.toThrow();
    expect(frozen).toEqual(initialUiState);
  });
});
