import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize, type SummaryResult } from '../../../src/pipeline/summarize.ts';
import { summaryJsonChunks } from '../../../src/report/json.ts';
import { summaryMarkdownPieces } from '../../../src/report/markdown.ts';
import { summaryCsvPieces } from '../../../src/report/csv.ts';
import { summaryText } from '../../../src/cli/summary-outcome.ts';
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

  it('an item that holds a long array (a group of 1,000 repeats) is written in pieces, byte for byte', () => {
    const sources = Array.from({ length: 1000 }, (_, i) => `runs/r50 → ${i}\n.log`);
    const group = { model: 'resnet50', sources, empty: {}, none: [], gone: undefined, f: () => 1, nested: { deep: [{ list: sources.slice(0, 300), x: null }] }, flags: [{ kind: 'incomplete' }] };
    const s = { inputs: ['a'], runs: [{ source: 'x', flags: [], files: [{ file: 'x' }] }], groups: [group, { model: 'bert', sources: ['b'] }], problems: [], skipped: [] } as unknown as SummaryResult;
    const doc = { schema: 1, tool: 'dlperf-top', version: VERSION, inputs: s.inputs, runs: s.runs, groups: s.groups, problems: s.problems, skipped: s.skipped };
    const chunks = [...summaryJsonChunks(s)];
    expect(chunks.join('')).toBe(JSON.stringify(doc, null, 2) + '\n');
    // No piece holds the list: the largest is one source or a small item.
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(200);
  });

  it('empty arrays and strings that hold newlines and escapes', () => {
    const s = { inputs: ['a\nb'], runs: [{ x: 'line\none', y: [], z: {}, w: [1, [2, { v: '\u202e\x1b]0;t\x07' }]] }], groups: [], problems: [{ message: 'p\r\n' }], skipped: [] } as unknown as SummaryResult;
    const doc = { schema: 1, tool: 'dlperf-top', version: VERSION, inputs: s.inputs, runs: s.runs, groups: s.groups, problems: s.problems, skipped: s.skipped };
    expect([...summaryJsonChunks(s)].join('')).toBe(JSON.stringify(doc, null, 2) + '\n');
  });
});

// Markdown and CSV were one string each (100k tiny logs: 44 MB of two-byte Markdown, 530 MiB
// peak); they are written a line at a time now, like the JSON.
describe('streamed Markdown and CSV', () => {
  const many = (): string[] => {
    const root = join(tmp, 'many-small');
    mkdirSync(root, { recursive: true });
    const cut = ngc.split('\n').slice(0, 40).join('\n');
    for (let i = 0; i < 300; i++) writeFileSync(join(root, `r50_b256_amp_${i}.log`), cut);
    return [root];
  };
  for (const [name, inputs] of [...sets, ['300 short logs', many] as [string, () => string[]]]) {
    it(`one line or so per piece, whatever the number of runs: ${name}`, async () => {
      const s = await summarize(inputs());
      for (const [format, pieces] of [['md', [...summaryMarkdownPieces(s)]], ['csv', [...summaryCsvPieces(s)]]] as const) {
        expect(pieces.length, format).toBeGreaterThan(s.runs.length);
        // The largest piece is a finding or a row (a side-by-side table at most), never the document.
        const text = pieces.join('');
        const largest = Math.max(...pieces.map((p) => p.length));
        expect(largest, format).toBeLessThan(Math.max(4096, text.length / 4));
        // What summary writes is these pieces.
        const written = [...(await summaryText(s, { format, failOn: [] } as never))];
        expect(written.length, format).toBe(pieces.length);
        expect(written.join(''), format).toBe(text);
      }
    });
  }
});

