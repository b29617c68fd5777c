import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InputProblem } from '../../../src/core/types.ts';
import { summarize } from '../../../src/pipeline/summarize.ts';
import { enumerateInputs, readLines } from '../../../src/sources/inputs.ts';
import { randomLog, rng } from '../../helpers/dll-lines.ts';

// Summary reads regular files with synchronous calls (sources/input-streams.ts fileChunksBlocking):
// the same files, lines, problems and summary as the asynchronous reader, to the last bit, and the
// event loop still turns while it reads (timers, signals, stdout's errors).

const fixtures = new URL('../../fixtures/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-blocking-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every item in order: a file's path and all its lines with offsets, or a problem. */
async function enumerate(args: string[], blocking: boolean): Promise<{ order: string[]; problems: InputProblem[] }> {
  const order: string[] = [];
  const problems: InputProblem[] = [];
  for await (const item of enumerateInputs(args, { blocking })) {
    if (item.type === 'problem') {
      problems.push(item.problem);
      order.push(`! ${item.problem.kind} ${item.problem.file ?? ''} ${item.problem.message}`);
      continue;
    }
    const lines: string[] = [];
    for await (const batch of readLines(item.file, 'n', (p) => problems.push(p))) for (const l of batch) lines.push(`${l.lineNo}@${l.offset}:${l.text}`);
    order.push(`${item.file.path} size=${item.file.size} ${lines.join('\n')}`);
  }
  return { order, problems };
}

/** A directory with what a reader can trip on: long lines across reads, NULs, binary, empty, no final newline, an archive inside. */
function awkwardTree(): string {
  const r = rng(20261204);
  const dir = join(tmp, 'tree');
  const d = join(dir, 'logs', 'ngc', 'pytorch', '1n8g');
  mkdirSync(d, { recursive: true });
  for (let i = 0; i < 12; i++) writeFileSync(join(d, `r50_b256_amp_${i}.log`), randomLog(r, i % 4 === 0 ? 5000 : 40 + i * 30, { mutate: 0.1 }));
  // A copytruncate hole before the text, then over 600 KiB across several 256 KiB reads.
  writeFileSync(join(d, 'r50_b256_amp_hole.log'), Buffer.concat([Buffer.alloc(9000), Buffer.from(randomLog(r, 6000))]));
  writeFileSync(join(d, 'r50_b256_amp_cut.log'), randomLog(r, 30) + 'DLL 2020-09-15 14:29:18.553769 - Epoch: 0 Iteration: 9  train.lo');
  writeFileSync(join(d, 'empty.log'), '');
  writeFileSync(join(d, 'r50_b256_amp_bin.log'), Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 13) % 256)));
  writeFileSync(join(d, 'long.log'), 'x'.repeat(300_000) + '\n' + randomLog(r, 20));
  execFileSync('tar', ['czf', join(dir, 'inner.tgz'), '-C', d, 'r50_b256_amp_1.log', 'r50_b256_amp_2.log']);
  symlinkSync(join(d, 'r50_b256_amp_3.log'), join(dir, 'link-inside.log'));
  symlinkSync(join(tmp, 'nowhere'), join(dir, 'broken.log'));
  execFileSync('mkfifo', [join(dir, 'fifo.log')]);
  if (process.getuid?.() !== 0) {
    writeFileSync(join(dir, 'secret.log'), 'DLL x\n');
    chmodSync(join(dir, 'secret.log'), 0o000);
  }
  return dir;
}

describe('blocking reads in summary: the same as the asynchronous reader', () => {
  const tree = awkwardTree();
  const cases: [string, string[]][] = [
    ['awkward tree (holes, binary, cut, long lines, archive, symlinks, fifo)', [tree]],
    ['plain file arguments and a missing one', [join(tree, 'logs/ngc/pytorch/1n8g/r50_b256_amp_0.log'), join(tree, 'missing.log'), join(tree, 'inner.tgz')]],
    ['golden seeds', [join(fixtures, 'seeds')]],
    ['damaged logs', [join(fixtures, 'damaged')]],
    ['signal fixtures', [join(fixtures, 'signals')]],
  ];
  for (const [name, args] of cases) {
    it(`enumeration and lines: ${name}`, async () => {
      const a = await enumerate(args, false);
      const b = await enumerate(args, true);
      expect(a.order.length).toBeGreaterThan(1);
      expect(b).toStrictEqual(a);
    });
    it(`summary: ${name}`, async () => {
      const a = await summarize(args, { blocking: false });
      const b = await summarize(args, { blocking: true });
      expect(a.files).toBeGreaterThan(0);
      expect(b).toStrictEqual(a);
    });
  }

  it('the awkward tree reports what it should (so the comparison above compares something)', async () => {
    const { problems } = await enumerate([tree], true);
    const kinds = new Set(problems.map((p) => p.kind));
    for (const k of ['binary', 'partial_line', 'line_too_long', 'unreadable', 'skipped']) expect(kinds, k).toContain(k);
  });

  it('the event loop turns while summary reads (between any two files)', async () => {
    let turns = 0;
    let on = true;
    const spin = (): void => {
      turns++;
      if (on) setImmediate(spin);
    };
    setImmediate(spin);
    // The loop's turns seen at each file's start: each file must see some since the file before.
    const atFile: number[] = [];
    const res = await summarize([join(tree, 'logs')], { blocking: true, onFile: () => atFile.push(turns) });
    on = false;
    expect(res.files).toBeGreaterThan(10);
    const still = atFile.slice(1).filter((t, i) => t === atFile[i]).length;
    expect(still).toBe(0);
  });
});
