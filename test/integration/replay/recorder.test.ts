/**
 * Recorder round trip: lines of several nodes as a live session saw them → `.tgz` in DLPerf's layout
 * (+ manifest.json) → summarize()/replay give the numbers of the original files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunSet } from '../../../src/metrics/run-set.ts';
import { runReport } from '../../../src/metrics/run-report.ts';
import { createRecorder, safeSegment } from '../../../src/pipeline/recorder.ts';
import { replayHeadless } from '../../../src/pipeline/replay-headless.ts';
import { summarize } from '../../../src/pipeline/summarize.ts';
import { SessionStore } from '../../../src/session/store.ts';
import type { SourceEvent } from '../../../src/sources/types.ts';
import { parseNdjson, sink } from './helpers.ts';
import { dllLog, T0, write } from './synth.ts';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dlperf-rec-test-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Src {
  /** File name as the session shows it. */
  file: string;
  node: string;
  text: string;
}

/** Feed the sources' lines interleaved (as live sources deliver them) to a store and a recorder. */
function live(srcs: Src[], record: (evs: SourceEvent[]) => void, runPathOf?: (f: string) => string): SessionStore {
  let wall = 1_700_000_000_000;
  const store = new SessionStore({ runSet: new RunSet(), now: () => wall, clock: 'wall', ...(runPathOf ? { runPathOf } : {}) });
  const lines = srcs.map((s) => s.text.split('\n').slice(0, -1));
  const pos = srcs.map(() => 0);
  const offs = srcs.map(() => 0);
  for (let more = true; more; ) {
    more = false;
    for (let k = 0; k < srcs.length; k++) {
      const batch: SourceEvent[] = [];
      for (let j = 0; j < 7 && pos[k]! < lines[k]!.length; j++) {
        const text = lines[k]![pos[k]!]!;
        batch.push({ type: 'line', node: srcs[k]!.node, file: srcs[k]!.file, offset: offs[k]!, lineNo: pos[k]! + 1, text, time: (wall += 13) });
        offs[k]! += Buffer.byteLength(text) + 1;
        pos[k]!++;
      }
      if (batch.length) {
        more = true;
        store.ingest(batch);
        record(batch);
      }
    }
  }
  const ended: SourceEvent[] = srcs.map((s) => ({ type: 'status', node: s.node, file: s.file, state: 'ended', time: (wall += 1) }));
  store.ingest(ended);
  record(ended);
  return store;
}

const tarList = (p: string) => execFileSync('tar', ['-tzf', p], { encoding: 'utf8' }).split('\n').filter(Boolean);
const tarCat = (p: string, member: string) => execFileSync('tar', ['-xzOf', p, member]);

/** What identifies a run's figure independently of file names. */
const figures = (runs: { throughput: number | null; num_nodes: number | null; gpu_num_per_node: number | null; batch_size_per_device: number | null; precision: string | null; model: string | null; files: unknown[] }[]) =>
  runs.map((r) => `${r.model}|${r.num_nodes}|${r.gpu_num_per_node}|${r.batch_size_per_device}|${r.precision}|${r.files.length}|${r.throughput}`).sort();

