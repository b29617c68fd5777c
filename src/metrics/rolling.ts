/** A bounded ring of recent values whose median is kept until the next push. */
export class RollingWindow {
  private buf: number[] = [];
  private next = 0;
  /** The median of `buf`, or undefined when a push made it out of date. */
  private med: number | null | undefined = null;

  constructor(readonly capacity = 20) {}

  push(v: number): void {
    if (!Number.isFinite(v)) return;
    if (this.buf.length < this.capacity) this.buf.push(v);
    else this.buf[this.next] = v;
    if (++this.next === this.capacity) this.next = 0;
    this.med = undefined;
  }

  get size(): number {
    return this.buf.length;
  }

  /** Read at every snapshot for every file: computed once per change, without garbage. */
  median(): number | null {
    if (this.med === undefined) this.med = medianInPlace(this.buf);
    return this.med;
  }

  values(): number[] {
    return [...this.buf];
  }

  clear(): void {
    this.buf.length = 0;
    this.next = 0;
    this.med = null;
  }

  /** No more values come (the file ended): keep the median, drop the values. */
  freeze(): void {
    if (this.buf.length === 0) return;
    this.median();
    this.buf = [];
    this.next = 0;
  }
}

let scratch = new Float64Array(64);

/** `median` of finite numbers, sorted in a reused typed array (no allocation per call). */
function medianInPlace(values: readonly number[]): number | null {
  const n = values.length;
  if (n === 0) return null;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  for (let i = 0; i < n; i++) scratch[i] = values[i]!;
  const s = scratch.subarray(0, n).sort(); // typed arrays sort numerically
  const mid = n >> 1;
  return n % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median as numpy/statistics compute it: mean of the two middle values for an even count. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Fixed-capacity ring buffer keeping the newest items (O(1) push). */
export class Ring<T> {
  private readonly buf: T[] = [];
  private head = 0;

  constructor(readonly capacity: number) {}

  push(v: T): void {
    if (this.buf.length < this.capacity) this.buf.push(v);
    else {
      this.buf[this.head] = v;
      if (++this.head === this.capacity) this.head = 0;
    }
  }

  get size(): number {
    return this.buf.length;
  }

  /** Oldest first. */
  toArray(): T[] {
    const n = this.buf.length;
    if (n < this.capacity || this.head === 0) return this.buf.slice();
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = this.buf[(this.head + i) % n]!;
    return out;
  }

  /** The i-th item, oldest first (0 ≤ i < size): toArray()[i] without the copy. */
  at(i: number): T | undefined {
    const n = this.buf.length;
    if (i < 0 || i >= n) return undefined;
    const j = this.head + i;
    return this.buf[j < n ? j : j - n];
  }

  /** The item the next push drops once the ring is full (the oldest), if any. */
  oldest(): T | undefined {
    if (this.buf.length === 0) return undefined;
    return this.buf.length < this.capacity ? this.buf[0] : this.buf[this.head];
  }

  last(): T | undefined {
    if (this.buf.length === 0) return undefined;
    return this.buf[(this.head + this.buf.length - 1) % this.buf.length];
  }

  clear(): void {
    this.buf.length = 0;
    this.head = 0;
  }
}

/** One point of a throughput-over-time series (event time ms, samples/s, in warmup?). */
export interface SeriesPoint {
  t: number;
  v: number;
  warmup: boolean;
}

/**
 * A bounded series of points kept in typed arrays (17 bytes a point): hundreds of files × 600
 * points as objects were a quarter of live mode's heap. Points become objects only when read
 * (`toArray`: the chart reads one or two series per frame).
 */
const NO_F64 = new Float64Array(0);
const NO_U8 = new Uint8Array(0);

export class SeriesRing {
  // Grown on demand up to `capacity` (a full ring is 10 KB): 100k tiny or non-log files must not
  // cost a gigabyte of series they never fill.
  private t = NO_F64;
  private v = NO_F64;
  private w = NO_U8;
  private head = 0;
  private n = 0;

  constructor(readonly capacity: number) {}

  /** Room for one more point while the ring is not full (the ring only wraps at `capacity`). */
  private room(): void {
    if (this.n < this.t.length || this.t.length >= this.capacity) return;
    const size = Math.min(this.capacity, Math.max(8, this.t.length * 2));
    const t = new Float64Array(size);
    const v = new Float64Array(size);
    const w = new Uint8Array(size);
    t.set(this.t);
    v.set(this.v);
    w.set(this.w);
    [this.t, this.v, this.w] = [t, v, w];
  }

  push(p: SeriesPoint): void {
    this.add(p.t, p.v, p.warmup);
  }

  /** push() without a point object (every progress line). */
  add(t: number, v: number, warmup: boolean): void {
    this.room();
    let i = this.head + this.n;
    if (i >= this.capacity) i -= this.capacity;
    this.t[i] = t;
    this.v[i] = v;
    this.w[i] = warmup ? 1 : 0;
    if (this.n < this.capacity) this.n++;
    else if (++this.head === this.capacity) this.head = 0;
  }

  get size(): number {
    return this.n;
  }

  /** Oldest first. */
  toArray(): SeriesPoint[] {
    const out = new Array<SeriesPoint>(this.n);
    for (let k = 0; k < this.n; k++) {
      const i = (this.head + k) % this.capacity;
      out[k] = { t: this.t[i]!, v: this.v[i]!, warmup: this.w[i] === 1 };
    }
    return out;
  }

  clear(): void {
    this.head = 0;
    this.n = 0;
  }

  /** Empty it and give its arrays back (summary: nothing charts an ended file's series). */
  release(): void {
    this.clear();
    this.t = NO_F64;
    this.v = NO_F64;
    this.w = NO_U8;
  }
}
