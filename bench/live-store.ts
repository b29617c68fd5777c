/**
 * The in-process part of `live --headless` at 1,024 streams, without files, watchers or a reader:
 * the lines of 128 nodes × 8 ranks (the live-1024 bench's lines) fed to a session store two per
 * file per tick, and a periodic snapshot built and serialised (NDJSON pieces, one buffer) every tick, as at
 * `--interval 0.1` with 20 lines/s, runs judged at live's cadence (LIVE_ANALYSIS_MS). CPU per tick split into feeding, building and writing; steadier
 * than the end-to-end bench on a shared machine (no other process, no syscalls).
 * `node bin/run-ts.mjs bench/live-store.ts [ticks] [0|1 byte path]`; `LIVE_STORE_PARTS=1` then times
 * the serialisation of the last snapshot by part (best of 20).
 */
import { Writable } from 'node:stream';
import { RunSet } from '../src/metrics/run-set.ts';
import { attachNdjson } from '../src/report/ndjson-presenter.ts';
import { SessionStore } from '../src/session/store.ts';
import { LIVE_ANALYSIS_MS } from '../src/pipeline/live.ts';
import type { SourceEvent } from '../src/sources/types.ts';

const ticks = Number(process.argv[2] ?? 300);
const bytePath = process.argv[3] !== '0';
const nodes = 128;
const ranks = 8;
const files: { node: string; file: string }[] = [];
for (let n = 1; n <= nodes; n++) for (let r = 0; r < ranks; r++) files.push({ node: `node${String(n).padStart(3, '0')}`, file: `/logs/node${String(n).padStart(3, '0')}/train_rank${r}.log` });

let clock = Date.UTC(2026, 11, 4, 6, 0, 0);
const store = new SessionStore({ runSet: new RunSet(), now: () => clock, clock: 'wall', bytePath, analysisEveryMs: LIVE_ANALYSIS_MS });
let written = 0;
const out = new Writable({
  write(chunk: Buffer, _enc, cb) {
    written += chunk.length;
    cb();
  },
});
const nd = attachNdjson(store, out, 'wall');
const header = (i: number): SourceEvent => ({ type: 'line', node: files[i]!.node, file: files[i]!.file, offset: 0, lineNo: 1, time: clock, text: `DLL 2026-11-23 10:00:00.000000 - PARAMETER arch : resnet50  batch_size : 256  amp : True  world_size : ${files.length} ` });
store.ingest(files.map((_, i) => header(i)));
let iter = 0;
const lineOf = (it: number): string => {
  const d = new Date(Date.UTC(2026, 10, 23, 10, 0, 0) + it * 50);
  const ts = d.toISOString().slice(0, 10) + ' ' + d.toISOString().slice(11, 23) + '000';
  return 'DLL ' + ts + ' - Epoch: 0 Iteration: ' + it + '  train.loss : 6.5  train.total_ips : ' + (256 * files.length * 20).toFixed(2) + ' img/s'; // agrees with the 50 ms timestamps
};
const cpu = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
let feedUs = 0;
let snapUs = 0;
const warm = Math.min(50, Math.floor(ticks / 4));
for (let t = 0; t < ticks + warm; t++) {
  const c0 = cpu();
  iter += 2;
  clock += 100;
  const a = lineOf(iter - 1);
  const b = lineOf(iter);
  // One batch per file, as a read of each file gives (two lines per file per tick).
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    store.ingest([
      { type: 'line', node: f.node, file: f.file, offset: 0, lineNo: iter, time: clock - 50, text: (' ' + a).slice(1) },
      { type: 'line', node: f.node, file: f.file, offset: 0, lineNo: iter + 1, time: clock, text: (' ' + b).slice(1) },
    ]);
  }
  const c1 = cpu();
  nd.periodic();
  const c2 = cpu();
  if (t >= warm) {
    feedUs += c1 - c0;
    snapUs += c2 - c1;
  }
}
const lines = ticks * 2 * files.length;
console.log(`live store, ${files.length} files, ${ticks} ticks (byte path ${bytePath ? 'on' : 'off'}): feed ${(feedUs / lines).toFixed(2)} µs per line, snapshot ${(snapUs / ticks / 1000).toFixed(2)} ms per tick (${(snapUs / lines).toFixed(2)} µs per line), ${(written / (ticks + warm) / 1024).toFixed(0)} KiB per snapshot; total ${((feedUs + snapUs) / lines).toFixed(2)} µs per line`);
if (process.env['LIVE_STORE_PARTS'] === '1') {
  const { snapshotJson } = await import('../src/report/ndjson.ts');
  const s = store.flush({});
  const time = (f: () => unknown): number => {
    let best = 1e9;
    for (let r = 0; r < 20; r++) {
      const t = performance.now();
      f();
      best = Math.min(best, performance.now() - t);
    }
    return best;
  };
  const j = snapshotJson(s) as { head: string; nodes: string[]; tail: string };
  console.log('head chars', j.head.length, 'nodes chars', j.nodes.reduce((a, b) => a + b.length, 0), 'tail', j.tail.length);
  console.log('whole', time(() => snapshotJson(s)).toFixed(2), 'ms; runs', time(() => JSON.stringify(s.runs)).toFixed(2), 'groups', time(() => JSON.stringify(s.groups)).toFixed(2), 'nodes', time(() => JSON.stringify(s.nodes)).toFixed(2), 'sources', time(() => JSON.stringify(s.sources)).toFixed(2), 'totals', time(() => JSON.stringify(s.totals)).toFixed(2));
}
