/**
 * `live --record run.tgz` (and `launch`): keeps every line the session saw and, at the end, writes
 * a `.tgz` in DLPerf's layout that `replay` and `summary` read back to the same numbers.
 *
 * - `record(events)`: fed the same SourceEvents as the store. Each source file's raw lines are
 *   appended to its own temp file (in a temp dir under os.tmpdir(); temp names are counters, never
 *   derived from log text). Memory is bounded: small per-file buffers, flushed to disk.
 * - `finish(runSet)`: names each recorded file after its run's identity from the RunSet:
 *   `logs/<framework>/<N>n<G>g/<model>_b<bsz>_<precision>_<repeat>.log`, or, for runs with several
 *   files, `logs/<framework>/<N>n<G>g/node<k>/<same name>` (the labels are kept where they already
 *   read `node<k>`, else k counts the files in node-label order, so the run's primary node stays the
 *   same). Unknown parts are `unknown`; repeats count from 1 per configuration in order of first
 *   appearance. GPT layouts keep dp/mp/pp/mbs/gbs/s/l/hsz/ahs in the model part so their identity
 *   survives. Adds `manifest.json` (tool, version, created, hosts, per file: member path, original
 *   source, node, start/end wall time, bytes, lines). Lines are data only: nothing runs a shell.
 */
import { closeSync, createReadStream, fstatSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { RunSet } from '../metrics/run-set.ts';
import type { Run } from '../metrics/run.ts';
import { VERSION } from '../shared/version.ts';
import type { SourceEvent } from '../sources/types.ts';
import { createTarWriter } from '../sources/tar-writer.ts';
import { openAtomic, type AtomicOutput } from '../shared/safe-output.ts';

/** Writing the archive failed; the message says what was kept (nothing: the temp file is removed). */
export class RecordError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'RecordError';
  }
}

export interface RecorderOptions {
  /** Wall clock (ms) for `created`. */
  now: () => number;
  /** Node label → host (address) it was read from, written to the manifest. */
  hosts?: Record<string, string>;
  /** Parent of the temp dir. @default os.tmpdir() */
  tmpDir?: string;
  /** Buffered bytes per file before it is written to its temp file. @default 256 KiB */
  fileBufferBytes?: number;
  /** Buffered bytes over all files before everything is written out. @default 4 MiB */
  totalBufferBytes?: number;
}

export interface RecordedFile {
  /** Member path in the archive (null: not part of any run, left out). */
  member: string | null;
  source: string;
  node: string;
  run: string | null;
  /** Wall time (ms) of the first and last recorded line. */
  start: number | null;
  end: number | null;
  bytes: number;
  lines: number;
}

export interface Recorder {
  readonly tempDir: string;
  record(events: readonly SourceEvent[]): void;
  /** Write the archive (atomically: temp file renamed into place) and remove the temp dir. */
  finish(runSet: RunSet): Promise<{ path: string; files: RecordedFile[] }>;
  /** Give up: remove the temp dir, write nothing. */
  abort(): Promise<void>;
}

interface FileRec {
  seq: number;
  source: string;
  node: string;
  tmp: string;
  fd: number | null;
  chunks: string[];
  pending: number;
  bytes: number;
  lines: number;
  start: number | null;
  end: number | null;
}

