/**
 * Issue 15: the NDJSON snapshots carry the sweep's scaling table (`groups[]`), and once the input
 * ended it is `summary --format json`'s groups, key for key, flags included — on every demo
 * archive and every golden fixture (seeds, NGC TF, formats). Also a regression for the findings
 * grouping adds (an outlier repeat): each is listed once however many snapshots were built.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../../src/pipeline/summarize.ts';
import { replayHeadless } from '../../../src/pipeline/replay-headless.ts';
import { parseNdjson, replayInputs, ROOT, sink } from './helpers.ts';

/** Plus the other golden fixture dirs (summary's golden tests read them too). */
function goldenDirs(): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  for (const parent of ['test/fixtures/ngc-tf', 'test/fixtures/formats']) {
    const dir = join(ROOT, parent);
    if (!existsSync(dir)) continue;
    for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (d.isDirectory()) out.push({ name: `${parent.replace('test/fixtures/', '')}/${d.name}`, path: join(dir, d.name) });
    }
  }
  return out;
}

const inputs = [...replayInputs(), ...goldenDirs()];
const json = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

describe("the last snapshot's groups are summary's groups", () => {
  it('has demo archives and golden fixtures to check', () => {
    expect(replayInputs().filter((i) => i.name.startsWith('replays/')).length).toBe(3);
    expect(inputs.length).toBeGreaterThan(20);
  });

  it.each(inputs)('$name', async ({ name, path }) => {
    const { out, text } = sink();
    await replayHeadless({ inputs: [path], speed: 'max', out });
    const all = parseNdjson(text());
    // The demo logs carry clocks: no line is stamped 1970, not even the first ones at max speed.
    if (name.startsWith('replays/')) expect(all.filter((l) => l.time.startsWith('1970')).map((l) => JSON.stringify(l).slice(0, 200))).toEqual([]);
    const snaps = all.filter((l) => l.type === 'snapshot');
    const last = snaps.at(-1)!;
    const want = await summarize([path]);
    expect(want.groups.length).toBeGreaterThan(0);
    // JSON round trip on both sides: what a script reading either output sees.
    expect(last['groups']).toEqual(json(want.groups));
    // Every snapshot has groups[], not only the last.
    for (const s of snaps) expect(Array.isArray(s['groups'])).toBe(true);
    // Runs' flags too (grouping adds the outlier finding to its run): each kind as often as summary has it.
    const kinds = (runs: { source: string; flags: { kind: string }[] }[]) => Object.fromEntries(runs.map((r) => [r.source, r.flags.map((f) => f.kind).sort()]));
    expect(kinds(last['runs'] as never)).toEqual(kinds(want.runs));
  });
});

describe('groups fill in as repeats finish', () => {
  it('the ResNet50 demo: 1n1g first, then each configuration, with the published figures at the end', async () => {
    const { out, text } = sink();
    await replayHeadless({ inputs: [join(ROOT, 'replays/resnet50-scaling-demo.tgz')], speed: 'max', out });
    const snaps = parseNdjson(text()).filter((l) => l.type === 'snapshot');
    type G = { num_nodes: number; gpu_num_per_node: number; runs: number; runs_expected: number; speedup: number | null; scaling_efficiency: number | null; flags: { kind: string }[] };
    const groups = snaps.map((s) => s['groups'] as G[]);
    // The first snapshot (end of the first run): one group, one repeat with a figure.
    expect(groups[0]!.map((g) => [`${g.num_nodes}n${g.gpu_num_per_node}g`, g.runs])).toEqual([['1n1g', 1]]);
    // Repeats done only grow, group by group.
    const seen = new Map<string, number>();
    for (const gs of groups) {
      for (const g of gs) {
        const k = `${g.num_nodes}n${g.gpu_num_per_node}g`;
        expect(g.runs).toBeGreaterThanOrEqual(seen.get(k) ?? 0);
        seen.set(k, g.runs);
      }
    }
    const end = groups.at(-1)!;
    expect(end.map((g) => (g.speedup === null ? null : Number(g.speedup.toFixed(2))))).toEqual([1, 7.72, 14.81, 29.12]);
    expect(end.map((g) => (g.scaling_efficiency === null ? null : Number(g.scaling_efficiency.toFixed(3))))).toEqual([1, 0.965, 0.926, 0.91]);
    expect(end.map((g) => [g.runs, g.runs_expected])).toEqual([[5, 5], [5, 5], [5, 5], [5, 5]]);
    // The planted outlier (2n8g repeat 3) is one finding on its group and on its run, not one per snapshot.
    expect(end[2]!.flags.map((f) => f.kind)).toEqual(['outlier']);
    const runs = snaps.at(-1)!['runs'] as { source: string; flags: { kind: string }[]; speedup: number | null; scaling_efficiency: number | null; gpu_num_per_node: number; num_nodes: number }[];
    const r3 = runs.find((r) => r.source.endsWith('2n8g/node1/r50_b256_amp_3.log'))!;
    expect(r3.flags.filter((f) => f.kind === 'outlier')).toHaveLength(1);
    // A one-GPU run is the baseline: no speedup, no "efficiency 100.2 %".
    for (const r of runs.filter((x) => x.num_nodes * x.gpu_num_per_node === 1)) expect([r.speedup, r.scaling_efficiency]).toEqual([null, null]);
    expect(runs.filter((x) => x.num_nodes * x.gpu_num_per_node > 1).every((r) => r.speedup !== null && r.scaling_efficiency !== null)).toBe(true);
  });
});
