import { describe, expect, it } from 'vitest';
import type { IterRecord } from '../../../src/formats/types.ts';
import { DamageCheck } from '../../../src/metrics/damage.ts';

const rec = (iter: number, extra: Partial<IterRecord> = {}): IterRecord => ({ kind: 'iter', iter, time: 1000 + iter, throughput: 800, loss: 6.5, ...extra });

describe('DamageCheck repeats (packed ring of recent prints)', () => {
  it('counts an exact repeat once and keeps a repeated iteration with another clock or values', () => {
    const d = new DamageCheck();
    for (let i = 1; i <= 5; i++) expect(d.inspect(rec(i), i, `l${i}`)).not.toBeNull();
    expect(d.inspect(rec(3), 6, 'again')).toBeNull(); // the same print: another rank tee'd in
    expect(d.duplicates).toBe(1);
    expect(d.firstDuplicate?.lineNo).toBe(6);
    expect(d.inspect(rec(3, { time: 2000 }), 7, 'x')).not.toBeNull(); // another clock
    expect(d.inspect(rec(3, { loss: 7 }), 8, 'x')).not.toBeNull(); // other values (loss-scale backoff)
    expect(d.inspect(rec(3, { rank: 1 }), 9, 'x')).not.toBeNull(); // a field present on one only
    expect(d.duplicates).toBe(1);
  });

  it('a NaN is never the same as itself; a null is the same as a null', () => {
    const d = new DamageCheck();
    d.inspect(rec(1, { loss: Number.NaN }), 1, 'a');
    expect(d.inspect(rec(1, { loss: Number.NaN }), 2, 'b')).not.toBeNull();
    d.inspect(rec(2, { loss: null as unknown as number }), 3, 'c');
    expect(d.inspect(rec(2, { loss: null as unknown as number }), 4, 'd')).toBeNull();
    expect(d.inspect(rec(2, { loss: 0 }), 5, 'e')).not.toBeNull(); // 0 is not null
  });

  it('remembers the last 256 prints only, and forgets them when the counter starts over', () => {
    const d = new DamageCheck();
    for (let i = 1; i <= 300; i++) d.inspect(rec(i), i, 'l');
    expect(d.inspect(rec(290), 301, 'recent')).toBeNull();
    expect(d.duplicates).toBe(1);
    // 290 prints ago: out of the ring, so not a repeat: the counter going back is a restart.
    expect(d.inspect(rec(10), 302, 'old')).not.toBeNull();
    expect(d.reset).toBe(true);
    const e = new DamageCheck();
    for (let i = 1; i <= 20; i++) e.inspect(rec(i), i, 'l');
    e.inspect(rec(1, { time: 5000 }), 21, 'restart');
    expect(e.reset).toBe(true);
    expect(e.inspect(rec(15), 22, 'before the restart')).not.toBeNull();
  });
});
