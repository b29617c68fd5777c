import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize, type SummaryResult } from '../../../src/pipeline/summarize.ts';
import { summaryJsonChunks } from '../../../src/report/json.ts';
import { VERSION } from '../../../src/shared/version.ts';

// Issue #12, memory: reducing ended files (FileTrack.release), freezing finished runs
// (freeze-plan.ts), pooling report texts and streaming the JSON change no byte of the result.

const fixtures = new URL('../../fixtures/', import.meta.url).pathname;
const repo = new URL('../../../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-memory-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ngc = readFileSync(join(fixtures, 'public/ngc-mxnet-rn50-dll-1n8g.log'), 'utf8');

/** Multi-file runs spread over node directories (a run's files far apart in walk order), rank files, repeats, non-logs. */
function spreadTree(): string {
  const root = join(tmp, 'spread');
  const lines = ngc.split('\n');
  for (const node of ['node0', 'node1', 'node2']) {
    for (const r of [1, 2, 3]) {
      const d = join(root, node, 'logs', '1n8g');
      mkdirSync(d, { recursive: true });
      // Each node's copy differs (a slower node, a cut log) so a merge mistake changes the numbers.
      const n = node === 'node2' && r === 2 ? Math.floor(lines.length / 3) : lines.length;
      writeFileSync(join(d, `r50_b256_amp_${r}.log`), lines.slice(0, n).map((l) => (node === 'node1' ? l.replace(/(\d+\.\d\d)( img\/s)/, (_m, v, u) => `${(Number(v) * 0.9).toFixed(2)}${u}`) : l)).join('\n'));
    }
  }
  const ranks = join(root, 'ranks');
  mkdirSync(ranks, { recursive: true });
  for (const k of [0, 1]) writeFileSync(join(ranks, `megatron_gpt_rank${k}.log`), ngc);
  writeFileSync(join(root, 'notes.txt'), 'not a log\n');
  writeFileSync(join(root, 'README.md'), '# readme\n');
  return root;
}

async function pair(inputs: string[]): Promise<[SummaryResult, SummaryResult]> {
  const lean = await summarize(inputs);
  const full = await summarize(inputs, { release: false });
  return [lean, full];
}

const sets: [string, () => string[]][] = [
  ['golden seeds', () => [join(fixtures, 'seeds')]],
  ['format fixtures', () => [join(fixtures, 'formats')]],
  ['damaged logs', () => [join(fixtures, 'damaged')]],
  ['signal fixtures', () => [join(fixtures, 'signals')]],
  ['public fixtures', () => [join(fixtures, 'public')]],
  ['NGC TF fixtures', () => [join(fixtures, 'ngc-tf')]],
  ['demo archives', () => ['bert-scaling-demo.tgz', 'gpt-scaling-demo.tgz', 'resnet50-scaling-demo.tgz'].map((f) => join(repo, 'replays', f))],
  ['runs spread over node directories', () => [spreadTree()]],
  ['the same tree twice', () => [join(fixtures, 'signals'), join(fixtures, 'signals')]],
];

describe('released files and frozen runs: the same summary as keeping everything', () => {
  for (const [name, inputs] of sets) {
    it(name, async () => {
      const [lean, full] = await pair(inputs());
      expect(lean.runs.length).toBeGreaterThan(0);
      if (name.startsWith('runs spread')) expect(lean.runs.filter((r) => r.files.length === 3)).toHaveLength(3);
      expect(lean).toStrictEqual(full);
    });
  }

  it('HTML history is kept through a frozen run', async () => {
    const root = spreadTree();
    const lean = await summarize([root], { history: true });
    const full = await summarize([root], { history: true, release: false });
    expect(lean.series!.size).toBeGreaterThan(0);
    expect(lean.series).toStrictEqual(full.series);
  });
});

describe('streamed JSON', () => {
  for (const [name, inputs] of sets) {
    it(`is JSON.stringify's text, byte for byte: ${name}`, async () => {
      const s = await summarize(inputs());
      const doc = { schema: 1, tool: 'dlperf-top', version: VERSION, inputs: s.inputs, runs: s.runs, groups: s.groups, problems: s.problems, skipped: s.skipped };
      const chunks = [...summaryJsonChunks(s)];
      expect(chunks.length).toBeGreaterThan(s.runs.length);
      expect(chunks.join('')).toBe(JSON.stringify(doc, null, 2) + '\n');
    });
  }

  it('empty arrays and strings that hold newlines and escapes', () => {
    const s = { inputs: ['a\nb'], runs: [{ x: 'line\none', y: [], z: {}, w: [1, [2, { v: '\u202e\x1b]0;t\x07' }]] }], groups: [], problems: [{ message: 'p\r\n' }], skipped: [] } as unknown as SummaryResult;
    const doc = { schema: 1, tool: 'dlperf-top', version: VERSION, inputs: s.inputs, runs: s.runs, groups: s.groups, problems: s.problems, skipped: s.skipped };
    expect([...summaryJsonChunks(s)].join('')).toBe(JSON.stringify(doc, null, 2) + '\n');
  });
});