describe('recorder', () => {
  it('round trip: two nodes (+ a single-node run) → DLPerf layout .tgz whose summary equals the original files', async () => {
    const orig = join(work, 'orig');
    const srcs: Src[] = [
      { file: '2n8g/node1/r50_b256_amp_1.log', node: 'node1', text: dllLog({ start: T0, worldSize: 16 }) },
      { file: '2n8g/node2/r50_b256_amp_1.log', node: 'node2', text: dllLog({ start: T0, worldSize: 16, lagS: 0.04 }) },
      { file: '1n8g/r50_b256_amp_1.log', node: 'local', text: dllLog({ start: T0 + 100_000, worldSize: 8, gapS: 0.31 }) },
    ];
    for (const s of srcs) write(orig, s.file, s.text);
    const out = join(work, 'run.tgz');
    const rec = createRecorder(out, { now: () => Date.UTC(2024, 0, 2, 3, 4, 5), hosts: { node1: '10.0.0.1', node2: '10.0.0.2' } });
    expect(rec.tempDir.startsWith(tmpdir())).toBe(true);
    const store = live(srcs, (evs) => rec.record(evs));
    const res = await rec.finish(store.runSet);
    expect(res.path).toBe(out);
    expect(existsSync(rec.tempDir)).toBe(false);

    const members = tarList(out);
    expect(members.sort()).toEqual(
      ['logs/pytorch/1n8g/resnet50_b256_amp_1.log', 'logs/pytorch/2n8g/node1/resnet50_b256_amp_1.log', 'logs/pytorch/2n8g/node2/resnet50_b256_amp_1.log', 'manifest.json'].sort(),
    );
    // raw lines kept byte for byte
    expect(tarCat(out, 'logs/pytorch/2n8g/node2/resnet50_b256_amp_1.log').toString()).toBe(srcs[1]!.text);

    const manifest = JSON.parse(tarCat(out, 'manifest.json').toString()) as {
      tool: string;
      version: string;
      created: string;
      hosts: Record<string, string>;
      files: { path: string; source: string; node: string; start: string; end: string; bytes: number; lines: number }[];
    };
    expect(manifest.tool).toBe('dlperf-top');
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.created).toBe('2024-01-02T03:04:05.000Z');
    expect(manifest.hosts).toEqual({ node1: '10.0.0.1', node2: '10.0.0.2' });
    expect(manifest.files).toHaveLength(3);
    for (const s of srcs) {
      const f = manifest.files.find((x) => x.source === s.file)!;
      expect(f, s.file).toBeDefined();
      expect(f.node).toBe(s.node);
      expect(f.bytes).toBe(statSync(join(orig, s.file)).size);
      expect(f.lines).toBe(s.text.split('\n').length - 1);
      expect(Date.parse(f.start)).toBeLessThan(Date.parse(f.end));
      expect(members).toContain(f.path);
    }

    const a = await summarize([out]);
    const b = await summarize([orig]);
    expect(a.problems).toEqual([]);
    expect(a.runs).toHaveLength(2);
    expect(figures(a.runs)).toEqual(figures(b.runs));
    expect(a.runs.every((r) => r.throughput !== null)).toBe(true);
    // and what the live session itself computed
    const liveFig = [...store.runSet.runs.values()].map((r) => runReport(r, true).throughput).sort();
    expect(a.runs.map((r) => r.throughput).sort()).toEqual(liveFig);

    // replaying the recording reproduces what was seen
    const { out: o, text } = sink();
    await replayHeadless({ inputs: [out], speed: 'max', out: o });
    const last = parseNdjson(text()).at(-1)!;
    expect((last['runs'] as { throughput: number }[]).map((r) => r.throughput).sort()).toEqual(b.runs.map((r) => r.throughput).sort());
  });

  it('untrusted node labels and file names never escape the layout; repeats count per configuration', async () => {
    const out = join(work, 'hostile.tgz');
    const evil = "x'; rm -rf ~ #$(touch /tmp/dlperf-pwned)`id`";
    const text1 = dllLog({ start: T0, worldSize: 16 }).replace('RUNNING EPOCHS', `${evil}\nRUNNING EPOCHS`);
    const srcs: Src[] = [
      { file: 'gpu-a:/data/run/train.log', node: '../../etc', text: text1 },
      { file: 'gpu-b:/data/run/train.log', node: 'a/b\\c', text: dllLog({ start: T0, worldSize: 16, lagS: 0.02 }) },
      // two more launches of one single-node configuration: repeats 1 and 2
      { file: 'gpu-a:/data/second/1n8g/r50_b256_amp_7.log', node: 'gpu-a', text: dllLog({ start: T0 + 200_000, worldSize: 8 }) },
      { file: 'gpu-a:/data/first/1n8g/r50_b256_amp_3.log', node: 'gpu-a', text: dllLog({ start: T0 + 100_000, worldSize: 8, gapS: 0.33 }) },
    ];
    const rec = createRecorder(out, { now: () => 0 });
    const store = live(srcs.slice(0, 2), (evs) => rec.record(evs), (f) => f.slice(f.indexOf(':') + 1));
    // the first appearance decides the repeat number: `first` was recorded before `second`
    const later = live([srcs[3]!], (evs) => rec.record(evs), (f) => f.slice(f.indexOf(':') + 1));
    const last = live([srcs[2]!], (evs) => rec.record(evs), (f) => f.slice(f.indexOf(':') + 1));
    const all = new RunSet();
    for (const s of [store, later, last]) for (const [k, r] of s.runSet.runs) all.runs.set(k, r);
    await rec.finish(all);

    const members = tarList(out);
    for (const m of members) {
      expect(m.split('/')).not.toContain('..');
      expect(m.startsWith('/')).toBe(false);
    }
    expect(members.sort()).toEqual(
      [
        'logs/pytorch/unknown/node0/resnet50_b256_amp_1.log',
        'logs/pytorch/unknown/node1/resnet50_b256_amp_1.log',
        'logs/pytorch/1n8g/resnet50_b256_amp_1.log',
        'logs/pytorch/1n8g/resnet50_b256_amp_2.log',
        'manifest.json',
      ].sort(),
    );
    // node order kept ('../../etc' sorts before 'a/b\c'): node0 is the first node's file
    expect(tarCat(out, 'logs/pytorch/unknown/node0/resnet50_b256_amp_1.log').toString()).toBe(text1);
    expect(tarCat(out, 'logs/pytorch/1n8g/resnet50_b256_amp_1.log').toString()).toBe(srcs[3]!.text);
    expect(existsSync('/tmp/dlperf-pwned')).toBe(false);
    const manifest = JSON.parse(tarCat(out, 'manifest.json').toString()) as { files: { node: string; source: string }[] };
    expect(manifest.files.map((f) => f.node)).toContain('../../etc'); // labels are data in the manifest

    const a = await summarize([out]);
    const want = [...all.runs.values()].map((r) => runReport(r, true).throughput).sort();
    expect(a.runs.map((r) => r.throughput).sort()).toEqual(want);
    expect(want.every((t) => t !== null)).toBe(true);
  });

  it('keeps memory bounded: lines go to temp files while recording', async () => {
    const out = join(work, 'bounded.tgz');
    const rec = createRecorder(out, { now: () => 0, fileBufferBytes: 1024, totalBufferBytes: 4096 });
    const text = dllLog({ start: T0, worldSize: 8 });
    const store = live([{ file: '1n8g/r50_b256_amp_1.log', node: 'local', text }], (evs) => rec.record(evs));
    const onDisk = readdirSync(rec.tempDir).map((f) => statSync(join(rec.tempDir, f)).size);
    expect(onDisk).toHaveLength(1);
    expect(onDisk[0]!).toBeGreaterThan(text.length - 1024 - 200);
    await rec.finish(store.runSet);
    expect(readFileSync(out).length).toBeGreaterThan(0);
    expect(tarCat(out, tarList(out).find((m) => m.endsWith('.log'))!).toString()).toBe(text);
  });

  it('abort() removes the temp dir and writes nothing', async () => {
    const out = join(work, 'aborted.tgz');
    const rec = createRecorder(out, { now: () => 0, fileBufferBytes: 10 });
    rec.record([{ type: 'line', node: 'n', file: 'f.log', offset: 0, lineNo: 1, text: 'hello', time: 1 }]);
    expect(existsSync(rec.tempDir)).toBe(true);
    await rec.abort();
    expect(existsSync(rec.tempDir)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('safeSegment keeps path segments inert', () => {
    expect(safeSegment('../..')).toBe('unknown');
    expect(safeSegment('a/b')).toBe('a-b');
    expect(safeSegment('..hidden')).toBe('hidden');
    expect(safeSegment(null)).toBe('unknown');
    expect(safeSegment('resnet50')).toBe('resnet50');
  });
});
