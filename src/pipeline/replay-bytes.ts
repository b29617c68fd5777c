/**
 * One file of the replay fast path (`--speed max`), read as `summary` reads it: once the file's
 * format is locked and has a byte parser (formats/fast-progress.ts), each progress line it proves
 * plain becomes its record from the chunk's bytes (SessionStore.progressLines → RunSet.progressLine,
 * in batches), and every other line takes the string path (SessionStore.feedEvent → RunSet.line),
 * in file order. `DLPERF_TOP_BYTE_PATH=0` turns the byte path off; the store ends the same either way.
 *
 * What the line-by-line loop did is kept exactly (tests compare the two, and with `summary`):
 * - one batch per source chunk (what readLines yields): every line of a chunk is stamped with the
 *   replay position at its start, the position moves to the file's log time after it, and the
 *   store's end-of-batch work (SessionStore.settle) runs once per chunk;
 * - before the first log time is known (position 0) a chunk's lines are held and stamped with the
 *   first clock they carry (firstClockMs), all through the string path, as before;
 * - the replay's pause is waited for between chunks, and a stop ends the file there.
 * A progress line gets no string of its own, no unwrap, string parse, detector call or event
 * object: the run model and the log tail read a view of the decoded window (as summary's run model
 * does), made texts of their own when the file ends (FileTrack.ownTexts, LogTail.ownTexts: a view
 * would pin its 32 KiB window for as long as the line is kept); the tail gets the byte lines of a
 * chunk in one call (SessionStore.pushTail), a LogLine only for those it still keeps after it.
 */
import type { InputProblem, LineEvent } from '../core/types.ts';
import { fastProgressParsers, type FastProgressParser } from '../formats/fast-progress.ts';
import { parseDateTimeUs, trailingEpochSeconds } from '../formats/timestamps.ts';
import type { IterRecord, LogFormat } from '../formats/types.ts';
import type { FileTrack } from '../metrics/file-track.ts';
import { feedLines, type LineEventSink } from '../sources/read-lines.ts';
import type { InputFile, SourceEvent } from '../sources/types.ts';
import { BATCH, BYTE_PATH_SOUND, bytePathDefault, WINDOW_BYTES } from './byte-feed.ts';
import type { ReplayEngineBase } from './replay-engine-base.ts';

/** Thrown out of the read when the replay is stopped between two chunks. */
class Stopped extends Error {}

/**
 * Reads one file of the fast path into the store; resolves when it is read or the replay stopped,
 * with true when some line took the byte path (then, once the file is ended, its track's and its
 * tail's texts must be made texts of their own: FileTrack.ownTexts, LogTail.ownTexts).
 */
