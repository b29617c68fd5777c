import { describe, expect, it } from 'vitest';
import type { Flag } from '../../../src/core/types.ts';
import { aggregate } from '../../../src/metrics/aggregate.ts';
import type { RunReport } from '../../../src/metrics/run-report.ts';
import { summarize } from '../../../src/pipeline/summarize.ts';
import { summaryMarkdown } from '../../../src/report/markdown.ts';
import type { Transport } from '../../../src/signals/types.ts';

const TF2 = new URL('../../fixtures/public/dlperf-tf2-rn50-archive/', import.meta.url).pathname;
const PER_GPU = 800;

/** A finished run of a ResNet50-like sweep with the given scaling efficiency. */
function run(nodes: number, gpus: number, repeat: number, efficiency: number, extra: { flags?: Flag[]; transport?: Transport } = {}): RunReport {
  const source = `logs/ngc/pytorch/${nodes}n${gpus}g/${nodes > 1 ? 'node1/' : ''}r50_b256_amp_${repeat}.log`;
  return {
    source,
    format: 'dllogger-pytorch',
    framework: 'pytorch',
    model: 'resnet50',
    precision: 'amp',
    num_nodes: nodes,
    gpu_num_per_node: gpus,
    batch_size_per_device: 256,
    repeat,
    throughput: PER_GPU * nodes * gpus * efficiency * (1 + (repeat - 3) * 0.001),
    throughput_method: 'timestamps',
    throughput_crosscheck: null,
    window: { start_iter: 25, end_iter: 125 },
    latency_ms: null,
    memory_mib: null,
    status: 'ok',
    flags: extra.flags ?? [],
    files: [{ file: source, node: 'node1', lines: 200, format: 'dllogger-pytorch' }],
    transport: extra.transport ?? (nodes > 1 ? 'ib' : 'intra_node'),
  };
}

const ibFlag = (source: string): Flag => ({
  kind: 'ib_fallback',
  confidence: 'confirmed',
  evidence: 'node1:2549:2549 [0] NCCL INFO Using network Socket',
  file: source,
  line: 24,
  node: 'node1',
});

/** 1n1g, 1n8g and 2n8g (and optionally 4n8g) × 5 repeats. */
function sweep(eff: { n1g8: number; n2g8: number; n4g8?: number }, opts: { ib2n?: boolean | number[] } = {}): RunReport[] {
  const out: RunReport[] = [];
  for (let r = 1; r <= 5; r++) {
    out.push(run(1, 1, r, 1));
    out.push(run(1, 8, r, eff.n1g8));
    const ib = opts.ib2n === true || (Array.isArray(opts.ib2n) && opts.ib2n.includes(r));
    const src = `logs/ngc/pytorch/2n8g/node1/r50_b256_amp_${r}.log`;
    out.push(run(2, 8, r, eff.n2g8, ib ? { flags: [ibFlag(src)], transport: 'socket' } : {}));
    if (eff.n4g8 !== undefined) out.push(run(4, 8, r, eff.n4g8));
  }
  return out;
}

const scalingFlags = (groups: ReturnType<typeof aggregate>) => groups.flatMap((g) => g.flags.filter((f) => f.kind === 'scaling').map((f) => ({ g, f })));

