/**
 * Files into lines: `readLines` streams one `InputFile`'s chunks through a `LineSplitter` and
 * yields its lines in batches (one batch per source chunk). This is the per-line hot path of
 * `summary`; problems (binary data, over-long lines, a partial last line, read errors) go to a
 * callback, never thrown.
 */

import type { InputProblem, LineEvent } from '../core/types.ts';
import { describeStreamError } from './input-problems.ts';
import { LineSplitter, looksBinary, BINARY_SNIFF_BYTES } from './split-lines.ts';
import type { SpanSink, SplitProblem } from './split-lines.ts';
import { MemberCutError } from './tar-reader.ts';
import type { InputFile } from './types.ts';

export interface ReadLinesOptions {
  /** Longest line kept, in bytes (default 64 KiB). */
  maxLineBytes?: number;
}

/**
 * Reads a file's lines in batches (one batch per source chunk, `time` 0). Problems
 * (`binary`, `line_too_long`, `partial_line`, and read errors) go to `onProblem`; a file whose
 * start looks binary yields no lines. A partial last line (no final newline) is still delivered,
 * unless the read ended in an error (then it is reported and dropped).
 */
export async function* readLines(
  file: InputFile,
  node: string,
  onProblem: (p: InputProblem) => void,
  opts: ReadLinesOptions = {},
): AsyncGenerator<LineEvent[]> {
  let batch: LineEvent[] = [];
  const sink: LineEventSink = { line: (ev) => batch.push(ev) };
  for await (const _ of pumpLines(file, node, onProblem, opts, sink)) {
    if (batch.length > 0) {
      const b = batch;
      batch = [];
      yield b;
    }
  }
  if (batch.length > 0) yield batch;
}

/** Where `pumpLines` delivers lines, synchronously and in order. */
export interface LineEventSink {
  line(ev: LineEvent): void;
  /** Offered each line whole in one chunk before a string is made (see SpanSink). */
  span?: SpanSink;
  /**
   * Called after each chunk's lines (the chunk's bytes may be reused from now on). A promise it
   * returns is awaited before the next chunk is read (replay's pause); one that rejects ends the read.
   */
  chunkDone?(): void | Promise<void>;
}

/**
 * Reads a file's lines into `sink` (in file order, synchronously as each chunk is split), and
 * its problems into `onProblem`, as `readLines` does. A consumer that applies every line at
 * once (summary) uses it directly with a span sink; `await` it to the end.
 */
export async function feedLines(
  file: InputFile,
  node: string,
  onProblem: (p: InputProblem) => void,
  sink: LineEventSink,
  opts: ReadLinesOptions = {},
): Promise<void> {
  for await (const _ of pumpLines(file, node, onProblem, opts, sink)) {
    // each step is one source chunk, already delivered to the sink
  }
}

/** The reading loop: yields once per source chunk, after its lines went to `out`. */
async function* pumpLines(
  file: InputFile,
  node: string,
  onProblem: (p: InputProblem) => void,
  opts: ReadLinesOptions,
  out: LineEventSink,
): AsyncGenerator<void> {
  const input = file.input;
  const fpath = file.path;
  const splitter = new LineSplitter({
    ...(opts.maxLineBytes !== undefined ? { maxLineBytes: opts.maxLineBytes } : {}),
    onProblem: (p: SplitProblem) => onProblem({ input, file: fpath, line: p.line, offset: p.offset, kind: p.kind, message: `${fpath}: ${p.message}` }),
  });
  const sink = (text: string, offset: number, lineNo: number): void => {
    out.line({ node, file: fpath, offset, lineNo, text, time: 0 });
  };
  const span = out.span;
  // The first bytes are held until there are enough to judge whether the file is binary.
  let head: Buffer[] | null = [];
  let headLen = 0;
  const checkHead = (): Buffer | null => {
    const buf = head!.length === 1 ? head![0]! : Buffer.concat(head!, headLen);
    head = null;
    // NUL bytes before the text (a copytruncate hole) are not binary data: the splitter skips them.
    let text = 0;
    while (text < buf.length && buf[text] === 0) text++;
    if (looksBinary(text === 0 ? buf : buf.subarray(text))) {
      onProblem({ input, file: fpath, offset: 0, kind: 'binary', message: `${fpath}: binary data, not a text log; skipped` });
      return null;
    }
    return buf;
  };

  let it: AsyncIterator<Buffer>;
  try {
    it = file.chunks()[Symbol.asyncIterator]();
  } catch (err) {
    // e.g. stdin already taken, or an archive member asked for after the enumeration moved on
    const d = describeStreamError(err);
    onProblem({ input, file: fpath, kind: d.kind, message: `${fpath}: ${d.message}` });
    return;
  }
  let done = false;
  let failed = false;
  try {
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await it.next();
      } catch (err) {
        done = true;
        failed = true;
        if (err instanceof MemberCutError) break; // the archive reader reports the truncation itself
        const d = describeStreamError(err);
        onProblem({ input, file: fpath, offset: splitter.bytesSeen + headLen, kind: d.kind, message: `${fpath}: ${d.message}` });
        break;
      }
      if (r.done) {
        done = true;
        break;
      }
      let chunk: Buffer = r.value;
      if (head !== null) {
        head.push(chunk);
        headLen += chunk.length;
        if (headLen < BINARY_SNIFF_BYTES) continue;
        const buf = checkHead();
        if (buf === null) return;
        chunk = buf;
      }
      splitter.feed(chunk, sink, span);
      const wait = out.chunkDone?.();
      if (wait) await wait;
      yield;
    }
    if (head !== null && headLen > 0) {
      const buf = checkHead();
      if (buf === null) return;
      splitter.feed(buf, sink, span);
      const wait = out.chunkDone?.();
      if (wait) await wait;
    }
    // A log of no bytes at all (a repeat that never started, a node that never wrote) is said,
    // not passed over: it makes no run, and a sweep's missing repeat must not go unnoticed.
    if (!failed && head !== null && headLen === 0 && splitter.bytesSeen === 0) {
      onProblem({ input, file: fpath, offset: 0, kind: 'empty', message: `${fpath}: empty (0 bytes): no run` });
    }
    const last = splitter.flush();
    if (last !== null) {
      // A last line without its newline is not a line, as live has it (a writer that died mid-line,
      // a copy cut short): a half-written number must never become a figure, and summary, replay
      // and live must count the same lines of the same bytes (`imgs_per_sec : 28` of a cut 2816.6
      // moved a run's figure by 1 %, with only a warning).
      onProblem({
        input,
        file: fpath,
        line: last.lineNo,
        offset: last.offset,
        kind: 'partial_line',
        message: failed
          ? `${fpath}: the last line (${last.lineNo}) is cut short (the data ends inside it); dropped`
          : `${fpath}: the last line (${last.lineNo}) has no newline (cut short?); not counted`,
      });
    }
  } finally {
    if (!done) await it.return?.();
  }
}
