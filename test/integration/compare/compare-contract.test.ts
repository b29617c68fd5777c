/**
 * compare --format json honours spec/compare-json.md key for key: every key of the contract's
 * example is present in the output with a value of the same kind (null where the contract allows
 * "cannot be known"), at the top level, in each side and in every group, for every verdict.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { copyTransformed, stretchDll } from '../../helpers/transform-logs.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SPEC = join(ROOT, 'test/fixtures/spec/compare-json.md');
const SHARED_SPEC = join(ROOT, '../shared/spec/compare-json.md');
const DEMO = join(ROOT, 'replays/resnet50-scaling-demo.tgz');
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-compare-contract-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The contract's jsonc example as an object (comments stripped). */
function contractExample(md: string): Record<string, unknown> {
  const block = /```jsonc\n([\s\S]*?)```/.exec(md)![1]!;
  const json = block
    .split('\n')
    .map((l) => l.replace(/\s*\/\/.*$/, ''))
    .join('\n')
    .replace(/"…"/g, '"x"');
  return JSON.parse(json);
}

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Every key of `expected` is in `actual` with the same kind of value (or null); recursing into objects and array items. */
function checkKeys(expected: unknown, actual: unknown, where: string, nullable: ReadonlySet<string>, problems: string[]): void {
  if (kind(expected) === 'object') {
    if (kind(actual) !== 'object') return void problems.push(`${where}: expected an object, got ${kind(actual)}`);
    for (const [k, v] of Object.entries(expected as object)) {
      const a = (actual as Record<string, unknown>)[k];
      if (!(k in (actual as object))) problems.push(`${where}.${k}: missing`);
      else if (a === null && nullable.has(k)) continue;
      else checkKeys(v, a, `${where}.${k}`, nullable, problems);
    }
  } else if (kind(expected) === 'array') {
    if (kind(actual) !== 'array') return void problems.push(`${where}: expected an array, got ${kind(actual)}`);
    const item = (expected as unknown[])[0];
    if (item !== undefined) (actual as unknown[]).forEach((a, i) => checkKeys(item, a, `${where}[${i}]`, nullable, problems));
  } else if (kind(expected) !== kind(actual)) problems.push(`${where}: expected ${kind(expected)}, got ${kind(actual)} (${JSON.stringify(actual)})`);
}

async function compareJson(base: string, cand: string): Promise<Record<string, unknown>> {
  const out: string[] = [];
  const sink = (a: string[]) => Object.assign(new PassThrough(), { write: (s: string) => (a.push(String(s)), true) }) as unknown as NodeJS.WritableStream;
  await main(['compare', base, cand, '--format', 'json'], { stdout: sink(out), stderr: sink([]), stdin: new PassThrough(), isTTY: false });
  return JSON.parse(out.join(''));
}

describe('compare-json.md contract', () => {
  it('the copy in test/fixtures is the shared spec (when the shared folder is there)', () => {
    if (existsSync(SHARED_SPEC)) expect(readFileSync(SPEC, 'utf8')).toBe(readFileSync(SHARED_SPEC, 'utf8'));
  });

  it('every key of the contract, in every group, for every verdict', async () => {
    const example = contractExample(readFileSync(SPEC, 'utf8'));
    // The contract's example names these keys; all must be checked (a guard against a parse that drops some).
    expect(Object.keys(example)).toEqual(['schema', 'tool', 'version', 'baseline', 'candidate', 'threshold', 'confidence', 'groups', 'verdict']);
    const g0 = (example.groups as Record<string, unknown>[])[0]!;
    expect(Object.keys(g0)).toEqual(['framework', 'model', 'precision', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device', 'baseline', 'candidate', 'change', 'interval', 'verdict', 'reason']);

    // Cover every verdict: regression (4n8g 6 % slower), unchanged,
    // inconclusive (one repeat), missing (1n1g dropped), improvement (the other way round).
    const slow = await copyTransformed(DEMO, join(tmp, 'slow'), (l, c) => (c.member.includes('/4n8g/') ? stretchDll(l, c, 1.06) : l), (m) => !m.includes('/1n1g/'));
    const one = await copyTransformed(DEMO, join(tmp, 'one'), (l) => l, (m) => /_1\.log$/.test(m));
    const docs = [await compareJson(DEMO, slow), await compareJson(slow, DEMO), await compareJson(one, one), await compareJson(DEMO, DEMO)];
    const seen = new Set(docs.flatMap((d) => (d.groups as { verdict: string }[]).map((g) => g.verdict)));
    expect([...seen].sort()).toEqual(['improvement', 'inconclusive', 'missing', 'regression', 'unchanged']);

    // change, interval and the side medians/cv are unknown for a missing side or a single repeat.
    const nullable = new Set(['change', 'interval', 'median_throughput', 'cv']);
    for (const doc of docs) {
      const problems: string[] = [];
      checkKeys(example, doc, '$', nullable, problems);
      expect(problems).toEqual([]);
      expect(doc).toMatchObject({ schema: 1, tool: 'dlperf-top', threshold: 0.02, confidence: 0.95 });
      for (const g of doc.groups as Record<string, unknown>[]) {
        expect(['regression', 'improvement', 'unchanged', 'inconclusive', 'missing']).toContain(g.verdict);
        if (g.interval !== null) expect((g.interval as number[]).length).toBe(2);
        if (g.change !== null) {
          const b = (g.baseline as { median_throughput: number }).median_throughput;
          const c = (g.candidate as { median_throughput: number }).median_throughput;
          expect(g.change).toBeCloseTo(c / b - 1, 12);
        }
      }
      // The overall verdict is the worst group verdict.
      const order = ['regression', 'missing', 'inconclusive', 'improvement', 'unchanged'];
      const worst = (doc.groups as { verdict: string }[]).map((g) => order.indexOf(g.verdict)).reduce((a, b) => Math.min(a, b), 4);
      expect(doc.verdict).toBe(order[worst]);
    }
  });
});