describe('scaling sanity (aggregate)', () => {
  it('marks a 2n8g group whose efficiency collapses, naming InfiniBand fallback as the likely cause', () => {
    const groups = aggregate(sweep({ n1g8: 0.96, n2g8: 0.75 }, { ib2n: true }));
    const hits = scalingFlags(groups);
    expect(hits).toHaveLength(1);
    const { g, f } = hits[0]!;
    expect([g.num_nodes, g.gpu_num_per_node]).toEqual([2, 8]);
    expect(f.detail).toMatch(/^2n8g efficiency 0\.75 vs 0\.96 at 1n8g/);
    expect(f.detail).toContain('likely cause: InfiniBand fallback on logs/ngc/pytorch/2n8g/node1/r50_b256_amp_1.log');
    expect(f.detail).toContain('(5 of 5 runs)');
    expect(f.evidence).toMatch(/scaling_efficiency 0\.75\d at 2n8g \(16 GPUs\) vs 0\.96\d at 1n8g \(8 GPUs\)/);
  });

  it('names only the runs that carry ib_fallback', () => {
    const [hit] = scalingFlags(aggregate(sweep({ n1g8: 0.96, n2g8: 0.75 }, { ib2n: [2, 4] })));
    expect(hit!.f.detail).toContain('InfiniBand fallback on logs/ngc/pytorch/2n8g/node1/r50_b256_amp_2.log, logs/ngc/pytorch/2n8g/node1/r50_b256_amp_4.log (2 of 5 runs)');
  });

  it('without IB fallback the drop is still marked, with no cause named', () => {
    const [hit] = scalingFlags(aggregate(sweep({ n1g8: 0.96, n2g8: 0.8 })));
    expect(hit!.f.detail).toMatch(/^2n8g efficiency 0\.80 vs 0\.96 at 1n8g \(drop 0\.16 > 0\.10\)$/);
  });

  it('healthy inter-node scaling (0.96 → 0.93 → 0.91) is not marked', () => {
    expect(scalingFlags(aggregate(sweep({ n1g8: 0.96, n2g8: 0.93, n4g8: 0.91 })))).toEqual([]);
  });

  it('compares with the best smaller sibling, not only the next one', () => {
    const hits = scalingFlags(aggregate(sweep({ n1g8: 0.96, n2g8: 0.9, n4g8: 0.84 })));
    expect(hits).toHaveLength(1);
    expect(hits[0]!.g.num_nodes).toBe(4);
    expect(hits[0]!.f.detail).toMatch(/^4n8g efficiency 0\.84 vs 0\.96 at 1n8g/);
  });

  it('the 1-GPU baseline (efficiency 1 by definition) is not a sibling', () => {
    const runs = sweep({ n1g8: 0.96, n2g8: 0.88 }).filter((r) => !(r.num_nodes === 1 && r.gpu_num_per_node === 8));
    expect(scalingFlags(aggregate(runs))).toEqual([]);
  });

  it('the threshold is an option; by default only multi-node groups are judged', () => {
    const runs = sweep({ n1g8: 0.96, n2g8: 0.8 });
    expect(scalingFlags(aggregate(runs, { scaling: { maxDrop: 0.2 } }))).toEqual([]);
    expect(scalingFlags(aggregate(runs, { scaling: { maxDrop: 0.05 } }))).toHaveLength(1);
    const single = [1, 2, 3].flatMap((r) => [run(1, 1, r, 1), run(1, 4, r, 0.95), run(1, 8, r, 0.7)]);
    expect(scalingFlags(aggregate(single))).toEqual([]);
    expect(scalingFlags(aggregate(single, { scaling: { multiNodeOnly: false } })).map((h) => h.g.gpu_num_per_node)).toEqual([8]);
  });

  it('needs a speedup baseline: without 1n1g there is no efficiency and nothing is judged', () => {
    const runs = sweep({ n1g8: 0.96, n2g8: 0.6 }).filter((r) => r.gpu_num_per_node !== 1);
    expect(scalingFlags(aggregate(runs))).toEqual([]);
  });

  it("DLPerf's real TF2 archive (efficiencies 0.89–0.96) raises no scaling flag", async () => {
    const s = await summarize([TF2]);
    const effs = s.groups.map((g) => g.scaling_efficiency).filter((e): e is number => e !== null && e < 1);
    expect(Math.min(...effs)).toBeGreaterThan(0.88);
    expect(s.groups.flatMap((g) => g.flags).filter((f) => f.kind === 'scaling')).toEqual([]);
  });

  it('Markdown lists a scaling flag in Findings', () => {
    const runs = sweep({ n1g8: 0.96, n2g8: 0.75 }, { ib2n: true });
    const md = summaryMarkdown({ inputs: [], runs, groups: aggregate(runs), problems: [], skipped: [], files: 0, lines: 0 });
    expect(md).toMatch(/- \*\*scaling\*\* — resnet50 amp 2n8g b256: 2n8g efficiency 0\.75 vs 0\.96 at 1n8g .*likely cause: InfiniBand fallback/);
  });
});

describe('transport in the summary', () => {
  it('every run report carries its transport; multi-node runs without NCCL INFO lines are not_visible, never fine', async () => {
    const s = await summarize([TF2]);
    const multi = s.runs.filter((r) => (r.num_nodes ?? 0) > 1);
    expect(multi.length).toBeGreaterThan(0);
    expect(new Set(multi.map((r) => r.transport))).toEqual(new Set(['not_visible']));
    const md = summaryMarkdown(s);
    const line = md.split('\n').find((l) => l.includes('transport not visible (NCCL_DEBUG not INFO)'));
    expect(line).toBeDefined();
    expect(line).toContain(`${multi.length} multi-node run(s)`);
    for (const r of multi) expect(line).toContain(r.source);
    expect(md).not.toContain('No findings');
    // Single-node runs are not listed.
    for (const r of s.runs.filter((x) => x.num_nodes === 1)) expect(line).not.toContain(r.source);
  });

  it('the ResNet50 demo reports ib for healthy multi-node runs and socket for the fallback run; nothing listed as not visible', async () => {
    const s = await summarize(['replays/resnet50-scaling-demo.tgz']);
    const multi = s.runs.filter((r) => (r.num_nodes ?? 0) > 1);
    expect(multi.filter((r) => r.transport === 'socket').map((r) => r.source)).toEqual(['logs/ngc/pytorch/2n8g/node1/r50_b256_amp_3.log']);
    expect(multi.filter((r) => r.transport !== 'socket').every((r) => r.transport === 'ib')).toBe(true);
    expect(summaryMarkdown(s)).not.toContain('transport not visible');
    const json = JSON.parse(JSON.stringify(s.runs[0]));
    expect(json).toHaveProperty('transport');
  });
});
