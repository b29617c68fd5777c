/**
 * Summary's per-file reading loop, with the byte-level path for progress lines: once a file's
 * format is locked and has a byte parser (formats/fast-progress.ts), each line whole in one
 * chunk is offered to it as bytes; a line it proves to be a plain progress line becomes its
 * record without unwrap, string parse or detector calls (RunSet.progressLine); every other line
 * (and every line while the format is unknown) takes the string path, RunSet.line, in file order.
 * `DLPERF_TOP_BYTE_PATH=0` (or `bytePath: false`) turns the byte path off: the results must be
 * the same to the last bit either way (the tests run both).
 */

import type { InputProblem, LineEvent } from '../core/types.ts';
import { fastProgressParsers, type FastProgressParser } from '../formats/fast-progress.ts';
import type { IterRecord, LogFormat } from '../formats/types.ts';
import type { FileTrack } from '../metrics/file-track.ts';
import { PROGRESS_LINE_DETECTORS, type RunSet } from '../metrics/run-set.ts';
import { ownText } from '../metrics/own-text.ts';
import { feedLines, type LineEventSink } from '../sources/read-lines.ts';
import { growYoungGenerationAfter, youngGenerationHeld } from './young-generation.ts';
import type { InputFile } from '../sources/types.ts';

/** Detectors reading progress lines whose reaction the byte grammar rules out (nan-loss: no `nan`/`inf`). */
const COVERED_DETECTORS = new Set(['nan-loss']);

/** False when a detector that reads progress lines is one the byte parsers know nothing about: then every line takes the string path. */
export const BYTE_PATH_SOUND = PROGRESS_LINE_DETECTORS.every((id) => COVERED_DETECTORS.has(id));

/**
 * Progress lines applied at a time: enough to keep the parser's and the run model's working sets
 * apart, few enough that a batch's records and texts die young (a chunk's worth, ~2,300, outlived
 * scavenges and were promoted to the old generation).
 */
export const BATCH = Number(process.env['DLPERF_TOP_BATCH'] ?? 256);

/** Bytes decoded into one string for the byte parsers. */
export const WINDOW_BYTES = 32 * 1024;

/** Whether summary uses the byte path unless told otherwise. */
export function bytePathDefault(): boolean {
  return BYTE_PATH_SOUND && process.env['DLPERF_TOP_BYTE_PATH'] !== '0';
}

/** Copy of a string that does not keep its parent alive (a slice of a chunk string would pin the whole chunk). */
export const ownString = ownText;

/** Reads one file into the run set; returns the number of lines read. */
export async function feedFile(set: RunSet, track: FileTrack, file: InputFile, onProblem: (p: InputProblem) => void, bytePath: boolean): Promise<number> {
  let lines = 0;
  let fmt: LogFormat | null = null;
  let parse: FastProgressParser | undefined;
  let chunkSeen: Buffer | null = null;
  let S = '';
  let w0 = 0;
  let w1 = 0;
  let sliced = false;
  const ev = { lineNo: 0, text: '', time: 0, file: track.file };
  // Progress lines are parsed as they come and applied in batches (before the next string-path line,
  // and at the end of each chunk): the same records in the same order, but the parser's and the run
  // model's working sets take turns instead of evicting each other on every line (≈ 15 % per line).
  // Filled up to `pending` and reused (`length = 0` would give the backing stores back and grow them again per chunk).
  const recs: IterRecord[] = [];
  const texts: string[] = [];
  const lineNos: number[] = [];
  let pending = 0;
  const flush = (): void => {
    for (let i = 0; i < pending; i++) {
      ev.lineNo = lineNos[i]!;
      ev.text = texts[i]!;
      set.progressLine(track, recs[i]!, ev);
    }
    pending = 0;
  };
  const sink: LineEventSink = {
    line(e: LineEvent) {
      if (pending > 0) flush();
      lines++;
      set.line(track, e);
    },
  };
  if (bytePath && BYTE_PATH_SOUND) {
    sink.span = (chunk, s, e, _offset, lineNo) => {
      if (track.format !== fmt) {
        fmt = track.format;
        parse = fmt ? fastProgressParsers[fmt.id] : undefined;
      }
      if (parse === undefined) return false;
      // Decode a window of the chunk at a time: one string per window instead of one per line,
      // and small enough (< 64 KiB) to stay out of V8's large-object space (a 128 KiB string costs 5x).
      if (chunk !== chunkSeen || e > w1) {
        chunkSeen = chunk;
        w0 = s;
        w1 = Math.min(chunk.length, s + Math.max(WINDOW_BYTES, e - s));
        S = chunk.toString('latin1', w0, w1);
      }
      const rec = parse(S, s - w0, e - w0, chunk, w0);
      if (rec === undefined) return false;
      lines++;
      if (pending === recs.length) {
        recs.push(rec);
        texts.push(S.slice(s - w0, e - w0));
        lineNos.push(lineNo);
      } else {
        recs[pending] = rec;
        texts[pending] = S.slice(s - w0, e - w0);
        lineNos[pending] = lineNo;
      }
      if (++pending === BATCH) flush();
      sliced = true;
      return true;
    };
    sink.chunkDone = () => {
      if (pending > 0) flush();
      chunkSeen = null;
      S = '';
      growYoungGenerationAfter(track.bytes);
    };
  } else if (youngGenerationHeld()) {
    sink.chunkDone = () => growYoungGenerationAfter(track.bytes);
  }
  try {
    await feedLines(file, track.node, onProblem, sink);
  } finally {
    // A read that failed mid-chunk: what was parsed is applied, as the line-by-line loop had it.
    if (pending > 0) flush();
    // The batch arrays must not pin the last chunk's strings and records.
    recs.length = 0;
    texts.length = 0;
  }
  // The texts the file keeps (its last progress line, window evidence) may be slices of chunk
  // strings. Where endFile() releases the file it copies them anyway, once per distinct text: a
  // copy here too made every window's text twice over (small-3000: 150k copies instead of 51k).
  if (sliced && !set.releasesEnded) {
    track.lastIterText = ownString(track.lastIterText);
    track.iterWindows.ownTexts(ownString);
  }
  return lines;
}
