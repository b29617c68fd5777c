/**
 * `dlperf-top compare` on test sets built from the demo archive by transforming its real log lines
 * (test/helpers/transform-logs.ts): itself, one configuration 6 % slower, ±1 % jitter, one repeat.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { EXIT } from '../../../src/cli/errors.ts';
import { copyTransformed, perRunFactor, stretchDll } from '../../helpers/transform-logs.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DEMO = join(ROOT, 'replays/resnet50-scaling-demo.tgz');
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-compare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (a: string[]) => Object.assign(new PassThrough(), { write: (s: string) => (a.push(String(s)), true) }) as unknown as NodeJS.WritableStream;
  const code = await main(args, { stdout: sink(out), stderr: sink(err), stdin: new PassThrough(), isTTY: false });
  return { code, out: out.join(''), err: err.join('') };
}

interface Group {
  num_nodes: number;
  gpu_num_per_node: number;
  verdict: string;
  reason: string;
  change: number | null;
  interval: [number, number] | null;
  inconclusive_reason: string | null;
  candidate_flags: { kind: string; text: string }[];
}
const shape = (g: Group) => `${g.num_nodes}n${g.gpu_num_per_node}g`;
const verdicts = (doc: { groups: Group[] }) => Object.fromEntries(doc.groups.map((g) => [shape(g), g.verdict]));

let slow4n: string;
let jitter: string;
let onlyFirst: string;
let onlyFirstSlow: string;
let onlyFirstVerySlow: string;
let no1n1g: string;
beforeAll(async () => {
  const keepAll = (m: string) => m.endsWith('.log');
  slow4n = await copyTransformed(DEMO, join(tmp, 'slow4n'), (l, c) => (c.member.includes('/4n8g/') ? stretchDll(l, c, 1.06) : l));
  const j = perRunFactor(0.01, 7);
  jitter = await copyTransformed(DEMO, join(tmp, 'jitter'), (l, c) => stretchDll(l, c, j(c.run)));
  const first = (m: string) => keepAll(m) && /_1\.log$/.test(m);
  onlyFirst = await copyTransformed(DEMO, join(tmp, 'first'), (l) => l, first);
  onlyFirstSlow = await copyTransformed(DEMO, join(tmp, 'first-slow'), (l, c) => (c.member.includes('/4n8g/') ? stretchDll(l, c, 1.06) : l), first);
  onlyFirstVerySlow = await copyTransformed(DEMO, join(tmp, 'first-very-slow'), (l, c) => (c.member.includes('/4n8g/') ? stretchDll(l, c, 1.25) : l), first);
  no1n1g = await copyTransformed(DEMO, join(tmp, 'no1n1g'), (l) => l, (m) => !m.includes('/1n1g/'));
});

describe('dlperf-top compare', () => {
  it('is in the help, with its own --help', async () => {
    expect((await run(['--help'])).out).toContain('dlperf-top compare BASE CAND');
    const h = await run(['compare', '--help']);
    expect(h.code).toBe(EXIT.ok);
    for (const o of ['--threshold', '--confidence', '--fail-on', '--format md|json|html']) expect(h.out).toContain(o);
    expect((await run(['compare', '-', '-'])).code).toBe(EXIT.usage);
  });

  it('a set against itself is unchanged everywhere and exits 0', async () => {
    const r = await run(['compare', DEMO, DEMO, '--format', 'json']);
    expect(r.code).toBe(EXIT.ok);
    const doc = JSON.parse(r.out);
    expect(doc.verdict).toBe('unchanged');
    expect(verdicts(doc)).toEqual({ '1n1g': 'unchanged', '1n8g': 'unchanged', '2n8g': 'unchanged', '4n8g': 'unchanged' });
    for (const g of doc.groups as Group[]) {
      expect(g.change).toBe(0);
      expect(g.interval![0]).toBeLessThanOrEqual(0);
      expect(g.interval![1]).toBeGreaterThanOrEqual(0);
    }
    // The planted 2n8g repeat 3 (sockets, straggler, outlier) is named next to its verdict.
    const g2 = (doc.groups as Group[]).find((g) => shape(g) === '2n8g')!;
    expect(g2.reason).toContain('2n8g repeat 3 fell back to sockets');
    expect(g2.candidate_flags.map((f) => f.kind)).toEqual(expect.arrayContaining(['ib_fallback', 'straggler', 'outlier']));
  });

  it('one configuration 6 % slower (timestamps stretched) is a regression there only, exit 6', async () => {
    const r = await run(['compare', DEMO, slow4n, '--format', 'json']);
    expect(r.code).toBe(EXIT.regression);
    const doc = JSON.parse(r.out);
    expect(verdicts(doc)).toEqual({ '1n1g': 'unchanged', '1n8g': 'unchanged', '2n8g': 'unchanged', '4n8g': 'regression' });
    const g = (doc.groups as Group[]).find((x) => shape(x) === '4n8g')!;
    expect(g.change).toBeCloseTo(1 / 1.06 - 1, 3);
    expect(g.interval![1]).toBeLessThan(-0.02);
    expect(g.reason).toMatch(/^−5\.7 % \(95 % interval .*\), beyond the 2 % threshold/);
    expect(doc.verdict).toBe('regression');
    // The other way round it is an improvement, and nothing fails.
    const back = await run(['compare', slow4n, DEMO, '--format', 'json']);
    expect(back.code).toBe(EXIT.ok);
    expect(verdicts(JSON.parse(back.out))['4n8g']).toBe('improvement');
    // A threshold above the change makes it unchanged.
    const wide = await run(['compare', DEMO, slow4n, '--format', 'json', '--threshold', '7%']);
    expect(wide.code).toBe(EXIT.ok);
    expect(verdicts(JSON.parse(wide.out))['4n8g']).toBe('unchanged');
  });

  it('a 6 % slower configuration whose repeats are noisy (a socket-fallback repeat) is inconclusive: too noisy', async () => {
    const slow2n = await copyTransformed(DEMO, join(tmp, 'slow2n'), (l, c) => (c.member.includes('/2n8g/') ? stretchDll(l, c, 1.06) : l));
    const doc = JSON.parse((await run(['compare', DEMO, slow2n, '--format', 'json'])).out);
    const g = (doc.groups as Group[]).find((x) => shape(x) === '2n8g')!;
    expect(g).toMatchObject({ verdict: 'inconclusive', inconclusive_reason: 'too_noisy' });
    expect(g.interval![0]).toBeLessThan(-0.02);
    expect(g.interval![1]).toBeGreaterThan(0);
    expect(g.reason).toMatch(/includes no change: too noisy to tell; 2n8g repeat 3 fell back to sockets/);
  });

  it('a copy with ±1 % jitter on every run is unchanged', async () => {
    const r = await run(['compare', DEMO, jitter, '--format', 'json']);
    const doc = JSON.parse(r.out);
    expect(verdicts(doc)).toEqual({ '1n1g': 'unchanged', '1n8g': 'unchanged', '2n8g': 'unchanged', '4n8g': 'unchanged' });
    for (const g of doc.groups as Group[]) expect(Math.abs(g.change!)).toBeLessThan(0.01);
    expect(r.code).toBe(EXIT.ok);
  });

  it('one repeat per side is inconclusive (too few repeats) unless far beyond the threshold', async () => {
    const same = JSON.parse((await run(['compare', onlyFirst, onlyFirst, '--format', 'json'])).out);
    for (const g of same.groups as Group[]) {
      expect(g).toMatchObject({ verdict: 'inconclusive', inconclusive_reason: 'too_few_repeats', interval: null });
      expect(g.reason).toMatch(/^too few repeats: 1 baseline \/ 1 candidate repeat/);
    }
    const slow = await run(['compare', onlyFirst, onlyFirstSlow, '--format', 'json']);
    expect(slow.code).toBe(EXIT.ok);
    expect(verdicts(JSON.parse(slow.out))['4n8g']).toBe('inconclusive');
    const verySlow = await run(['compare', onlyFirst, onlyFirstVerySlow, '--format', 'json']);
    expect(verySlow.code).toBe(EXIT.regression);
    const g = (JSON.parse(verySlow.out).groups as Group[]).find((x) => shape(x) === '4n8g')!;
    expect(g.verdict).toBe('regression');
    expect(g.reason).toMatch(/far beyond the 2 % threshold/);
    // --fail-on inconclusive turns the 6 % case into a failure.
    expect((await run(['compare', onlyFirst, onlyFirstSlow, '--fail-on', 'inconclusive'])).code).toBe(EXIT.failOn);
  });

  it('a configuration on one side only is missing; --fail-on missing fails; unknown --fail-on is a usage error', async () => {
    const r = await run(['compare', DEMO, no1n1g, '--format', 'json']);
    expect(r.code).toBe(EXIT.ok);
    const g = (JSON.parse(r.out).groups as Group[]).find((x) => shape(x) === '1n1g')!;
    expect(g).toMatchObject({ verdict: 'missing', change: null, interval: null });
    expect(g.reason).toContain('only in the baseline');
    expect((await run(['compare', DEMO, no1n1g, '--fail-on', 'missing'])).code).toBe(EXIT.failOn);
    const bad = await run(['compare', DEMO, no1n1g, '--fail-on', 'regresion']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toContain("--fail-on 'regresion'");
    expect((await run(['compare', DEMO, DEMO, '--threshold', '2'])).code).toBe(EXIT.usage);
    expect((await run(['compare', DEMO])).code).toBe(EXIT.usage);
  });

  it('reads an earlier summary --format json on either side, with the same verdicts', async () => {
    const s = await run(['summary', '--format', 'json', slow4n]);
    const file = join(tmp, 'slow4n.json');
    writeFileSync(file, s.out);
    const a = JSON.parse((await run(['compare', DEMO, file, '--format', 'json'])).out);
    const b = JSON.parse((await run(['compare', DEMO, slow4n, '--format', 'json'])).out);
    expect(a.groups.map((g: Group) => [g.verdict, g.change, g.interval])).toEqual(b.groups.map((g: Group) => [g.verdict, g.change, g.interval]));
    expect(a.candidate.inputs).toEqual([file]);
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"schema": 1}');
    const r = await run(['compare', bad, DEMO]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('not a dlperf-top summary JSON');
  });

  it('Markdown: the verdict, then a table worst first with the reason per row', async () => {
    const r = await run(['compare', DEMO, slow4n]);
    expect(r.code).toBe(EXIT.regression);
    const rows = r.out.split('\n').filter((l) => /^\| (regression|unchanged|improvement|inconclusive|missing) /.test(l));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/^\| regression \| pytorch resnet50 amp 4n8g bs256 \| 23256\.85 \(5×, cv 0\.4 %\) \|/);
    expect(r.out).toContain('**Verdict: regression** — 1 regression, 3 unchanged');
  });
});