// Archives: a run is frozen some runs after it ends (late-freeze.ts); a later member of a frozen
// run makes it a redo, read again in a second pass. With the limit at 0 or 1 nearly every
// multi-file run of the spread tree is frozen too early: the result must not change.
describe('archives: late freezing and the second read', () => {
  const tgz = (root: string, name: string) => {
    const out = join(tmp, name);
    execFileSync('tar', ['-C', root, '-czf', out, '.']);
    return out;
  };

  for (const [keep, bytes] of [[0, undefined], [1, undefined], [3, undefined], [256, undefined], [256, 1]] as const) {
    it(`the same summary as keeping everything, ${keep} ended run(s) kept${bytes ? `, ${bytes} byte(s) of their text` : ''}`, async () => {
      const archive = tgz(spreadTree(), `spread-${keep}-${bytes}.tgz`);
      let reread = 0;
      const lean = await summarize([archive], { lateFreezeRuns: keep, ...(bytes ? { lateFreezeBytes: bytes } : {}), onReread: (n) => void (reread = n) });
      const full = await summarize([archive], { release: false });
      expect(lean.runs.filter((r) => r.files.length === 3)).toHaveLength(3);
      // node0/…, node1/…, node2/… hold the three files of each repeat far apart: with few runs kept, they are read again.
      if (keep <= 1 || bytes) expect(reread).toBeGreaterThan(0);
      else if (keep === 256) expect(reread).toBe(0);
      expect(lean).toStrictEqual(full);
      expect([...summaryJsonChunks(lean)].join('')).toBe([...summaryJsonChunks(full)].join(''));
    });
  }

  it('plain file arguments and the demo archives, frozen at once', async () => {
    const root = spreadTree();
    const files = ['node0', 'node1', 'node2'].flatMap((n) => [1, 2, 3].map((r) => join(root, n, 'logs', '1n8g', `r50_b256_amp_${r}.log`)));
    const demos = ['bert-scaling-demo.tgz', 'gpt-scaling-demo.tgz', 'resnet50-scaling-demo.tgz'].map((f) => join(repo, 'replays', f));
    for (const inputs of [files, demos]) {
      const lean = await summarize(inputs, { lateFreezeRuns: 0 });
      expect(lean).toStrictEqual(await summarize(inputs, { release: false }));
    }
  });

  it('a duplicate member of a frozen run: the run still carries its flag', async () => {
    const root = join(tmp, 'dup');
    mkdirSync(join(root, 'b'), { recursive: true });
    writeFileSync(join(root, 'a_1n1g.log'), ngc);
    writeFileSync(join(root, 'b', 'r50_b256_amp_1.log'), ngc);
    writeFileSync(join(root, 'b', 'r50_b256_amp_2.log'), ngc);
    const out = join(tmp, 'dup.tar');
    // The same path twice: tar -r appends a second copy after the other runs.
    execFileSync('tar', ['-C', root, '-cf', out, 'a_1n1g.log', 'b']);
    execFileSync('tar', ['-C', root, '-rf', out, 'a_1n1g.log']);
    const lean = await summarize([out], { lateFreezeRuns: 0 });
    const full = await summarize([out], { release: false });
    expect(lean.problems.some((p) => p.kind === 'duplicate_member')).toBe(true);
    expect(lean.runs.find((r) => r.source.endsWith('a_1n1g.log'))!.flags.some((f) => f.kind === 'duplicate_member')).toBe(true);
    expect(lean).toStrictEqual(full);
  });

  it('a file that changed between the two reads is reported, not mixed in silently', async () => {
    const root = join(tmp, 'changing');
    for (const n of ['node0', 'node1']) mkdirSync(join(root, n), { recursive: true });
    for (const f of ['node0/r50_b256_amp_1.log', 'node0/r50_b256_amp_2.log', 'node1/r50_b256_amp_1.log']) writeFileSync(join(root, f), ngc);
    const inputs = ['node0/r50_b256_amp_1.log', 'node0/r50_b256_amp_2.log', 'node1/r50_b256_amp_1.log'].map((f) => join(root, f));
    const s = await summarize(inputs, { lateFreezeRuns: 0, onReread: () => appendFileSync(inputs[0]!, 'one more line\n') });
    const changed = s.problems.filter((p) => p.kind === 'unreadable');
    expect(changed).toHaveLength(1);
    expect(changed[0]!.message).toMatch(/changed while summary read them \(\d+ lines at the first read, \d+ at the second\)/);
    expect(s.runs.find((r) => r.files.length === 2)).toBeDefined();
  });
});
