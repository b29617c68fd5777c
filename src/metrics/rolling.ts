/** A bounded ring of recent values with an O(n log n) median over at most `capacity` values. */
export class RollingWindow {
  private readonly buf: number[] = [];
  private next = 0;

  constructor(readonly capacity = 20) {}

  push(v: number): void {
    if (!Number.isFinite(v)) return;
    if (this.buf.length < this.capacity) this.buf.push(v);
    else this.buf[this.next] = v;
    this.next = (this.next + 1) % this.capacity;
  }

  get size(): number {
    return this.buf.length;
  }

  median(): number | null {
    return median(this.buf);
  }

  values(): number[] {
    return [...this.buf];
  }

  clear(): void {
    this.buf.length = 0;
    this.next = 0;
  }
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
      this.head = (this.head + 1) % this.capacity;
    }
  }

  get size(): number {
    return this.buf.length;
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.buf.length < this.capacity ? [...this.buf] : [...this.buf.slice(this.head), ...this.buf.slice(0, this.head)];
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