/** A path segment from untrusted text: [A-Za-z0-9._-] only, no leading dot, never empty. */
export function safeSegment(s: string | null | undefined): string {
  const t = String(s ?? '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+/, '')
    .slice(0, 80);
  return t === '' ? 'unknown' : t;
}

const GPT_TOKENS: [keyof ReturnType<Run['identity']>, string][] = [
  ['data_parallel_size', 'dp'],
  ['tensor_model_parallel_size', 'mp'],
  ['pipeline_model_parallel_size', 'pp'],
  ['micro_batch_size', 'mbs'],
  ['global_batch_size', 'gbs'],
  ['seq_length', 's'],
  ['num_layers', 'l'],
  ['hidden_size', 'hsz'],
  ['num_attention_heads', 'ahs'],
];

/** The DLPerf-style directory and file name (without repeat) of a run. */
function runName(run: Run): { dir: string; stem: string; config: string } {
  const id = run.identity();
  const fw = safeSegment(id.framework);
  const n = id.num_nodes ?? null;
  const g = id.gpu_num_per_node ?? null;
  const ng = n === null && g === null ? 'unknown' : `${n ?? 'unknown'}n${g ?? 'unknown'}g`;
  let model = safeSegment(id.model);
  if (/gpt/i.test(model)) {
    for (const [k, tok] of GPT_TOKENS) {
      const v = id[k];
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && (tok !== 's' || v >= 100)) model += `-${tok}${v}`;
    }
  }
  const bsz = id.batch_size_per_device ?? 'unknown';
  const prec = safeSegment(id.precision).toLowerCase().replace(/[^a-z0-9]/g, '') || 'unknown';
  return { dir: `logs/${fw}/${ng}`, stem: `${model}_b${bsz}_${prec}`, config: `${fw}/${ng}/${model}_b${bsz}_${prec}` };
}

