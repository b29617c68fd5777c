import { describe, expect, it } from 'vitest';
import { splitKeys } from '../../../src/ui/hooks/key-chunks.ts';
import { anchorShowing, logWindow, matchRank, nextMatch, scrollAnchor, topAnchor } from '../../../src/ui/state/log-view.ts';

const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ lineNo: from + i, text: `line ${from + i}${(from + i) % 10 === 0 ? ' ten' : ''}` }));

describe('log view', () => {
  it('follows the newest line; a scrolled view stays on its lines while the tail drops old ones', () => {
    const a = lines(1, 100);
    expect(logWindow(a, null, 10)).toEqual({ start: 90, end: 100 });
    const anchor = scrollAnchor(a, null, -25, 10);
    expect(anchor).toBe(75);
    const w = logWindow(a, anchor, 10);
    expect(a.slice(w.start, w.end).map((l) => l.lineNo)).toEqual([66, 67, 68, 69, 70, 71, 72, 73, 74, 75]);
    // 30 more lines arrive, the 30 oldest are dropped: the same lines stay on screen
    const b = lines(31, 130);
    const v = logWindow(b, anchor, 10);
    expect(b.slice(v.start, v.end).map((l) => l.lineNo)).toEqual([66, 67, 68, 69, 70, 71, 72, 73, 74, 75]);
    // scrolling down to the end follows again
    expect(scrollAnchor(b, anchor, 1000, 10)).toBeNull();
    // up past the top stops at the first full page
    expect(scrollAnchor(b, anchor, -1000, 10)).toBe(40);
    expect(topAnchor(b, 10)).toBe(40);
    expect(topAnchor(lines(1, 5), 10)).toBeNull();
  });

  it('finds matches both ways, wrapping, and places a match in view', () => {
    const a = lines(1, 100);
    expect(matchRank(a, 'TEN', null)).toEqual({ count: 10, rank: 0 });
    expect(nextMatch(a, 'ten', null, -1)).toBe(100); // enter: the newest
    expect(nextMatch(a, 'ten', 100, 1)).toBe(10); // wraps to the oldest
    expect(nextMatch(a, 'ten', 10, -1)).toBe(100);
    expect(nextMatch(a, 'ten', 55, -1)).toBe(50);
    expect(nextMatch(a, 'ten', 55, 1)).toBe(60);
    expect(nextMatch(a, 'nowhere', null, 1)).toBeNull();
    expect(matchRank(a, 'ten', 30)).toEqual({ count: 10, rank: 3 });
    const anchor = anchorShowing(a, 30, 10);
    const w = logWindow(a, anchor, 10);
    expect(a.slice(w.start, w.end).some((l) => l.lineNo === 30)).toBe(true);
    expect(anchorShowing(a, 99, 10)).toBeNull(); // near the end: just follow
  });
});

describe('splitKeys', () => {
  const none = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false };
  it('splits a chunk into its keys: letters, enter, tab, backspace, ctrl letters', () => {
    const ks = splitKeys('nN\r\t\u007f\u0003', none);
    expect(ks.map((k) => k.input)).toEqual(['n', 'N', '', '', '', 'c']);
    expect(ks[1]!.key.shift).toBe(true);
    expect(ks[2]!.key.return).toBe(true);
    expect(ks[3]!.key.tab).toBe(true);
    expect(ks[4]!.key.backspace).toBe(true);
    expect(ks[5]!.key.ctrl).toBe(true);
  });
  it('passes a single key through untouched (Ink already parsed it)', () => {
    const key = { ...none, upArrow: true };
    expect(splitKeys('', key)).toEqual([{ input: '', key }]);
    expect(splitKeys('é', none)).toEqual([{ input: 'é', key: none }]);
  });
});

describe('TailSet', () => {
  it('bounds each file and the session: idle files shed first, the file being written keeps its tail', async () => {
    const { TailSet } = await import('../../../src/session/log-tail.ts');
    const set = new TailSet(100, 1000, 2500);
    const line = (n: number) => ({ lineNo: n, text: 'x'.repeat(19), time: n }); // 19 chars
    for (let n = 1; n <= 150; n++) set.push('a', line(n));
    expect(set.get('a')!.size).toBe(52); // 1000 chars / 19 → 52 lines (the char bound comes first)
    expect(set.get('a')!.toArray()[0]!.lineNo).toBe(99);
    for (let n = 1; n <= 60; n++) set.push('b', line(n));
    for (let n = 1; n <= 60; n++) set.push('c', line(n));
    expect(set.retainedChars).toBeLessThanOrEqual(2500);
    // 'a' was written longest ago: it shed first; 'c', being written, is whole
    expect(set.get('c')!.size).toBe(52);
    expect(set.get('a')?.size ?? 0).toBeLessThan(52);
    set.delete('c');
    expect(set.get('c')).toBeUndefined();
    expect(set.retainedChars).toBe((set.get('a')?.retainedChars ?? 0) + (set.get('b')?.retainedChars ?? 0));
  });
});
