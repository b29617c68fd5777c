import { describe, expect, it } from 'vitest';
import type { FileTailer } from '../../../src/sources/local/file-tailer.ts';
import { ReadScheduler } from '../../../src/sources/local/read-scheduler.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fakeTailer(result: 'done' | 'more' = 'done') {
  const t = { reads: 0, readsNow: true, readNow: () => (t.reads++, result), schedule: () => {} };
  return t;
}

describe('ReadScheduler.drain', () => {
  it('reads the dirty files at once, and the period then counts from the drain', async () => {
    const s = new ReadScheduler(1000);
    const a = fakeTailer();
    const b = fakeTailer();
    s.kick(a as unknown as FileTailer);
    s.kick(b as unknown as FileTailer);
    s.drain();
    expect([a.reads, b.reads]).toEqual([1, 1]);
    // Modified again just after: not read before the period from the drain has passed.
    s.kick(a as unknown as FileTailer);
    await sleep(100);
    expect(a.reads).toBe(1);
    await sleep(1500);
    expect(a.reads).toBe(2);
    expect(b.reads).toBe(1);
    s.stop();
  });

  it('a timer set before a drain waits out the period from the drain', async () => {
    const s = new ReadScheduler(1000);
    const a = fakeTailer();
    s.kick(a as unknown as FileTailer); // nothing read yet: at once
    await sleep(50);
    expect(a.reads).toBe(1);
    s.kick(a as unknown as FileTailer); // its timer: 1 s after that read
    await sleep(500);
    s.drain();
    expect(a.reads).toBe(2);
    s.kick(a as unknown as FileTailer);
    await sleep(600); // the first timer's time has passed, the drain's period has not (sleeps only overshoot)
    expect(a.reads).toBe(2);
    await sleep(1000);
    expect(a.reads).toBe(3);
    s.stop();
  });

  it('a file with more to read than one round reads is read on at once, not after the period', async () => {
    const s = new ReadScheduler(10_000);
    let left = 3;
    const t = { reads: 0, readsNow: true, readNow: () => (t.reads++, --left > 0 ? 'more' : 'done'), schedule: () => {} };
    s.kick(t as unknown as FileTailer);
    s.drain();
    await sleep(100);
    expect(t.reads).toBe(3);
    s.stop();
  });
});
