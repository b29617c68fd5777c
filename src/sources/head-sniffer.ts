/**
 * Whether a followed file is binary, judged on its first bytes as `summary` judges them
 * (read-lines.ts: the first BINARY_SNIFF_BYTES after any leading NUL bytes, split-lines.ts
 * looksBinary), but as the bytes arrive: a live log starts small, so the verdict is taken on what
 * has come so far and taken again as more of the head comes, until the sample is whole or the
 * file has given its first line (`settle`): a log being followed is not declared binary after the
 * fact because junk was appended to it (its lines around the junk keep coming). Used by
 * the local tail (local/read-cursor.ts) and the SSH tail (ssh/remote-file.ts), so that live, replay
 * and summary skip the same files with the same words.
 */
import { BINARY_SNIFF_BYTES, looksBinary } from './split-lines.ts';

export const BINARY_MESSAGE = 'binary data, not a text log; skipped';
/** What a followed archive is told (live follows text; replay and summary read archives). */
export const ARCHIVE_MESSAGE = 'a gzip or tar archive, not a text log; skipped (`dlperf-top replay` and `summary` read archives)';

export class HeadSniffer {
  /** The file's bytes from offset 0 so far (leading NULs dropped), until the verdict is final. */
  private sample: Buffer | null = Buffer.alloc(0);
  /** Bytes of the file seen (offsets below this were fed). */
  private seen = 0;
  /** The file's head is binary: its bytes are not lines. */
  binary = false;
  /** …and what it is, in words (BINARY_MESSAGE, or ARCHIVE_MESSAGE for gzip or tar data). */
  message = BINARY_MESSAGE;

  /** The file gave a line while its head looked like text: that is the verdict (text). */
  settle(): void {
    if (!this.binary) this.sample = null;
  }

  /** Start over (the file was truncated or replaced: its head is new). */
  reset(): void {
    this.sample = Buffer.alloc(0);
    this.seen = 0;
    this.binary = false;
    this.message = BINARY_MESSAGE;
  }

  /**
   * `n` bytes of `buf` that start at file offset `offset`. Returns true when they make the head
   * binary (once: the caller reports it); afterwards `binary` stays true until reset().
   */
  feed(buf: Uint8Array, n: number, offset: number): boolean {
    if (this.sample === null || this.binary) return false;
    // Only the head is judged, and only bytes that follow what was seen (a read from elsewhere, as
    // after a skip to the end, leaves the verdict to the bytes of the head alone: none).
    if (offset !== this.seen) {
      this.sample = null;
      return false;
    }
    this.seen += n;
    let from = 0;
    if (this.sample.length === 0) while (from < n && buf[from] === 0) from++;
    const room = BINARY_SNIFF_BYTES - this.sample.length;
    const take = Math.min(room, n - from);
    if (take > 0) this.sample = Buffer.concat([this.sample, buf.subarray(from, from + take)]);
    if (this.sample.length > 0 && looksBinary(this.sample)) {
      this.binary = true;
      const h = this.sample;
      const gzip = h[0] === 0x1f && h[1] === 0x8b;
      const tar = h.length >= 262 && h.toString('latin1', 257, 262) === 'ustar';
      this.message = gzip || tar ? ARCHIVE_MESSAGE : BINARY_MESSAGE;
      this.sample = null;
      return true;
    }
    // A whole sample is the verdict: text.
    if (this.sample.length >= BINARY_SNIFF_BYTES) this.sample = null;
    return false;
  }
}
