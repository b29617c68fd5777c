/**
 * Pull-based byte reading for the tar reader (tar-reader.ts): `ByteReader` turns an async
 * iterable of chunks into `read(n)` / `next(max)` / `skip(n)` calls, handing out views into the
 * source chunks (no copy unless a read spans chunks). A source error ends the stream and is kept
 * in `error` for the reader to report.
 */

/** What a source may yield: Buffers, other Uint8Arrays, or strings. */
export type AnyChunk = Buffer | Uint8Array | string;

function toBuffer(c: AnyChunk): Buffer {
  if (Buffer.isBuffer(c)) return c;
  if (typeof c === 'string') return Buffer.from(c);
  return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}

/** Pull-based reader over an async iterable of chunks; a source error ends it (kept in `error`). */
export class ByteReader {
  private readonly it: AsyncIterator<AnyChunk>;
  private cur: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Absolute offset of the next unread byte. */
  offset = 0;
  eof = false;
  error: unknown = undefined;
  private closed = false;

  constructor(source: AsyncIterable<AnyChunk>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.pos >= this.cur.length) {
      if (this.eof) return false;
      let r: IteratorResult<AnyChunk>;
      try {
        r = await this.it.next();
      } catch (err) {
        this.error = err;
        this.eof = true;
        this.closed = true; // a throwing iterator is finished
        return false;
      }
      if (r.done) {
        this.eof = true;
        this.closed = true;
        return false;
      }
      this.cur = toBuffer(r.value);
      this.pos = 0;
    }
    return true;
  }

  /** Next piece of at most `max` bytes (a view into the source chunk), or null at the end. */
  async next(max: number): Promise<Buffer | null> {
    if (!(await this.fill())) return null;
    const take = Math.min(max, this.cur.length - this.pos);
    const b = this.cur.subarray(this.pos, this.pos + take);
    this.pos += take;
    this.offset += take;
    return b;
  }

  /** Reads `n` bytes into one buffer; shorter only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    if (n === 0) return Buffer.alloc(0);
    if (!(await this.fill())) return Buffer.alloc(0);
    if (this.cur.length - this.pos >= n) {
      const b = this.cur.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.offset += n;
      return b;
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const piece = await this.next(n - got);
      if (piece === null) break;
      piece.copy(out, got);
      got += piece.length;
    }
    return got === n ? out : out.subarray(0, got);
  }

  /** Skips `n` bytes; returns how many were skipped (fewer only at the end). */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const piece = await this.next(left);
      if (piece === null) break;
      left -= piece.length;
    }
    return n - left;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.it.return?.();
    } catch {
      // the source is going away anyway
    }
  }
}
