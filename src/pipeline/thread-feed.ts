/**
 * The input enumeration carried across a thread boundary (summary's worker, summary-thread.ts):
 * the main thread runs `enumerateInputs` (reads files, inflates, walks tar headers) and packs what
 * it yields into batches — a transferred ArrayBuffer of file bytes plus the list of items and
 * spans in order — and the worker turns the batches back into the same `InputItem` sequence,
 * files whose `chunks()` yield views of those bytes. The worker runs the unchanged summary
 * pipeline on it: one implementation of the math, only the bytes travel.
 *
 * What must come out the same on the worker: the items and their order (the main thread consumes
 * each file before asking for the next item, as summary does), each file's bytes, and how its
 * stream ends — cleanly, with a read error (re-made as an InputReadError of the same kind and
 * message, which is all describeStreamError reads), with the archive cut inside it
 * (MemberCutError), or with `chunks()` failing at once. Chunk boundaries may differ (spans of one
 * file in one batch are merged): the line reader's results do not depend on them (the byte-path
 * tests feed lines straddling chunks).
 *
 * In flight: at most MAX_IN_FLIGHT batches the worker has not finished with (the enumeration,
 * and with it gunzip, waits for an ack), so memory does not grow with a parser that lags.
 */

import type { InputProblem } from '../core/types.ts';
import { pathInfo } from '../metrics/path-identity.ts';
import { describeStreamError, InputReadError, enumerateInputs, type EnumerateOptions } from '../sources/inputs.ts';
import { MemberCutError } from '../sources/tar-reader.ts';
import type { InputFile, InputItem } from '../sources/types.ts';

/** Bytes per batch (one transfer). */
export const BATCH_BYTES = 1024 * 1024;
/** Batches sent and not yet acknowledged by the worker. */
export const MAX_IN_FLIGHT = 4;
/** Items per batch at most (many tiny files: the worker starts on them without waiting for 1 MiB). */
const MAX_OPS = 256;

type ReadFailure = { cut: string } | { kind: InputProblem['kind']; message: string };

export type FeedOp =
  | { k: 'problem'; problem: InputProblem }
  /** `unread`: not a log by its name, its bytes not sent; `failed`: `chunks()` threw at once. */
  | { k: 'file'; id: number; input: string; path: string; size?: number; mtimeMs?: number; unread?: true; failed?: ReadFailure }
  | { k: 'data'; id: number; start: number; end: number }
  | { k: 'end'; id: number }
  | { k: 'error'; id: number; failed: ReadFailure }
  | { k: 'done' };

export interface FeedBatch {
  t: 'batch';
  ops: FeedOp[];
  buf: ArrayBuffer | null;
}

/**
 * What the worker sends back about the feed: a batch finished with (with the buffer of the batch
 * before it, to be filled again: fresh 1 MiB buffers cost a page fault per 4 KiB on first touch,
 * ≈ 0.2 s on perfset), or a file it stopped reading.
 */
export type FeedReply = { t: 'ack'; buf: ArrayBuffer | null } | { t: 'stop'; id: number };

function failure(err: unknown): ReadFailure {
  if (err instanceof MemberCutError) return { cut: err.path };
  const d = describeStreamError(err);
  return { kind: d.kind, message: d.message };
}

function rethrowable(f: ReadFailure): Error {
  return 'cut' in f ? new MemberCutError(f.cut) : new InputReadError(f.kind, f.message);
}

/**
 * Main thread: enumerates `inputs` into batches posted through `post` (the buffer transferred).
 * `replies` must be wired to the worker's FeedReply messages. Resolves once the `done` op is sent.
 */
export class FeedPump {
  private ops: FeedOp[] = [];
  private buf: Buffer | null = null;
  private used = 0;
  private inFlight = 0;
  private wake: (() => void) | null = null;
  /** The file being sent, and whether the worker stopped reading it. */
  private reading = 0;
  private stopped = false;
  private closed = false;
  /** Buffers back from the worker, to be filled again. */
  private readonly free: Buffer[] = [];

  constructor(private readonly post: (b: FeedBatch, transfer: ArrayBuffer[]) => void) {}

  reply(r: FeedReply): void {
    if (r.t === 'ack') {
      this.inFlight--;
      if (r.buf && r.buf.byteLength === BATCH_BYTES) this.free.push(Buffer.from(r.buf));
    }
    else if (r.id === this.reading) this.stopped = true;
    this.wake?.();
  }

  /** The worker is gone: stop reading (the caller reports why). */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async run(inputs: string[], enumOpts: EnumerateOptions): Promise<void> {
    let id = 0;
    for await (const item of enumerateInputs(inputs, enumOpts)) {
      if (this.closed) return;
      if (item.type === 'problem') {
        await this.push({ k: 'problem', problem: item.problem });
        continue;
      }
      await this.file(item.file, ++id);
    }
    await this.push({ k: 'done' });
    await this.flush();
  }

  private async file(f: InputFile, id: number): Promise<void> {
    const head: FeedOp & { k: 'file' } = { k: 'file', id, input: f.input, path: f.path };
    if (f.size !== undefined) head.size = f.size;
    if (f.mtimeMs !== undefined) head.mtimeMs = f.mtimeMs;
    // Summary never opens a file whose name says it is not a log (RunSet.openFile, the same
    // function): its bytes are not read here either (an archive reader skips them).
    if (pathInfo(f.path).notALog) {
      head.unread = true;
      await this.push(head);
      return;
    }
    let it: AsyncIterator<Buffer>;
    try {
      it = f.chunks()[Symbol.asyncIterator]();
    } catch (err) {
      head.failed = failure(err);
      await this.push(head);
      return;
    }
    await this.push(head);
    this.reading = id;
    this.stopped = false;
    let done = false;
    try {
      for (;;) {
        let r: IteratorResult<Buffer>;
        try {
          r = await it.next();
        } catch (err) {
          done = true;
          await this.push({ k: 'error', id, failed: failure(err) });
          return;
        }
        if (r.done) {
          done = true;
          await this.push({ k: 'end', id });
          return;
        }
        await this.data(id, r.value);
        // The worker stopped reading it (a binary file): as summary's reader would, let it go.
        if (this.stopped || this.closed) return;
      }
    } finally {
      this.reading = 0;
      if (!done) await it.return?.();
    }
  }

