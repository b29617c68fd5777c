/**
 * The replay's index pass: stream the inputs once, time every file (FileTimeline), group files into
 * runs, lay each run out in log time and order the runs. Lines are kept while they fit the cap.
 */
import type { InputProblem } from '../core/types.ts';
import { formatById } from '../formats/registry.ts';
import { pathInfo } from '../metrics/path-identity.ts';
import { enumerateInputs, readLines } from '../sources/inputs.ts';
import type { ReplayEngineBase } from './replay-engine-base.ts';
import { runPacing, UNANCHORED, type FileTimeline, type TimedLine } from './replay-timeline.ts';
import { byPath, fileKey, LINE_OVERHEAD_BYTES, type IndexedFile, type IndexedRun } from './replay-types.ts';

/** The index pass (see the module comment); sets `e.runs` and reports runs too large to merge. */
export async function buildIndex(e: ReplayEngineBase): Promise<void> {
  const files: IndexedFile[] = [];
  let holding = true;
  let heldBytes = 0;
  let order = 0;
  const quiet = e.indexed || e.fastPath; // problems were reported by an earlier pass
  const onProblem = (p: InputProblem) => {
    if (!quiet) e.report(p);
  };
  const enumOpts = e.opts.stdin ? { stdin: e.opts.stdin } : {};
  for await (const item of enumerateInputs(e.opts.inputs, enumOpts)) {
    if (e.stopped) break;
    if (item.type === 'problem') {
      onProblem(item.problem);
      continue;
    }
    const f = item.file;
    const info = pathInfo(f.path);
    if (info.notALog) continue;
    if (!e.matches(info.runKey, f.path)) continue;
    const node = info.node ?? 'node0';
    const tl = e.newTimeline();
    let out: TimedLine[] = [];
    for await (const batch of readLines(f, node, (p) => onProblem({ ...p, input: p.input ?? f.input }))) {
      for (const ev of batch) tl.push(ev, out);
      if (holding) {
        for (const ev of batch) heldBytes += ev.text.length + LINE_OVERHEAD_BYTES;
        if (heldBytes > e.cap) {
          holding = false;
          for (const x of files) x.held = null;
        }
      }
      if (!holding) out = [];
      if (e.stopped) break;
    }
    tl.end(out);
    const stats = statsOf(tl);
    // A file that gave no line (binary, empty) is not played: summary makes no run of it, and its
    // clockless start (0) taken as the run's made every time of the replay 1970.
    if (stats.lines === 0) continue;
    files.push({
      key: info.runKey,
      input: f.input,
      path: f.path,
      node,
      order: order++,
      ...stats,
      offset: 0,
      floor: 0,
      held: holding ? out : null,
      timedAs: null,
    });
  }
  await retime(e, files);
  if (!holding && e.opts.inputs.includes('-')) {
    e.report({ input: '-', kind: 'skipped', message: 'stdin is larger than the replay memory cap and cannot be read twice: its runs may play without their lines; use --speed max, or give a file' });
  }
  const groups = new Map<string, IndexedFile[]>();
  for (const f of files) {
    let g = groups.get(f.key);
    if (!g) groups.set(f.key, (g = []));
    g.push(f);
  }
  const runs: IndexedRun[] = [];
  for (const [key, g] of groups) {
    g.sort((a, b) => byPath(a.path, b.path) || a.order - b.order);
    const estBytes = g.reduce((n, f) => n + f.bytes + f.lines * LINE_OVERHEAD_BYTES, 0);
    const run: IndexedRun = {
      key,
      files: g,
      start: 0,
      end: 0,
      pacing: runPacing(g),
      hasClock: g.some((f) => f.base === 'clock'),
      estBytes,
      sequential: estBytes > e.cap,
      merged: null,
      played: false,
      reported: false,
    };
    layout(run);
    runs.push(run);
  }
  runs.sort((a, b) => Number(!a.hasClock) - Number(!b.hasClock) || a.start - b.start || byPath(a.files[0]!.path, b.files[0]!.path));
  e.runs = runs;
  e.indexed = true;
  for (const r of runs) {
    if (r.sequential) {
      e.report({
        input: e.opts.inputs.join(' '),
        file: r.files[0]?.path,
        kind: 'skipped',
        message: `run ${r.key}: its lines (~${Math.round(r.estBytes / 2 ** 20)} MiB) exceed the replay memory cap (${Math.round(e.cap / 2 ** 20)} MiB); its ${r.files.length} files are played one after another instead of merged by time`,
      });
    }
  }
  e.updateInfo();
}

