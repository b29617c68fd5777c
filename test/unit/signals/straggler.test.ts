import { describe, expect, it } from 'vitest';
import type { Flag, LineEvent } from '../../../src/core/types.ts';
import { dlloggerPytorch } from '../../../src/formats/dllogger-pytorch.ts';
import { runFlags } from '../../../src/metrics/run-report.ts';
import { itersOf } from '../../../src/metrics/iter-windows.ts';
import { RunSet } from '../../../src/metrics/run-set.ts';
import type { Run } from '../../../src/metrics/run.ts';
import { summarize } from '../../../src/pipeline/summarize.ts';
import { replayHeadless } from '../../../src/pipeline/replay-headless.ts';
import { createLineDetectors } from '../../../src/signals/registry.ts';
import { MegatronStragglerDetector, parseStragglerReport, rankMapper, straggler, stragglerFlags } from '../../../src/signals/straggler.ts';
import type { NodeView } from '../../../src/session/types.ts';
import { badgeOf, nodeBadges } from '../../../src/ui/selectors.ts';
import { ctx, feed, interleave, onNode } from './feed.ts';
import { Writable } from 'node:stream';

// ---------------------------------------------------------------------------------------------
// Synthetic NGC PyTorch (dllogger) logs, one file per node, fed interleaved as a live session would.

/** Deterministic jitter in [-1, 1). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

const T0_US = Date.UTC(2021, 2, 15, 1, 0, 0) * 1000;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function dllTime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(us % 1_000_000, 6)}`;
}

interface NodeSpec {
  /** Compute-time factor per iteration (1 = like the others). */
  compute?: (iter: number) => number;
  /** Data-loading seconds per iteration. */
  data?: (iter: number) => number;
  /** Extra log-time lag of this node's lines (s) per iteration. */
  lag?: (iter: number) => number;
  /** Printed img/s factor (never a reason on its own). */
  ips?: number;
  /** Print compute/data times at all. @default true */
  times?: boolean;
  /** Relative jitter of compute times. @default 0.02 */
  jitter?: number;
}

const STEP = 0.35;

/** One node's DLL log: header, NCCL noise from other local ranks, 130 iterations. */
function dllLog(node: number, spec: NodeSpec, iters = 130, seed = node * 7 + 1): string[] {
  const rnd = prng(seed);
  const out = [
    `+ python /workspace/rn50/multiproc.py --nnodes 2 --node_rank ${node - 1} --nproc_per_node 8`,
    `DLL ${dllTime(T0_US)} - PARAMETER data : /data/imagenet  arch : resnet50  batch_size : 256  amp : True  world_size : 16 `,
    `node${node}:2549:2549 [0] NCCL INFO NET/IB : Using [0]mlx5_0:1/IB ; OOB ib0:10.0.0.${node}<0>`,
  ];
  for (let i = 1; i <= iters; i++) {
    const jitter = 1 + (spec.jitter ?? 0.02) * rnd();
    const compute = 0.29 * jitter * (spec.compute?.(i) ?? 1);
    const data = spec.data?.(i) ?? 0.0013;
    const us = T0_US + 5_000_000 + Math.round((i * STEP + (spec.lag?.(i) ?? 0) + 0.0005 * rnd()) * 1e6);
    const ips = (11_800 * (spec.ips ?? 1) * (1 + 0.01 * rnd())).toFixed(2);
    const times = spec.times === false ? '' : `  train.data_time : ${data.toFixed(4)} s  train.compute_time : ${compute.toFixed(4)} s`;
    out.push(`DLL ${dllTime(us)} - Epoch: 0 Iteration: ${i}  train.loss : 6.90000  train.total_ips : ${ips} img/s${times}`);
    // Other local ranks of the same node write into the same stream now and then.
    if (i % 7 === 0) out.push(`node${node}:2551:2551 [${i % 8}] NCCL INFO Channel 0${i % 4}/0 : ${i % 8}[${i % 8}] -> 0[0] via P2P/IPC`);
  }
  return out;
}