export function createRecorder(outPath: string, opts: RecorderOptions): Recorder {
  const tempDir = mkdtempSync(join(opts.tmpDir ?? tmpdir(), 'dlperf-top-rec-'));
  const perFile = opts.fileBufferBytes ?? 256 * 1024;
  const total = opts.totalBufferBytes ?? 4 * 1024 * 1024;
  const files = new Map<string, FileRec>();
  let pendingTotal = 0;
  let closed = false;

  const flushFile = (f: FileRec) => {
    if (f.chunks.length === 0) return;
    const data = f.chunks.join('');
    f.chunks = [];
    pendingTotal -= f.pending;
    f.pending = 0;
    if (f.fd === null) f.fd = openSync(f.tmp, 'a');
    const buf = Buffer.from(data, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(f.fd, buf, off, buf.length - off);
  };
  const flushAll = () => {
    for (const f of files.values()) flushFile(f);
  };
  const closeAll = () => {
    flushAll();
    for (const f of files.values()) {
      if (f.fd !== null) closeSync(f.fd);
      f.fd = null;
    }
  };

  const record = (events: readonly SourceEvent[]): void => {
    if (closed) return;
    for (const e of events) {
      if (e.type !== 'line') continue;
      let f = files.get(e.file);
      if (!f) {
        const seq = files.size;
        f = { seq, source: e.file, node: e.node, tmp: join(tempDir, `f${seq}.log`), fd: null, chunks: [], pending: 0, bytes: 0, lines: 0, start: null, end: null };
        files.set(e.file, f);
      }
      const line = e.text + '\n';
      const n = Buffer.byteLength(line, 'utf8');
      f.chunks.push(line);
      f.pending += n;
      pendingTotal += n;
      f.bytes += n;
      f.lines++;
      f.start ??= e.time;
      f.end = e.time;
      if (f.pending >= perFile) flushFile(f);
    }
    if (pendingTotal >= total) flushAll();
  };

  const cleanup = async () => {
    closed = true;
    try {
      closeAll();
    } catch {
      /* already failing: still remove the temp dir */
    }
    await rm(tempDir, { recursive: true, force: true });
  };

  const finish = async (runSet: RunSet): Promise<{ path: string; files: RecordedFile[] }> => {
    if (closed) throw new Error('recorder: finish() after finish() or abort()');
    closed = true;
    closeAll();
    const fileRun = new Map<string, Run>();
    for (const run of runSet.runs.values()) for (const t of run.files) fileRun.set(t.file, run);

    // Runs in order of first appearance (the first recorded line of any of their files).
    const byRun = new Map<Run, FileRec[]>();
    for (const f of [...files.values()].sort((a, b) => a.seq - b.seq)) {
      const run = fileRun.get(f.source);
      if (!run) continue; // not a training log: listed in the manifest, left out of the archive
      let g = byRun.get(run);
      if (!g) byRun.set(run, (g = []));
      g.push(f);
    }
    const used = new Set<string>();
    const repeats = new Map<string, number>();
    const members = new Map<FileRec, string>();
    for (const [run, fs] of byRun) {
      const { dir, stem, config } = runName(run);
      let rep = (repeats.get(config) ?? 0) + 1;
      const pathsFor = (r: number): string[] => {
        const name = `${stem}_${r}.log`;
        if (fs.length === 1) return [`${dir}/${name}`];
        return nodeDirs(fs).map((d) => `${dir}/${d}/${name}`);
      };
      while (pathsFor(rep).some((p) => used.has(p))) rep++;
      repeats.set(config, rep);
      const paths = pathsFor(rep);
      const ordered = fs.length === 1 ? fs : orderByNode(fs);
      ordered.forEach((f, i) => {
        used.add(paths[i]!);
        members.set(f, paths[i]!);
      });
    }

    const recorded: RecordedFile[] = [...files.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((f) => ({
        member: members.get(f) ?? null,
        source: f.source,
        node: f.node,
        run: fileRun.get(f.source)?.key ?? null,
        start: f.start,
        end: f.end,
        bytes: f.bytes,
        lines: f.lines,
      }));
    const iso = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString());
    const manifest = {
      tool: 'dlperf-top',
      version: VERSION,
      created: iso(opts.now()),
      hosts: opts.hosts ?? {},
      files: recorded.map((r) => ({
        path: r.member,
        source: r.source,
        node: r.node,
        ...(opts.hosts?.[r.node] !== undefined ? { host: opts.hosts[r.node] } : {}),
        run: r.run,
        start: iso(r.start),
        end: iso(r.end),
        bytes: r.bytes,
        lines: r.lines,
        ...(r.member === null ? { skipped: 'not part of any run (not a training log)' } : {}),
      })),
    };

    // The archive goes through an exclusive, randomly named temp file beside outPath (never a
    // planted symlink), renamed into place; on failure it is removed and the error says so.
    let out: AtomicOutput;
    try {
      out = openAtomic(outPath);
    } catch (err) {
      await rm(tempDir, { recursive: true, force: true });
      throw new RecordError(`cannot write ${outPath}: ${(err as Error).message}; nothing was recorded`, err);
    }
    const gzip = createGzip({ level: 6 });
    const done = pipeline(gzip, out.stream);
    done.catch(() => undefined);
    try {
      const tar = createTarWriter(gzip);
      const entries = [...members.entries()].sort((a, b) => a[1].localeCompare(b[1], 'en', { numeric: true }));
      for (const [f, member] of entries) {
        const size = f.lines === 0 ? 0 : fstatSizeOf(f.tmp);
        const mtimeMs = f.end !== null && Number.isFinite(f.end) && f.end >= 0 ? f.end : 0;
        const chunks = size === 0 ? emptyChunks() : (createReadStream(f.tmp) as AsyncIterable<Buffer>);
        await tar.addStream(member, size, chunks, { mtimeMs });
      }
      await tar.addFile('manifest.json', JSON.stringify(manifest, null, 2) + '\n', { mtimeMs: Math.max(0, opts.now()) });
      await tar.finish();
      await done;
      await out.commit();
    } catch (err) {
      gzip.destroy();
      await done.catch(() => undefined);
      await out.abort();
      throw new RecordError(`writing ${outPath} failed: ${(err as Error).message}; the partial archive was removed and nothing was kept`, err);
    } finally {
      await rm(tempDir, { recursive: true, force: true });
    }
    return { path: outPath, files: recorded };
  };

  return { tempDir, record, finish, abort: cleanup };
}

function fstatSizeOf(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

async function* emptyChunks(): AsyncGenerator<Buffer> {
  /* no data */
}

/** Files of a multi-file run in node-label order (numeric collation), then by source. */
function orderByNode(fs: FileRec[]): FileRec[] {
  return [...fs].sort((a, b) => a.node.localeCompare(b.node, 'en', { numeric: true }) || a.source.localeCompare(b.source, 'en', { numeric: true }));
}

/** Directory per file (in orderByNode order): the labels themselves when they are distinct `node<k>`, else node0…. */
function nodeDirs(fs: FileRec[]): string[] {
  const ordered = orderByNode(fs);
  const labels = ordered.map((f) => f.node);
  if (labels.every((l) => /^node\d{1,6}$/.test(l)) && new Set(labels).size === labels.length) return labels;
  return ordered.map((_, k) => `node${k}`);
}

