import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { InputProblem, LineEvent } from '../../../src/core/types.ts';
import { describeStreamError, enumerateInputs, InputReadError, readLines } from '../../../src/sources/inputs.ts';
import type { InputFile } from '../../../src/sources/types.ts';
import { makeTar, sh, tarHeader, tmpDir } from './tar-fixtures.ts';

interface Seen {
  /** `path|text` per file, or `!kind file` per problem, in order. */
  order: string[];
  problems: InputProblem[];
  files: { input: string; path: string; text: string; size?: number }[];
}

async function readAll(file: InputFile, problems: InputProblem[]): Promise<string> {
  const lines: string[] = [];
  for await (const batch of readLines(file, 'local', (p) => problems.push(p))) for (const l of batch) lines.push(l.text);
  return lines.join('\n');
}

async function enumerate(args: string[], opts?: Parameters<typeof enumerateInputs>[1]): Promise<Seen> {
  const seen: Seen = { order: [], problems: [], files: [] };
  for await (const item of enumerateInputs(args, opts)) {
    if (item.type === 'problem') {
      seen.problems.push(item.problem);
      seen.order.push(`!${item.problem.kind} ${item.problem.file ?? ''}`.trim());
    } else {
      const text = await readAll(item.file, seen.problems);
      seen.files.push({ input: item.file.input, path: item.file.path, text, ...(item.file.size !== undefined ? { size: item.file.size } : {}) });
      seen.order.push(item.file.path);
    }
  }
  return seen;
}

let dir: string;
/** A deterministic tar: two members. */
const tarBytes = makeTar([
  { name: 'oneflow/1n8g/a.log', data: 'a1\na2\n' },
  { name: 'oneflow/1n8g/b.log', data: 'b1\r\nb2\r\n' },
]);