/** A run of `specs.length` nodes, lines interleaved round-robin (as live tailing delivers them). */
function dllRun(specs: NodeSpec[], opts: { iters?: number } = {}): { run: Run; texts: Map<string, string[]> } {
  const set = new RunSet();
  const n = specs.length;
  const files = specs.map((s, k) => ({ path: `logs/ngc/pytorch/${n}n8g/node${k + 1}/r50_b256_amp_1.log`, lines: dllLog(k + 1, s, opts.iters) }));
  const tracks = files.map((f) => set.openFile(f.path)!);
  const streams = files.map((f, k) => f.lines.map((text, i) => ({ k, text, lineNo: i + 1 })));
  for (const l of interleave(...streams)) {
    const t = tracks[l.k]!;
    const ev: LineEvent = { node: t.node, file: t.file, offset: 0, lineNo: l.lineNo, text: l.text, time: l.lineNo * 100 };
    set.line(t, ev);
  }
  for (const t of tracks) set.endFile(t);
  expect(set.runs.size).toBe(1);
  return { run: [...set.runs.values()][0]!, texts: new Map(files.map((f) => [f.path, f.lines])) };
}

const stragglers = (flags: Flag[]) => flags.filter((f) => f.kind === 'straggler');

describe('dllogger-pytorch parser: per-iteration compute and data times', () => {
  it('reads train.compute_time and train.data_time (seconds) when present, and nothing when absent', () => {
    const p = dlloggerPytorch.createParser();
    expect(p.parse('DLL 2021-03-15 01:21:56.433783 - Epoch: 0 Iteration: 40  train.loss : 6.69501  train.total_ips : 10771.21 img/s  train.data_time : 0.0014 s  train.compute_time : 0.3271 s')).toMatchObject({ computeS: 0.3271, dataS: 0.0014 });
    const plain = p.parse('DLL 2020-09-15 14:29:18.553769 - Epoch: 0 Iteration: 12  train.loss : 6.67351  train.total_ips : 10393.54 img/s') as object;
    expect(plain).not.toHaveProperty('computeS');
    expect(plain).not.toHaveProperty('dataS');
  });

  it('keeps a bounded per-file rolling window of the times, and windows that recycle cleanly', () => {
    const { run } = dllRun([{ compute: (i) => (i > 700 ? 1.12 : 1) }, {}], { iters: 1000 });
    for (const f of run.files) {
      expect(f.computeTimes.size).toBe(20);
      expect(f.dataTimes.size).toBe(20);
      const ws = f.iterWindows.windows(true);
      expect(ws).toHaveLength(64); // 63 closed + the open one (reusing the slot of the 64th)
      const keys = ws.map((w) => w.key);
      expect(keys).toEqual([...keys].sort((a, b) => a - b));
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys[keys.length - 1]).toBe(100); // iteration 1000, the last
      for (const w of ws.slice(0, -1)) {
        expect(w.n).toBe(10);
        expect(w.timed).toBe(10);
        expect(Array.from(itersOf(w))).toEqual(Array.from({ length: 10 }, (_, i) => w.firstIter + i));
      }
    }
    // the slow spell is within the recent windows: found
    expect(stragglers(runFlags(run, true)).map((f) => f.node)).toEqual(['node1']);
  });
});