  /** Copies a chunk into the batch (the reader may reuse its buffers); a span that continues the last one is merged. */
  private async data(id: number, chunk: Buffer): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      if (this.buf === null) {
        this.buf = this.free.pop() ?? Buffer.allocUnsafeSlow(BATCH_BYTES);
        this.used = 0;
      }
      const n = Math.min(chunk.length - at, this.buf.length - this.used);
      chunk.copy(this.buf, this.used, at, at + n);
      const last = this.ops[this.ops.length - 1];
      if (last && last.k === 'data' && last.id === id && last.end === this.used) last.end += n;
      else this.ops.push({ k: 'data', id, start: this.used, end: this.used + n });
      this.used += n;
      at += n;
      if (this.used === this.buf.length) await this.flush();
    }
  }

  private async push(op: FeedOp): Promise<void> {
    this.ops.push(op);
    if (this.ops.length >= MAX_OPS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.ops.length === 0) return;
    while (this.inFlight >= MAX_IN_FLIGHT && !this.closed) await new Promise<void>((r) => (this.wake = r));
    this.wake = null;
    if (this.closed) return;
    const ab = this.buf ? (this.buf.buffer as ArrayBuffer) : null;
    this.inFlight++;
    this.post({ t: 'batch', ops: this.ops, buf: ab }, ab ? [ab] : []);
    this.ops = [];
    this.buf = null;
    this.used = 0;
  }
}

/**
 * Worker side: the batches back into InputItems (`items()`), for summarize's first pass.
 * `reply` posts FeedReply messages to the main thread.
 */
export class FeedReader {
  private readonly queue: FeedBatch[] = [];
  private batch: FeedBatch | null = null;
  private pos = 0;
  private view: Buffer | null = null;
  /**
   * The buffer of the batch before the current one: given back one batch late, so that no view
   * of it can still be in use (the line reader copies what it keeps of a chunk — a held partial
   * line, decoded text — by the time it asks for the chunk after next; a file's first bytes,
   * held for the binary check, are 4 KiB, less than a batch).
   */
  private spent: ArrayBuffer | null = null;
  private wait: (() => void) | null = null;
  /** The file being read, and whether its stream has ended (end, error). */
  private current = -1;
  private currentEnded = true;

  constructor(private readonly reply: (r: FeedReply) => void) {}

  receive(b: FeedBatch): void {
    this.queue.push(b);
    this.wait?.();
  }

  private async next(): Promise<FeedOp> {
    while (this.batch === null || this.pos === this.batch.ops.length) {
      if (this.batch !== null) {
        // Finished with it: the main thread may send another (this one's views die with their users).
        const buf = this.spent;
        this.spent = this.batch.buf;
        this.batch = null;
        this.view = null;
        this.reply({ t: 'ack', buf });
      }
      const b = this.queue.shift();
      if (b) {
        this.batch = b;
        this.pos = 0;
        this.view = b.buf ? Buffer.from(b.buf) : null;
      } else {
        await new Promise<void>((r) => (this.wait = r));
        this.wait = null;
      }
    }
    return this.batch.ops[this.pos++]!;
  }

  async *items(): AsyncGenerator<InputItem> {
    for (;;) {
      const op = await this.next();
      if (op.k === 'done') return;
      if (op.k === 'problem') yield { type: 'problem', problem: op.problem };
      else if (op.k === 'file') {
        this.current = op.id;
        this.currentEnded = op.failed !== undefined || op.unread === true;
        yield { type: 'file', file: this.file(op) };
        // The consumer is done with the file (read it, or let it go): its remaining ops are skipped below.
        if (!this.currentEnded) this.reply({ t: 'stop', id: op.id });
        this.current = -1;
      }
      // data / end / error of a file the consumer let go: skipped.
    }
  }

  private file(op: FeedOp & { k: 'file' }): InputFile {
    const f: { input: string; path: string; size?: number; mtimeMs?: number; chunks: () => AsyncIterable<Buffer> } = {
      input: op.input,
      path: op.path,
      chunks: () => {
        if (op.failed) throw rethrowable(op.failed);
        // Never asked for (summary skips such names, the same function): fail loudly rather than differ.
        if (op.unread) throw new Error(`${op.path}: its bytes were not sent (not a log by its name)`);
        return this.chunks(op.id);
      },
    };
    if (op.size !== undefined) f.size = op.size;
    if (op.mtimeMs !== undefined) f.mtimeMs = op.mtimeMs;
    return f;
  }

  private async *chunks(id: number): AsyncGenerator<Buffer> {
    if (this.current !== id) throw new Error(`file ${id}: data read after the reader moved on`);
    while (!this.currentEnded) {
      const op = await this.next();
      if (op.k === 'data' && op.id === id) yield this.view!.subarray(op.start, op.end);
      else if (op.k === 'end' && op.id === id) this.currentEnded = true;
      else if (op.k === 'error' && op.id === id) {
        this.currentEnded = true;
        throw rethrowable(op.failed);
      } else throw new Error(`file ${id}: unexpected ${op.k} in its byte stream`);
    }
  }
}
