// Micro-bench: SessionStore with N files of one run, fed lines; times ingest, flush (build) and snapshotLine.
import { RunSet } from '../src/metrics/run-set.ts';
import { SessionStore } from '../src/session/store.ts';
import { snapshotLine } from '../src/report/ndjson.ts';
const N = Number(process.argv[2] ?? 1024);
const ITERS = Number(process.argv[3] ?? 300);
let now = Date.UTC(2026, 10, 23, 10, 0, 0);
const runSet = new RunSet({});
const files = Array.from({ length: N }, (_, i) => ({ node: `node${String((i >> 3) + 1).padStart(3, '0')}`, file: `node${String((i >> 3) + 1).padStart(3, '0')}/train_rank${i & 7}.log` }));
const store = new SessionStore({ runSet, now: () => now, clock: 'wall', sources: [] });
const lineNo = new Array(N).fill(0);
const feed = (iter: number) => {
  const d = new Date(Date.UTC(2026, 10, 23, 10, 0, 0) + iter * 50);
  const ts = d.toISOString().slice(0, 10) + ' ' + d.toISOString().slice(11, 23) + '000';
  const text = iter === 0 ? `DLL 2026-11-23 10:00:00.000000 - PARAMETER arch : resnet50  batch_size : 256  amp : True  world_size : ${N} ` : 'DLL ' + ts + ' - Epoch: 0 Iteration: ' + iter + '  train.loss : 6.5  train.total_ips : ' + (800 * N).toFixed(2) + ' img/s';
  const evs = files.map((f, i) => ({ type: 'line' as const, node: f.node, file: f.file, offset: 0, lineNo: ++lineNo[i], text: text.slice(0), time: now }));
  store.ingest(evs);
};
const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
let tIngest = 0, tBuild = 0, tJson = 0, bytes = 0;
feed(0);
for (let k = 1; k <= ITERS; k++) {
  now += 50;
  let t = cpu();
  feed(2 * k - 1); feed(2 * k);
  tIngest += cpu() - t;
  t = cpu();
  const s = store.flush();
  tBuild += cpu() - t;
  t = cpu();
  const line = snapshotLine(s);
  tJson += cpu() - t;
  bytes += line.length;
}
(globalThis as { gc?: () => void }).gc?.();
const m = process.memoryUsage();
console.log(`N=${N} per snapshot (CPU ms): ingest(2 lines/file) ${(tIngest / ITERS).toFixed(2)} ms, build ${(tBuild / ITERS).toFixed(2)} ms, json ${(tJson / ITERS).toFixed(2)} ms, ${(bytes / ITERS / 1024).toFixed(0)} KiB; live heap (after a GC with --expose-gc) ${(m.heapUsed / 1048576).toFixed(0)} MiB rss ${(m.rss / 1048576).toFixed(0)} MiB, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, external ${(m.external / 1048576).toFixed(0)} MiB`);
