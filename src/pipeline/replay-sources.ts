/** Where a timed run's lines come from when it plays: held lines, one merged re-read, or a stream. */
import { enumerateInputs, readLines } from '../sources/inputs.ts';
import { LineCursor } from './replay-cursor.ts';
import type { ReplayEngineBase } from './replay-engine-base.ts';
import { finalizeTimes } from './replay-index.ts';
import { mergeTimelines, type TimedLine } from './replay-timeline.ts';
import { fileKey, type IndexedFile, type IndexedRun } from './replay-types.ts';

/** A cursor over the run's timeline from its start. */
export function openRun(e: ReplayEngineBase, run: IndexedRun): LineCursor {
  if (run.merged) return new LineCursor(null, run.merged);
  if (!run.sequential && run.files.every((f) => f.held)) {
    run.merged = mergeTimelines(run.files.map((f) => f.held!));
    return new LineCursor(null, run.merged);
  }
  if (!run.sequential) return new LineCursor(loadMerged(e, run));
  return new LineCursor(streamSequential(e, run));
}

/** Re-stream the inputs, collect the run's files, merge them: one batch. */
export async function* loadMerged(e: ReplayEngineBase, run: IndexedRun): AsyncGenerator<TimedLine[]> {
  const byKey = new Map(run.files.map((f) => [fileKey(f.input, f.path), f]));
  const got = new Map<IndexedFile, TimedLine[]>();
  for await (const item of enumerateInputs(e.opts.inputs, e.opts.stdin ? { stdin: e.opts.stdin } : {})) {
    if (e.stopped) return;
    if (item.type !== 'file') continue;
    const f = byKey.get(fileKey(item.file.input, item.file.path));
    if (!f || got.has(f)) continue;
    const tl = e.newTimeline(f);
    const out: TimedLine[] = [];
    for await (const batch of readLines(item.file, f.node, () => {})) for (const ev of batch) tl.push(ev, out);
    tl.end(out);
    finalizeTimes(out, f.offset, f.floor);
    got.set(f, out);
    if (got.size === byKey.size) break;
  }
  run.merged = mergeTimelines(run.files.map((f) => got.get(f) ?? []));
  yield run.merged;
}

/** Re-stream the inputs and yield the run's files one after another (bounded memory). */
export async function* streamSequential(e: ReplayEngineBase, run: IndexedRun): AsyncGenerator<TimedLine[]> {
  const byKey = new Map(run.files.map((f) => [fileKey(f.input, f.path), f]));
  const seen = new Set<IndexedFile>();
  for await (const item of enumerateInputs(e.opts.inputs, e.opts.stdin ? { stdin: e.opts.stdin } : {})) {
    if (e.stopped) return;
    if (item.type !== 'file') continue;
    const f = byKey.get(fileKey(item.file.input, item.file.path));
    if (!f || seen.has(f)) continue;
    seen.add(f);
    const tl = e.newTimeline(f);
    for await (const batch of readLines(item.file, f.node, () => {})) {
      const out: TimedLine[] = [];
      for (const ev of batch) tl.push(ev, out);
      if (out.length) yield finalizeTimes(out, f.offset, f.floor);
    }
    const out: TimedLine[] = [];
    tl.end(out);
    if (out.length) yield finalizeTimes(out, f.offset, f.floor);
    if (seen.size === byKey.size) break;
  }
}
