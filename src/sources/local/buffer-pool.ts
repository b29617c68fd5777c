/**
 * Read buffers of the local tail, lent to the asynchronous reads of all its files: at most
 * `max` at once (bounds memory and concurrent reads when many files catch up), the rest wait.
 * Returned buffers are kept for reuse: polling hundreds of files lends every buffer each round,
 * and dropping them between rounds cost more (allocation, page faults, GC) than the reads.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private lent = 0;
  private readonly queue: Array<(b: Buffer) => void> = [];

  constructor(
    private readonly bytes: number,
    private readonly max = 8,
  ) {}

  acquire(): Promise<Buffer> {
    if (this.lent < this.max) {
      this.lent++;
      return Promise.resolve(this.free.pop() ?? Buffer.allocUnsafe(this.bytes));
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  release(buf: Buffer): void {
    const next = this.queue.shift();
    if (next) {
      next(buf);
      return;
    }
    this.lent--;
    if (this.free.length < this.max) this.free.push(buf);
  }

  /** Let the kept buffers go (the source stopped). */
  clear(): void {
    this.free.length = 0;
  }
}