export async function playFileBytes(e: ReplayEngineBase, f: InputFile, node: string, onProblem: (p: InputProblem) => void, bytePath = bytePathDefault()): Promise<boolean> {
  const store = e.store;
  const path = f.path;
  /** A chunk's lines are being delivered (its batch is open). */
  let open = false;
  /** The open chunk's lines, held until its first log clock is known (position still 0). */
  let held: LineEvent[] | null = null;
  /** The open chunk's time stamp. */
  let time = 0;
  let track: FileTrack | undefined;
  let fmt: LogFormat | null = null;
  let parse: FastProgressParser | undefined;
  let chunkSeen: Buffer | null = null;
  let S = '';
  let w0 = 0;
  let w1 = 0;
  // Filled up to `pending` and reused, as in byte-feed.ts.
  const recs: IterRecord[] = [];
  const texts: string[] = [];
  const lineNos: number[] = [];
  let pending = 0;
  let sliced = false;
  // The byte lines of the open chunk not yet in the log tail (pushed before the next string line
  // and at the chunk's end): their texts, lengths and numbers.
  const tTexts: string[] = [];
  const tLengths: number[] = [];
  const tLineNos: number[] = [];
  let tCount = 0;
  const tailText = (i: number): string => tTexts[i]!;
  const apply = (): void => {
    store.progressLines(track!, node, recs, texts, lineNos, pending, time);
    pending = 0;
  };
  /** Everything parsed so far applied, and pushed to the tail. */
  const sync = (): void => {
    if (pending > 0) apply();
    if (tCount > 0) {
      store.pushTail(path, tCount, tLengths, tLineNos, time, tailText);
      tCount = 0;
    }
  };
  const begin = (): void => {
    open = true;
    if (e.position === 0) held = [];
    else time = e.position;
  };
  /** The open chunk's batch is complete: what the loop did after each batch. */
  const end = (): void => {
    open = false;
    if (held !== null) {
      const batch = held;
      held = null;
      // Before any log clock was read, the first lines would be stamped 0 (1970: "never 1970" in
      // spec/ndjson.md, and a 51-year line age on screen): take the batch's first clock instead.
      const first = firstClockMs(batch);
      if (first !== null) {
        e.position = first;
        if (e.fastStart === 0) e.fastStart = first;
      }
      const t = e.position;
      const events: SourceEvent[] = new Array(batch.length);
      for (let k = 0; k < batch.length; k++) {
        const ev = batch[k]!;
        events[k] = { type: 'line', node: ev.node, file: ev.file, offset: ev.offset, lineNo: ev.lineNo, text: ev.text, time: t };
      }
      store.ingest(events);
    } else {
      sync();
      store.settle();
    }
    const tr = store.tracks.get(path);
    if (tr?.logTime !== null && tr?.logTime !== undefined) {
      const ms = tr.logTime * 1000;
      if (ms > e.position) e.position = ms;
    }
  };
  const sink: LineEventSink = {
    line(ev: LineEvent) {
      if (!open) begin();
      if (held !== null) {
        held.push(ev);
        return;
      }
      sync();
      store.feedEvent({ type: 'line', node: ev.node, file: ev.file, offset: ev.offset, lineNo: ev.lineNo, text: ev.text, time });
      // The line may have opened the track, or restarted it (line 1 again).
      track = undefined;
    },
    chunkDone() {
      if (open) end();
      chunkSeen = null;
      S = '';
      if (e.clock.paused && !e.stopped) return whilePaused(e);
      if (e.stopped) throw new Stopped();
      return undefined;
    },
  };
  if (bytePath && BYTE_PATH_SOUND) {
    sink.span = (chunk, s, end, _offset, lineNo) => {
      if (!open) begin();
      // Line 1 may restart the track (store.feedEvent); held chunks are read as strings.
      if (held !== null || lineNo === 1) return false;
      if (track === undefined) {
        track = store.tracks.get(path);
        if (track === undefined) return false;
      }
      if (track.format !== fmt) {
        fmt = track.format;
        parse = fmt ? fastProgressParsers[fmt.id] : undefined;
      }
      if (parse === undefined) return false;
      if (chunk !== chunkSeen || end > w1) {
        chunkSeen = chunk;
        w0 = s;
        w1 = Math.min(chunk.length, s + Math.max(WINDOW_BYTES, end - s));
        S = chunk.toString('latin1', w0, w1);
      }
      const rec = parse(S, s - w0, end - w0, chunk, w0);
      if (rec === undefined) return false;
      const text = S.slice(s - w0, end - w0);
      if (pending === recs.length) {
        recs.push(rec);
        texts.push(text);
        lineNos.push(lineNo);
      } else {
        recs[pending] = rec;
        texts[pending] = text;
        lineNos[pending] = lineNo;
      }
      if (++pending === BATCH) apply();
      tTexts[tCount] = text;
      tLengths[tCount] = end - s;
      tLineNos[tCount++] = lineNo;
      sliced = true;
      return true;
    };
  }
  if (e.clock.paused && !e.stopped) await whilePaused(e).catch(() => {});
  if (e.stopped) return false;
  try {
    await feedLines(f, node, onProblem, sink);
    // The last line without a newline comes after the last chunk: a batch of its own.
    if (open) end();
  } catch (err) {
    if (!(err instanceof Stopped)) throw err;
  } finally {
    // The batch arrays must not pin the last chunk's strings and records.
    recs.length = 0;
    texts.length = 0;
    tTexts.length = 0;
  }
  return sliced;
}

async function whilePaused(e: ReplayEngineBase): Promise<void> {
  while (e.clock.paused && !e.stopped) await e.clock.wait(Infinity);
  if (e.stopped) throw new Stopped();
}

/** The first log time (ms) a line of the batch carries: a date-time (dllogger, logging) or OneFlow's trailing Unix time. */
export function firstClockMs(batch: readonly { text: string }[]): number | null {
  for (let i = 0; i < batch.length && i < 5000; i++) {
    const text = batch[i]!.text;
    const us = parseDateTimeUs(text);
    if (us !== undefined) return us / 1000;
    const s = trailingEpochSeconds(text);
    if (s !== undefined) return s * 1000;
  }
  return null;
}