/**
 * A file whose own lines prove no format gets its run's format for timing: Megatron's first node
 * prints the `datetime:` lines but no iteration line (only the last pipeline stage does), and its
 * clock is what places the run in time. (RunSet still parses such a file only where its own lines
 * prove the format, so the numbers do not change.) Held files are re-timed from memory, the others
 * in one more pass over the inputs.
 */
export async function retime(e: ReplayEngineBase, files: IndexedFile[]): Promise<void> {
  if (e.forced) return;
  const runFormat = new Map<string, string>();
  for (const f of files) if (f.format && !runFormat.has(f.key)) runFormat.set(f.key, f.format);
  const todo = files.filter((f) => !f.format && f.lines > 0 && runFormat.has(f.key));
  if (todo.length === 0) return;
  const stream = new Map<string, IndexedFile>();
  for (const f of todo) {
    f.timedAs = formatById(runFormat.get(f.key)!) ?? null;
    if (!f.timedAs) continue;
    if (f.held) {
      const tl = e.newTimeline(f);
      const out: TimedLine[] = [];
      for (const l of f.held) tl.push(l, out);
      tl.end(out);
      Object.assign(f, statsOf(tl), { format: null, held: out });
    } else stream.set(fileKey(f.input, f.path), f);
  }
  if (stream.size === 0) return;
  for await (const item of enumerateInputs(e.opts.inputs, e.opts.stdin ? { stdin: e.opts.stdin } : {})) {
    if (e.stopped) return;
    if (item.type !== 'file') continue;
    const f = stream.get(fileKey(item.file.input, item.file.path));
    if (!f) continue;
    stream.delete(fileKey(item.file.input, item.file.path));
    const tl = e.newTimeline(f);
    let out: TimedLine[] = [];
    for await (const batch of readLines(item.file, f.node, () => {})) {
      for (const ev of batch) tl.push(ev, out);
      out = [];
    }
    tl.end(out);
    Object.assign(f, statsOf(tl), { format: null });
    if (stream.size === 0) break;
  }
}

/**
 * Decide each file's time offset and the run's span; fix the times of held lines.
 * Merged runs: files without a clock (synthetic times from 0) are aligned with the run's clocked
 * files — their end just before the clocked files' last clock, but not starting before the clocked
 * start (Megatron: the iterations end as `[after training is done] datetime:` is printed).
 * Sequential runs: each file follows the previous one.
 */
export function layout(run: IndexedRun): void {
  const fs = run.files;
  if (run.sequential) {
    const ordered = [...fs].sort((a, b) => a.order - b.order);
    let cursor: number | null = null;
    for (const f of ordered) {
      const first = f.first ?? 0;
      f.offset = cursor === null ? 0 : cursor - first;
      f.floor = cursor ?? first;
      cursor = (f.last ?? first) + f.offset;
    }
    run.start = ordered[0] ? (ordered[0].first ?? 0) : 0;
    run.end = cursor ?? run.start;
  } else {
    const clocked = fs.filter((f) => f.base === 'clock' && f.first !== null);
    const cStart = clocked.length ? Math.min(...clocked.map((f) => f.first!)) : null;
    const cEnd = clocked.length ? Math.max(...clocked.map((f) => f.last!)) : null;
    for (const f of fs) {
      // 1 ms before the last clock line: that line (e.g. `[after training is done] datetime:`) was printed after.
      f.offset = f.base === 'synthetic' && cStart !== null && cEnd !== null && f.last !== null ? Math.max(cStart, cEnd - 1 - f.last) : 0;
    }
    const firsts = fs.filter((f) => f.first !== null).map((f) => f.first! + f.offset);
    const lasts = fs.filter((f) => f.last !== null).map((f) => f.last! + f.offset);
    run.start = firsts.length ? Math.min(...firsts) : 0;
    run.end = lasts.length ? Math.max(...lasts) : run.start;
    for (const f of fs) f.floor = run.start;
  }
  for (const f of fs) if (f.held) finalizeTimes(f.held, f.offset, f.floor);
}

/** The index fields a finished file timeline gives. */
export function statsOf(tl: FileTimeline): Pick<IndexedFile, 'lines' | 'bytes' | 'first' | 'last' | 'base' | 'pacing' | 'anchors' | 'format'> {
  const s = tl.stats;
  return {
    lines: s.lines,
    bytes: s.bytes,
    first: s.first,
    last: s.last,
    base: s.base,
    pacing: tl.pacing(),
    anchors: s.clockAnchors + s.stepAnchors + s.nominalAnchors,
    format: s.format,
  };
}

/** Final times of a file's lines: offset applied, unanchored lines at `floor` (idempotent per array). */
export function finalizeTimes(lines: TimedLine[], offset: number, floor: number): TimedLine[] {
  for (const l of lines) {
    if (l.time === UNANCHORED) l.time = floor;
    else l.time += offset;
  }
  return lines;
}