describe('straggler (b): per-node compute time', () => {
  it('flags the node whose compute time is ~12 % above the others, for many consecutive windows, with one of its lines', () => {
    const { run, texts } = dllRun([{ compute: () => 1.12 }, {}]);
    const flags = stragglers(runFlags(run, true));
    expect(flags).toHaveLength(1);
    const f = flags[0]!;
    expect(f).toMatchObject({ kind: 'straggler', node: 'node1', confidence: 'confirmed', file: 'logs/ngc/pytorch/2n8g/node1/r50_b256_amp_1.log' });
    expect(f.detail).toMatch(/^\+1[12]\.\d % compute time vs the other nodes' median over \d+ consecutive windows of 10 iterations/);
    expect(f.evidence).toContain('train.compute_time');
    // The evidence is the line at that line number of that file.
    expect(texts.get(f.file!)![f.line! - 1]).toBe(f.evidence);
    expect(typeof f.time).toBe('number');
  });

  it('finds the one slow node among four; the others are not flagged', () => {
    const { run } = dllRun([{}, {}, { compute: () => 1.1 }, {}]);
    expect(stragglers(runFlags(run, true)).map((f) => f.node)).toEqual(['node3']);
  });

  it('ordinary jitter (±4 %) raises nothing', () => {
    const { run } = dllRun([{ jitter: 0.04 }, { jitter: 0.04 }, { jitter: 0.04 }]);
    expect(stragglers(runFlags(run, true))).toEqual([]);
  });

  it('a burst (two windows slow by 30 %) raises nothing; the persistence rule is what stops it', () => {
    const burst = { compute: (i: number) => (i >= 50 && i < 70 ? 1.3 : 1) };
    const { run } = dllRun([burst, {}]);
    expect(stragglers(runFlags(run, true))).toEqual([]);
    expect(stragglers(stragglerFlags(run, { persistence: 2 })).map((f) => f.node)).toEqual(['node1']);
  });

  it('a slowdown below minRelative is not a straggler; the threshold is an option', () => {
    const { run } = dllRun([{ compute: () => 1.05 }, {}]);
    expect(stragglers(runFlags(run, true))).toEqual([]);
    expect(stragglerFlags(run, { minRelative: 0.03 }).map((f) => f.node)).toEqual(['node1']);
    const { run: r12 } = dllRun([{ compute: () => 1.12 }, {}]);
    expect(stragglerFlags(r12, { minRelative: 0.15 })).toEqual([]);
  });

  it('never flags on printed img/s differences alone', () => {
    const { run } = dllRun([{ ips: 0.85 }, {}]);
    expect(stragglers(runFlags(run, true))).toEqual([]);
    const { run: noTimes } = dllRun([{ ips: 0.85, times: false }, { times: false }]);
    expect(stragglers(runFlags(noTimes, true))).toEqual([]);
  });

  it('a single-node run (one file) is never compared with itself', () => {
    const { run } = dllRun([{ compute: () => 1.5 }]);
    expect(stragglers(runFlags(run, true))).toEqual([]);
  });

  it('data-loading time that adds ≥ 8 % of a step on one node raises it, named as data loading', () => {
    const { run } = dllRun([{}, { data: () => 0.04 }]);
    const flags = stragglers(runFlags(run, true));
    expect(flags.map((f) => f.node)).toEqual(['node2']);
    expect(flags[0]!.detail).toMatch(/^data loading adds \+1\d\.\d % of a step vs the other nodes' median/);
    const { run: small } = dllRun([{}, { data: () => 0.005 }]);
    expect(stragglers(runFlags(small, true))).toEqual([]);
  });

  it('is announced while the run is still going (live): after a few windows, before the files end', () => {
    const set = new RunSet();
    const specs: NodeSpec[] = [{ compute: () => 1.12 }, {}];
    const files = specs.map((s, k) => ({ path: `logs/ngc/pytorch/2n8g/node${k + 1}/r50_b256_amp_1.log`, lines: dllLog(k + 1, s, 80) }));
    const tracks = files.map((f) => set.openFile(f.path)!);
    const run = () => [...set.runs.values()][0]!;
    const streams = files.map((f, k) => f.lines.map((text, i) => ({ k, text, lineNo: i + 1 })));
    let firstAt: number | null = null;
    for (const l of interleave(...streams)) {
      const t = tracks[l.k]!;
      set.line(t, { node: t.node, file: t.file, offset: 0, lineNo: l.lineNo, text: l.text, time: l.lineNo });
      if (firstAt === null && stragglers(runFlags(run(), false)).length) firstAt = l.lineNo;
    }
    expect(firstAt).not.toBeNull();
    expect(run().files.every((f) => !f.ended)).toBe(true);
  });
});

describe('straggler (c): lines of the same iteration arriving late from one node', () => {
  it('flags (suspected) a node whose lines carry a log time ~150 ms after the others, window after window', () => {
    const { run } = dllRun([{ times: false }, { times: false, lag: () => 0.15 }, { times: false }]);
    const flags = stragglers(runFlags(run, true));
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ node: 'node2', confidence: 'suspected' });
    expect(flags[0]!.detail).toMatch(/same iteration carry a log time 15\d ms after the other nodes' median over \d+ consecutive windows of 10 iterations/);
    expect(flags[0]!.evidence).toMatch(/^DLL .* Iteration: \d+ /);
  });

  it('clock skew of a few milliseconds raises nothing', () => {
    const { run } = dllRun([{ times: false }, { times: false, lag: () => 0.01 }]);
    expect(stragglers(runFlags(run, true))).toEqual([]);
  });

  it('a burst of late lines (two windows) raises nothing', () => {
    const { run } = dllRun([{ times: false }, { times: false, lag: (i) => (i >= 40 && i < 60 ? 0.3 : 0) }]);
    expect(stragglers(runFlags(run, true))).toEqual([]);
  });

  it('with compute times as well, one flag per node: the compute finding, naming the agreeing source', () => {
    const { run } = dllRun([{ compute: () => 1.12, lag: () => 0.15 }, {}, {}]);
    const flags = stragglers(runFlags(run, true));
    expect(flags).toHaveLength(1);
    expect(flags[0]!.detail).toMatch(/compute time/);
    expect(flags[0]!.detail).toMatch(/also slow by late lines/);
  });
});

// ---------------------------------------------------------------------------------------------
// (a) Megatron --log-straggler

const report = (min: number, minRank: number, max: number, maxRank: number, at = '2024-05-06 10:28:17') =>
  `INFO:megatron.core.utils:[${at}] | MnRtt/Rnk: ${min.toFixed(2)}ms/${minRank} | MxRtt/Rnk: ${max.toFixed(2)}ms/${maxRank} | MnPwr/Rnk: 184465W/21 | MxPwr/Rnk: 286613W/17 | MnEtpt/Rnk: 8.21TF/${maxRank} | MxEtpt/Rnk: 9.17TF/${minRank}`;
const ITER_LINE = (i: number) =>
  ` iteration      ${i}/     200 | consumed samples:         6400 | elapsed time per iteration (ms): 519.3 | learning rate: 4.031E-06 | global batch size:    64 | lm loss: 9.071234E+00 | loss scale: 262144.0 | grad norm: 1.456 | number of skipped iterations:   0 | number of nan iterations:   0 |`;

function megatronDetector(): MegatronStragglerDetector {
  return straggler.create() as MegatronStragglerDetector;
}

describe('straggler (a): Megatron --log-straggler reports', () => {
  it('parses MnRtt/MxRtt and MnEtpt/MxEtpt', () => {
    expect(parseStragglerReport(report(495.64, 3, 553.93, 21))).toMatchObject({ minMs: 495.64, minMsRank: 3, maxMs: 553.93, maxMsRank: 21, minTp: 8.21, minTpRank: 21, maxTp: 9.17, maxTpRank: 3, tpUnit: 'TF' });
    expect(parseStragglerReport('| MnRtt/Rnk: 1.5s/0 | MxRtt/Rnk: 1.7s/5 |')).toMatchObject({ minMs: 1500, maxMs: 1700, maxMsRank: 5 });
    expect(parseStragglerReport('INFO:megatron.core.utils:[x] | MnUtl/Rnk: 97%/25 | MxUtl/Rnk: 100%/0')).toBeUndefined();
    expect(parseStragglerReport(ITER_LINE(10))).toBeUndefined();
  });

  it('raises straggler naming the rank once it is the slowest in 3 consecutive reports; evidence = the third report', () => {
    const d = megatronDetector();
    const node0 = [report(495, 3, 553, 21), 'NCCL INFO comm 0x1 rank 0 nranks 32 - Init COMPLETE', report(490, 7, 540, 21), report(484, 31, 536, 21), report(480, 1, 530, 21)];
    const node3 = [ITER_LINE(10), ITER_LINE(20), ITER_LINE(30), ITER_LINE(40)];
    const raised = feed(d, interleave(onNode('node0', node0, 'pretrain_0.log'), onNode('node3', node3, 'pretrain_3.log')));
    expect(raised).toHaveLength(1);
    const [flag] = d.evaluate({ ...ctx(4, ['node0', 'node1', 'node2', 'node3']), gpusPerNode: 8 });
    expect(flag).toMatchObject({ kind: 'straggler', confidence: 'confirmed', node: 'node2', file: 'pretrain_0.log', line: 4, evidence: report(484, 31, 536, 21) });
    expect(flag!.detail).toMatch(/^rank 21 \(node2, local GPU 5\) is the slowest rank in 4 consecutive --log-straggler reports/);
  });

  it('a rank that is slowest only twice in a row (a burst) raises nothing', () => {
    const d = megatronDetector();
    feed(d, [report(495, 3, 553, 21), report(490, 7, 540, 21), report(490, 7, 540, 4), report(490, 7, 545, 21), report(490, 21, 500, 2)]);
    expect(d.evaluate(ctx(4))).toEqual([]);
  });

  it('a healthy run (slowest rank changes, spread ~2 %) raises nothing', () => {
    const d = megatronDetector();
    const ranks = [0, 3, 6, 12, 0, 17, 29, 3];
    feed(d, ranks.map((r, i) => report(486 + i, (r + 5) % 32, 496 + i, r)));
    expect(d.evaluate(ctx(4))).toEqual([]);
    // the same rank, always the slowest, but only 2 % behind: jitter, not a straggler
    const e = megatronDetector();
    feed(e, [0, 1, 2, 3, 4].map(() => report(490, 3, 500, 9)));
    expect(e.evaluate(ctx(4))).toEqual([]);
  });

  it('uses the throughput variant when a report has no round-trip times', () => {
    const d = megatronDetector();
    const line = (r: number) => `INFO:megatron.core.utils:[2024-05-06 10:28:17] | MnEtpt/Rnk: 8.21TF/${r} | MxEtpt/Rnk: 9.17TF/3`;
    feed(d, [line(21), line(21), line(21)]);
    const [flag] = d.evaluate(ctx(4));
    expect(flag?.detail).toMatch(/^rank 21 is the slowest rank in 3 consecutive/);
    expect(flag?.node).toBe('rank21');
  });

  it('options: a stricter persistence or threshold re-judges the stored reports', () => {
    const d = megatronDetector();
    feed(d, [report(495, 3, 553, 21), report(490, 7, 540, 21), report(484, 31, 536, 21)]);
    const map = rankMapper(['node0', 'node1', 'node2', 'node3'], 4, 8);
    expect(d.findings({ persistence: 3 }, map)).toHaveLength(1);
    expect(d.findings({ persistence: 4 }, map)).toEqual([]);
    expect(d.findings({ minRelative: 0.2 }, map)).toEqual([]);
  });

  it('is registered among the line detectors', () => {
    expect(createLineDetectors().some((x) => x instanceof MegatronStragglerDetector)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Demo archives, end to end

describe('demo archives', () => {
  it('ResNet50 demo: node1 is the straggler on 2n8g repeat 3, and on no other run', async () => {
    const s = await summarize(['replays/resnet50-scaling-demo.tgz']);
    const hits = s.runs.filter((r) => r.flags.some((f) => f.kind === 'straggler'));
    expect(hits.map((r) => r.source)).toEqual(['logs/ngc/pytorch/2n8g/node1/r50_b256_amp_3.log']);
    const f = hits[0]!.flags.filter((x) => x.kind === 'straggler');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ node: 'node1', file: 'logs/ngc/pytorch/2n8g/node1/r50_b256_amp_3.log' });
    expect(f[0]!.detail).toMatch(/^\+1[12]\.\d % compute time/);
    expect(f[0]!.evidence).toMatch(/^DLL .* train\.compute_time : 0\.3\d+ s$/);
    // no scaling flag: 0.96 / 0.93 / 0.91
    expect(s.groups.flatMap((g) => g.flags).filter((x) => x.kind === 'scaling')).toEqual([]);
  });

  it('GPT demo: rank 21 on 4n8g r2 only', async () => {
    const s = await summarize(['replays/gpt-scaling-demo.tgz']);
    const hits = s.runs.filter((r) => r.flags.some((f) => f.kind === 'straggler'));
    expect(hits.map((r) => r.source)).toHaveLength(1);
    expect(hits[0]!.source).toMatch(/\/4n8g\/r2\//);
    const f = hits[0]!.flags.filter((x) => x.kind === 'straggler');
    expect(f).toHaveLength(1);
    expect(f[0]!.detail).toMatch(/^rank 21 \(node2, local GPU 5\) is the slowest rank in 20 consecutive --log-straggler reports/);
    expect(f[0]!.evidence).toMatch(/MxRtt\/Rnk: [\d.]+ms\/21/);
    expect(f[0]!.node).toBe('node2');
  });

  it('replay: the straggler is announced once, on node1 of 2n8g r3, and its node row carries the SLOW marker', async () => {
    const chunks: string[] = [];
    const out = new Writable({
      write(c: Buffer | string, _e, cb) {
        chunks.push(String(c));
        cb();
      },
    });
    await replayHeadless({ inputs: ['replays/resnet50-scaling-demo.tgz'], speed: 'max', out });
    const lines = chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const events = lines.filter((l) => l.type === 'event' && l.event === 'flag' && l.flag.kind === 'straggler');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ node: 'node1', source: 'logs/ngc/pytorch/2n8g/node1/r50_b256_amp_3.log' });
    const last = lines[lines.length - 1];
    const rows = (last.nodes as NodeView[]).filter((n) => n.flags.some((f) => f.kind === 'straggler'));
    expect(rows.map((n) => n.source)).toEqual(['logs/ngc/pytorch/2n8g/node1/r50_b256_amp_3.log']);
    expect(nodeBadges(rows[0]!)).toContain('SLOW');
  });

  it('replay (GPT): the flag sits on the slow node (node2) row, not on node0 whose log printed the report', async () => {
    const chunks: string[] = [];
    const out = new Writable({
      write(c: Buffer | string, _e, cb) {
        chunks.push(String(c));
        cb();
      },
    });
    await replayHeadless({ inputs: ['replays/gpt-scaling-demo.tgz'], speed: 'max', out });
    const lines = chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const events = lines.filter((l) => l.type === 'event' && l.event === 'flag' && l.flag.kind === 'straggler');
    expect(events).toHaveLength(1);
    expect(events[0].node).toBe('node2');
    expect(events[0].run).toMatch(/4n8g\/r2\//);
    const last = lines[lines.length - 1];
    const rows = (last.nodes as NodeView[]).filter((n) => n.flags.some((f) => f.kind === 'straggler'));
    expect(rows.map((n) => n.node)).toEqual(['node2']);
    expect(rows[0]!.source).toMatch(/4n8g\/r2\/.*_pretrain_2\.log$/);
  });
});

describe('node-table marker', () => {
  const node = (flags: Flag[], deviation: number | null): NodeView =>
    ({ node: 'node1', source: 'a.log', run: 'r', state: 'streaming', bytes: 0, lines: 0, last_line_age_s: 0, iteration: 1, phase: 'measuring', throughput_instant: null, throughput_rolling_median: null, step_time_s: null, compute_time_s: null, data_time_s: null, deviation, deviation_of: 'throughput', arrival_lag_s: null, note: null, flags, series: [] }) as NodeView;
  it('a straggler flag shows SLOW once, also when the node lags the median', () => {
    const f: Flag = { kind: 'straggler', evidence: 'x', node: 'node1' };
    expect(badgeOf(f)).toBe('SLOW');
    expect(nodeBadges(node([f], 0))).toEqual(['SLOW']);
    expect(nodeBadges(node([f], -0.2))).toEqual(['SLOW']);
  });
});
