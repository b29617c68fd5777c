import { describe, expect, it } from 'vitest';
import { OpenFiles, type OpenFileUser } from '../../../src/sources/local/open-files.ts';

/** A tailer stand-in: parkable unless busy; parking closes after a tick (like fh.close()). */
class User implements OpenFileUser {
  busy = false;
  parkedTimes = 0;
  constructor(
    readonly name: string,
    private readonly reg: () => OpenFiles<User>,
  ) {}
  park(): Promise<void> | null {
    if (this.busy) return null;
    this.parkedTimes++;
    return new Promise<void>((r) => setImmediate(r)).then(() => this.reg().released(this));
  }
}

describe('OpenFiles (the local tail descriptor budget)', () => {
  it('grants up to the budget, then parks the least recently used idle file first', async () => {
    const reg = new OpenFiles<User>(2, 100);
    const [a, b, c] = ['a', 'b', 'c'].map((n) => new User(n, () => reg)) as [User, User, User];
    await reg.reserve(a, () => false);
    reg.opened(a);
    await reg.reserve(b, () => false);
    reg.opened(b);
    reg.touch(a); // b is now the least recently used
    await reg.reserve(c, () => false);
    reg.opened(c);
    expect([a.parkedTimes, b.parkedTimes]).toEqual([0, 1]);
    expect(reg.count).toBe(2);
  });

  it('counts opens in flight, so concurrent reservations never exceed the budget, and waits for a busy file', async () => {
    const reg = new OpenFiles<User>(1, 100);
    const a = new User('a', () => reg);
    const b = new User('b', () => reg);
    a.busy = true;
    await reg.reserve(a, () => false); // granted, not yet opened
    let bGranted = false;
    const pb = reg.reserve(b, () => false).then(() => (bGranted = true));
    await new Promise((r) => setImmediate(r));
    expect(bGranted).toBe(false); // the slot is pending for a
    reg.opened(a);
    reg.settled(); // a's read ended but a is busy: cannot be parked, b still waits
    await new Promise((r) => setImmediate(r));
    expect(bGranted).toBe(false);
    a.busy = false;
    reg.settled(); // now a can be parked to make room
    await pb;
    expect(a.parkedTimes).toBe(1);
    expect(reg.count).toBe(1);
  });

  it('a failed open gives its slot back; stopping lets waiters go', async () => {
    const reg = new OpenFiles<User>(1, null);
    const a = new User('a', () => reg);
    const b = new User('b', () => reg);
    await reg.reserve(a, () => false);
    reg.cancelled();
    expect(reg.count).toBe(0);
    await reg.reserve(b, () => false);
    reg.opened(b);
    b.busy = true;
    let stopped = false;
    const pa = reg.reserve(a, () => stopped);
    stopped = true;
    reg.wakeAll();
    await pa; // returns although the budget is spent: the source is stopping
  });
});
