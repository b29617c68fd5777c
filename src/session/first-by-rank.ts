/**
 * Keys (labels) with a small integer rank each (a state's place in an order), answering "the
 * earliest-added key of the lowest rank present" in O(log n) instead of a scan over all keys.
 * A glob's named source follows thousands of files and re-derives its state on every report
 * about any of them (source-registry.ts): the scan made that quadratic (a third of the TUI's CPU
 * on 5,000 idle files). Per rank, a min-heap of the keys' insertion ordinals, with lazy deletion
 * (an entry is valid while its key still has that rank); heaps are compacted when stale entries
 * outnumber live ones.
 */
export class FirstByRank {
  private readonly ordinal = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly rankOf: number[] = [];
  private readonly heaps: number[][];
  private readonly counts: number[];

  constructor(ranks: number) {
    this.heaps = Array.from({ length: ranks }, () => []);
    this.counts = new Array<number>(ranks).fill(0);
  }

  get size(): number {
    return this.keys.length;
  }

  /** Adds `key` (keeping its first-added place) or changes its rank. */
  set(key: string, rank: number): void {
    let o = this.ordinal.get(key);
    if (o === undefined) {
      o = this.keys.length;
      this.ordinal.set(key, o);
      this.keys.push(key);
      this.rankOf.push(-1);
    }
    const prev = this.rankOf[o]!;
    if (prev === rank) return;
    if (prev >= 0) this.counts[prev]!--;
    this.counts[rank]!++;
    this.rankOf[o] = rank;
    const h = this.heaps[rank]!;
    push(h, o);
    if (h.length > 2 * this.counts[rank]! + 32) this.compact(rank);
  }

  /** The earliest-added key among those of the lowest rank, with that rank; null when empty. */
  first(): { key: string; rank: number } | null {
    for (let r = 0; r < this.counts.length; r++) {
      if (this.counts[r] === 0) continue;
      const h = this.heaps[r]!;
      while (this.rankOf[h[0]!] !== r) pop(h);
      return { key: this.keys[h[0]!]!, rank: r };
    }
    return null;
  }

  private compact(rank: number): void {
    const live = [...new Set(this.heaps[rank]!.filter((o) => this.rankOf[o] === rank))].sort((a, b) => a - b);
    this.heaps[rank] = live; // a sorted array is a valid min-heap
  }
}

function push(h: number[], v: number): void {
  h.push(v);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]! <= v) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = v;
}

function pop(h: number[]): void {
  const last = h.pop()!;
  if (h.length === 0) return;
  let i = 0;
  const n = h.length;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const c = l + 1 < n && h[l + 1]! < h[l]! ? l + 1 : l;
    if (h[c]! >= last) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = last;
}