beforeAll(() => {
  dir = tmpDir('dlperf-inputs-');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const p = (name: string): string => path.join(dir, name);

describe('enumerateInputs: plain files and archives', () => {
  it('reads a plain file, a .tar, a .tgz, a misnamed tgz and a single .gz; paths as documented', async () => {
    fs.writeFileSync(p('plain.log'), 'x1\nx2\n');
    fs.writeFileSync(p('arch.tar'), tarBytes);
    fs.writeFileSync(p('arch.tgz'), zlib.gzipSync(tarBytes));
    fs.writeFileSync(p('misnamed.log'), zlib.gzipSync(tarBytes));
    fs.writeFileSync(p('tar-no-ext'), tarBytes);
    fs.writeFileSync(p('single.log.gz'), zlib.gzipSync('g1\ng2\n'));
    const seen = await enumerate([p('plain.log'), p('arch.tar'), p('arch.tgz'), p('misnamed.log'), p('tar-no-ext'), p('single.log.gz')]);
    expect(seen.problems).toEqual([]);
    const members = ['oneflow/1n8g/a.log', 'oneflow/1n8g/b.log'];
    expect(seen.order).toEqual([p('plain.log'), ...members, ...members, ...members, ...members, p('single.log')]);
    expect(seen.files[0]).toEqual({ input: p('plain.log'), path: p('plain.log'), text: 'x1\nx2', size: 6 });
    expect(seen.files.slice(1, 3).map((f) => [f.input, f.text, f.size])).toEqual([
      [p('arch.tar'), 'a1\na2', 6],
      [p('arch.tar'), 'b1\nb2', 8],
    ]);
    expect(seen.files[3]!.input).toBe(p('arch.tgz'));
    expect(seen.files.at(-1)).toMatchObject({ input: p('single.log.gz'), text: 'g1\ng2' });
  });

  it('reports a .tgz that is not gzip, a .tar that is not tar, and a missing file, and keeps going', async () => {
    fs.writeFileSync(p('fake.tgz'), 'plain text, not gzip\n');
    fs.writeFileSync(p('fake.tar'), 'plain text, not tar\n'.repeat(40));
    fs.writeFileSync(p('after.log'), 'after\n');
    const seen = await enumerate([p('fake.tgz'), p('missing.log'), p('fake.tar'), p('after.log')]);
    expect(seen.order).toEqual(['!corrupt_archive', '!unreadable', '!corrupt_archive', p('after.log')]);
    expect(seen.problems[0]).toMatchObject({ input: p('fake.tgz'), kind: 'corrupt_archive' });
    expect(seen.problems[0]!.message).toMatch(/not gzip data/);
    expect(seen.problems[1]!.message).toMatch(/no such file/);
    expect(seen.problems[2]!.message).toMatch(/not a tar archive/);
  });

  it('a truncated .tgz: members before the cut stay valid; truncated_archive names the member; next argument read', async () => {
    const big = makeTar([
      { name: 'first.log', data: 'first\n'.repeat(1000) },
      { name: 'second.log', data: Buffer.from(Array.from({ length: 40_000 }, (_, i) => `line ${i} ${(i * 7919) % 10007}\n`).join('')) },
      { name: 'third.log', data: 'third\n' },
    ]);
    const gz = zlib.gzipSync(big);
    fs.writeFileSync(p('cut.tgz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
    fs.writeFileSync(p('next.log'), 'next\n');
    const seen = await enumerate([p('cut.tgz'), p('next.log')]);
    expect(seen.files.map((f) => f.path)).toEqual(['first.log', 'second.log', p('next.log')]);
    expect(seen.files[0]!.text).toBe(Array(1000).fill('first').join('\n'));
    const trunc = seen.problems.filter((q) => q.kind === 'truncated_archive');
    expect(trunc).toHaveLength(1);
    expect(trunc[0]).toMatchObject({ input: p('cut.tgz'), file: 'second.log' });
    expect(trunc[0]!.message).toMatch(/gzip data ends unexpectedly.*second\.log.*bytes missing/);
    // the cut member's last line is partial
    expect(seen.problems.map((q) => q.kind)).toContain('partial_line');
  });

  it('a truncated .tgz cut inside the gzip header is reported too', async () => {
    fs.writeFileSync(p('tiny.tgz'), zlib.gzipSync(tarBytes).subarray(0, 5));
    const seen = await enumerate([p('tiny.tgz')]);
    expect(seen.files).toEqual([]);
    expect(seen.problems).toHaveLength(1);
    expect(['corrupt_archive', 'truncated_archive']).toContain(seen.problems[0]!.kind);
  });

  it('a corrupt .tgz: bad CRC after the data, and a damaged deflate stream, are corrupt_archive', async () => {
    const gz = zlib.gzipSync(tarBytes);
    const badCrc = Buffer.from(gz);
    badCrc[gz.length - 8]! ^= 0xff;
    fs.writeFileSync(p('badcrc.tgz'), badCrc);
    const seen = await enumerate([p('badcrc.tgz')]);
    // zlib drops the output of the write that fails the CRC: in a small file, that is everything.
    expect(seen.problems).toEqual([expect.objectContaining({ kind: 'corrupt_archive', input: p('badcrc.tgz') })]);
    expect(seen.problems[0]!.message).toMatch(/corrupt gzip data \(incorrect data check\)/);

    // A larger archive: the members decompressed before the failing read stay valid.
    let x = 12345;
    const noise = (n: number): string =>
      Array.from({ length: n }, () => {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        return x.toString(16);
      }).join('\n') + '\n';
    const first = noise(200_000);
    const big = zlib.gzipSync(makeTar([{ name: 'first.log', data: first }, { name: 'second.log', data: noise(200_000) }]));
    expect(big.length).toBeGreaterThan(4 * 256 * 1024);
    const bad = Buffer.from(big);
    bad[bad.length - 8]! ^= 0xff;
    fs.writeFileSync(p('bigcrc.tgz'), bad);
    const seen3 = await enumerate([p('bigcrc.tgz')]);
    expect(seen3.files[0]).toMatchObject({ path: 'first.log', text: first.slice(0, -1) });
    const corrupt = seen3.problems.filter((q) => q.kind === 'corrupt_archive');
    expect(corrupt).toEqual([expect.objectContaining({ file: 'second.log' })]);
    expect(corrupt[0]!.message).toMatch(/incorrect data check.*second\.log/);

    // A damaged deflate stream: a block type of 3 (invalid) right after the gzip header.
    const damaged = Buffer.from(zlib.gzipSync(Buffer.alloc(200_000, 'z')));
    damaged[10] = 0xff;
    fs.writeFileSync(p('damaged.tgz'), damaged);
    const seen2 = await enumerate([p('damaged.tgz'), p('plain.log')]);
    expect(seen2.problems).toEqual([expect.objectContaining({ kind: 'corrupt_archive', input: p('damaged.tgz'), offset: 0 })]);
    expect(seen2.order).toEqual(['!corrupt_archive', p('plain.log')]);
  });

  it('a single .gz file cut short delivers its lines and a truncated_archive problem through readLines', async () => {
    const text = Array.from({ length: 50_000 }, (_, i) => `row ${i} ${(i * 31337) % 65521}`).join('\n');
    const gz = zlib.gzipSync(text);
    fs.writeFileSync(p('short.log.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
    const seen = await enumerate([p('short.log.gz')]);
    expect(seen.files).toHaveLength(1);
    const lines = seen.files[0]!.text.split('\n');
    expect(lines.length).toBeGreaterThan(1000);
    expect(lines[0]).toBe('row 0 0');
    expect(seen.problems.map((q) => q.kind)).toEqual(['truncated_archive', 'partial_line']);
    expect(seen.problems[0]).toMatchObject({ input: p('short.log.gz'), file: p('short.log') });
  });
});

describe('enumerateInputs: directories', () => {
  it('walks recursively, sorted by relative path; gz and archives inside are opened; symlinks handled', async () => {
    const root = p('logs');
    const outside = p('outside');
    fs.mkdirSync(path.join(root, 'oneflow/1n8g'), { recursive: true });
    fs.mkdirSync(path.join(root, 'a'), { recursive: true });
    fs.mkdirSync(outside, { recursive: true });
    fs.writeFileSync(path.join(outside, 'o.log'), 'outside\n');
    fs.writeFileSync(path.join(root, 'oneflow/1n8g/r_1.log'), 'r1\n');
    fs.writeFileSync(path.join(root, 'oneflow/1n8g/r_2.log.gz'), zlib.gzipSync('r2\n'));
    fs.writeFileSync(path.join(root, 'a/z.log'), 'z\n');
    fs.writeFileSync(path.join(root, 'a-b.log'), 'ab\n');
    fs.writeFileSync(path.join(root, 'pack.tar'), tarBytes);
    fs.symlinkSync(outside, path.join(root, 'linkdir'));
    fs.symlinkSync(path.join(root, 'a'), path.join(root, 'innerdir'));
    fs.symlinkSync(path.join(outside, 'o.log'), path.join(root, 'ext.log'));
    fs.symlinkSync('a/z.log', path.join(root, 'dup.log'));
    fs.symlinkSync('nowhere.log', path.join(root, 'broken.log'));
    const seen = await enumerate([root]);
    expect(seen.order).toEqual([
      'a-b.log',
      'a/z.log',
      '!unreadable broken.log',
      '!skipped dup.log',
      'ext.log',
      '!skipped innerdir',
      '!skipped linkdir',
      'oneflow/1n8g/r_1.log',
      'oneflow/1n8g/r_2.log',
      'pack.tar/oneflow/1n8g/a.log',
      'pack.tar/oneflow/1n8g/b.log',
    ]);
    expect(seen.files.every((f) => f.input === root)).toBe(true);
    expect(seen.files.find((f) => f.path === 'ext.log')!.text).toBe('outside');
    expect(seen.problems.find((q) => q.file === 'linkdir')!.message).toMatch(/outside the tree/);
  });

  it('an unreadable file inside a directory is reported with its relative path', async () => {
    const root = p('unread');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'ok.log'), 'ok\n');
    // A FIFO is neither a file nor a directory: skipped, never opened (opening would block).
    sh('mkfifo', [path.join(root, 'pipe')]);
    const seen = await enumerate([root]);
    expect(seen.order).toEqual(['ok.log', '!skipped pipe']);
  });
});

describe('enumerateInputs: stdin', () => {
  it('reads `-` from the given stream as one file, once', async () => {
    const stdin = Readable.from([Buffer.from('s1\ns'), Buffer.from('2\n'), 's3\n']);
    const seen = await enumerate(['-', '-'], { stdin });
    expect(seen.files).toEqual([{ input: '-', path: '-', text: 's1\ns2\ns3' }]);
    expect(seen.problems).toEqual([expect.objectContaining({ kind: 'skipped', input: '-' })]);
  });
});

describe('readLines', () => {
  const file = (name: string): InputFile => ({ input: name, path: name, chunks: () => fs.createReadStream(p(name), { highWaterMark: 1000 }) });

  it('batches LineEvents with byte offsets, line numbers, node and time 0', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} é`);
    fs.writeFileSync(p('many.log'), lines.join('\n') + '\n');
    const problems: InputProblem[] = [];
    const batches: LineEvent[][] = [];
    for await (const b of readLines(file('many.log'), 'node1', (q) => problems.push(q))) batches.push(b);
    expect(batches.length).toBeGreaterThan(10);
    const all = batches.flat();
    expect(all.map((l) => l.text)).toEqual(lines);
    let off = 0;
    all.forEach((l, i) => {
      expect(l).toEqual({ node: 'node1', file: 'many.log', offset: off, lineNo: i + 1, text: lines[i], time: 0 });
      off += Buffer.byteLength(lines[i]!) + 1;
    });
    expect(problems).toEqual([]);
  });

  it('reports partial_line and does not deliver the last line (no newline: not a line, as in live)', async () => {
    fs.writeFileSync(p('partial.log'), 'a\nb');
    const problems: InputProblem[] = [];
    const got: LineEvent[] = [];
    for await (const b of readLines(file('partial.log'), 'n', (q) => problems.push(q))) got.push(...b);
    expect(got.map((l) => l.text)).toEqual(['a']);
    expect(problems).toEqual([expect.objectContaining({ kind: 'partial_line', line: 2, offset: 2, input: 'partial.log', file: 'partial.log', message: 'partial.log: the last line (2) has no newline (cut short?); not counted' })]);
  });

  it('a binary file gives one binary problem and no lines', async () => {
    fs.writeFileSync(p('bin.dat'), Buffer.concat([Buffer.from('abc\n'), Buffer.alloc(10_000, 0), Buffer.from('\nmore\n')]));
    const problems: InputProblem[] = [];
    const got: LineEvent[] = [];
    for await (const b of readLines(file('bin.dat'), 'n', (q) => problems.push(q))) got.push(...b);
    expect(got).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ kind: 'binary', file: 'bin.dat' })]);
  });

  it('NUL bytes after the first 4 KiB drop the line and report binary once; long lines are cut', async () => {
    const body = `${'ok\n'.repeat(2000)}bad\u0000line\n${'x'.repeat(300)}\nend\n`;
    fs.writeFileSync(p('late-nul.log'), body);
    const problems: InputProblem[] = [];
    const got: LineEvent[] = [];
    for await (const b of readLines(file('late-nul.log'), 'n', (q) => problems.push(q), { maxLineBytes: 100 })) got.push(...b);
    expect(got).toHaveLength(2002);
    expect(got.at(-2)).toMatchObject({ lineNo: 2002, text: 'x'.repeat(100) });
    expect(got.at(-1)).toMatchObject({ lineNo: 2003, text: 'end' });
    expect(problems.map((q) => [q.kind, q.line])).toEqual([
      ['binary', 2001],
      ['line_too_long', 2002],
    ]);
  });

  it('a read error becomes a problem (kind from InputReadError, else unreadable)', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('one\ntw');
      throw new InputReadError('truncated_archive', 'gzip data ends unexpectedly');
    }
    const problems: InputProblem[] = [];
    const got: LineEvent[] = [];
    for await (const b of readLines({ input: 'i', path: 'f', chunks: failing }, 'n', (q) => problems.push(q))) got.push(...b);
    // The half line `tw` was cut by the error: reported, never parsed.
    expect(got.map((l) => l.text)).toEqual(['one']);
    expect(problems.map((q) => q.kind)).toEqual(['truncated_archive', 'partial_line']);
    expect(problems[1]!.message).toMatch(/dropped/);

    const gone: InputProblem[] = [];
    for await (const _ of readLines(file('does-not-exist.log'), 'n', (q) => gone.push(q))) void _;
    expect(gone).toEqual([expect.objectContaining({ kind: 'unreadable' })]);
    expect(describeStreamError(Object.assign(new Error('x'), { code: 'Z_DATA_ERROR' })).kind).toBe('corrupt_archive');
  });

  it('stops reading and closes the source when the consumer stops', async () => {
    let closed = false;
    async function* src(): AsyncGenerator<Buffer> {
      try {
        for (let i = 0; i < 1000; i++) yield Buffer.from('line\n'.repeat(1000));
      } finally {
        closed = true;
      }
    }
    for await (const b of readLines({ input: 'i', path: 'f', chunks: src }, 'n', () => {})) {
      expect(b.length).toBeGreaterThan(0);
      break;
    }
    expect(closed).toBe(true);
  });
});

describe('streaming a large archive member', () => {
  it('reads a ~200 MB tgz member line by line with RSS far below the member size', async () => {
    const size = 200 * 1024 * 1024;
    const line = 'iteration 12345/99999 | loss 2.345678 | throughput 1234.56 samples/s | lr 0.000100\n'; // 85 bytes
    const block = Buffer.from(line.repeat(Math.floor((1024 * 1024) / line.length)));
    const blocks = Math.floor(size / block.length);
    const dataSize = blocks * block.length;
    const archive = p('huge.tgz');
    async function* gen(): AsyncGenerator<Buffer> {
      yield tarHeader({ name: 'runs/huge.log' }, dataSize);
      for (let i = 0; i < blocks; i++) yield block;
      yield Buffer.alloc((512 - (dataSize % 512)) % 512 + 1024);
    }
    await pipeline(Readable.from(gen()), zlib.createGzip({ level: 1 }), fs.createWriteStream(archive));

    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    let lines = 0;
    let bytes = 0;
    const problems: InputProblem[] = [];
    for await (const item of enumerateInputs([archive])) {
      if (item.type === 'problem') {
        problems.push(item.problem);
        continue;
      }
      expect(item.file.size).toBe(dataSize);
      for await (const batch of readLines(item.file, 'local', (q) => problems.push(q))) {
        lines += batch.length;
        bytes += batch.length * line.length;
        const rss = process.memoryUsage().rss;
        if (rss > peak) peak = rss;
      }
    }
    expect(problems).toEqual([]);
    expect(bytes).toBe(dataSize);
    expect(lines).toBe(dataSize / line.length);
    // Buffering the member whole would need > 200 MB; streaming needs a few chunks.
    expect(peak - before).toBeLessThan(size / 3);
  });
});
