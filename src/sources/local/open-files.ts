/**
 * How many files the local tail keeps open at once. A glob over thousands of mostly idle logs
 * must neither hold one descriptor per file (the process runs out: EMFILE, and whatever else
 * it opens fails with it) nor silently follow fewer files. Tailers open a file to read it and
 * close it when it goes idle (file-tailer.ts "parks" it: offset, partial line and identity
 * kept); this registry bounds the open ones by a budget derived from the soft RLIMIT_NOFILE and,
 * when a tailer needs a descriptor and the budget is spent, closes the least recently read file
 * that is not being read right now (an LRU).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What the registry needs of a tailer. */
export interface OpenFileUser {
  /**
   * Close the descriptor now if no read is in flight (offset kept): the promise settles once it
   * is closed (and `released` was called); null when it cannot be parked now.
   */
  park(): Promise<void> | null;
}

/** Descriptors left for everything else: stdio, the event loop, sockets, directory reads, the terminal. */
const RESERVE = 64;
const MAX_BUDGET = 2048;

/** The soft limit on open files, or null when it cannot be found out. */
export function softFileLimit(): number | null {
  try {
    // Linux: "Max open files            1024                 1048576              files"
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    // not Linux
  }
  try {
    const r = spawnSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2000 });
    const v = r.stdout.trim();
    if (v === 'unlimited') return Infinity;
    const n = Number(v);
    if (r.status === 0 && Number.isFinite(n) && n > 0) return n;
  } catch {
    // no shell
  }
  return null;
}

/** The open-file budget for a soft limit: three quarters of what the reserve leaves, at least 8. */
export function budgetFor(soft: number | null): number {
  const limit = soft ?? 256; // macOS's default, the smallest common one
  if (!Number.isFinite(limit)) return MAX_BUDGET;
  return Math.max(8, Math.min(MAX_BUDGET, Math.floor((limit - RESERVE) * 0.75)));
}

export class OpenFiles<T extends OpenFileUser> {
  /** Open files, least recently read first (Map order; `touch` moves one to the end). */
  private readonly open = new Map<T, true>();
  /** Slots granted by `reserve` whose open has not finished yet. */
  private pending = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly budget: number,
    /** The soft limit the budget came from (for messages), null when unknown. */
    readonly softLimit: number | null,
  ) {}

  /** Descriptors held (and being opened). */
  get count(): number {
    return this.open.size + this.pending;
  }

  /**
   * `t` is about to open a descriptor: returns once it may — closing the least recently read
   * idle file to make room, or waiting for a read in flight to end — with a slot that `opened`
   * or `cancelled` gives back. `stopped` ends the wait.
   */
  async reserve(t: T, stopped: () => boolean): Promise<void> {
    while (this.count >= this.budget && !stopped()) {
      const closing = this.parkOne(t);
      if (closing) await closing;
      else await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.pending++;
  }

  /** The open that `reserve` made room for succeeded: `t` holds a descriptor, most recently used. */
  opened(t: T): void {
    this.pending = Math.max(0, this.pending - 1);
    this.open.delete(t);
    this.open.set(t, true);
  }

  /** The open that `reserve` made room for failed (or its descriptor was not kept). */
  cancelled(): void {
    this.pending = Math.max(0, this.pending - 1);
    this.wake();
  }

  /** `t` read through its descriptor: most recently used. */
  touch(t: T): void {
    if (!this.open.delete(t)) return;
    this.open.set(t, true);
  }

  /** `t` closed its descriptor. */
  released(t: T): void {
    if (this.open.delete(t)) this.wake();
  }

  /** A read ended: its file can be parked now, if a waiter needs room. */
  settled(): void {
    if (this.waiting.length > 0) this.wake();
  }

  /** Let every waiter go (stopping). */
  wakeAll(): void {
    for (const w of this.waiting.splice(0)) w();
  }

  private wake(): void {
    this.waiting.shift()?.();
  }

  private parkOne(except: T): Promise<void> | null {
    for (const u of this.open.keys()) {
      if (u === except) continue;
      const closing = u.park();
      if (closing) return closing;
    }
    return null;
  }
}
