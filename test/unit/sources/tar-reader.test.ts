import { MemberCutError } from '../../../src/sources/tar-reader.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { InputProblem } from '../../../src/core/types.ts';
import { looksLikeTar, normaliseTarPath, parseNumeric, parsePax, readTar } from '../../../src/sources/tar-reader.ts';
import type { TarItem } from '../../../src/sources/tar-reader.ts';
import { chunked, makeTar, paxRecord, sh, tarEntry, tmpDir } from './tar-fixtures.ts';

interface Collected {
  files: { path: string; size: number; mtimeMs: number; text: string; cut?: boolean }[];
  problems: InputProblem[];
  order: string[];
}

async function collect(source: AsyncIterable<Buffer>, opts: Parameters<typeof readTar>[1] = { input: 'a.tar' }): Promise<Collected> {
  const out: Collected = { files: [], problems: [], order: [] };
  for await (const item of readTar(source, opts)) {
    if (item.type === 'problem') {
      out.problems.push(item.problem);
      out.order.push(`!${item.problem.kind}`);
    } else {
      const parts: Buffer[] = [];
      let cut = false;
      try {
        for await (const c of item.chunks()) parts.push(Buffer.from(c));
      } catch (e) {
        // The archive ended inside this member: its chunks say so; the reader reports it next.
        if (!(e instanceof MemberCutError)) throw e;
        cut = true;
      }
      out.files.push({ path: item.path, size: item.size, mtimeMs: item.mtimeMs, text: Buffer.concat(parts).toString(), ...(cut ? { cut } : {}) });
      out.order.push(item.path);
    }
  }
  return out;
}

const once = (buf: Buffer): AsyncIterable<Buffer> => chunked(buf, [buf.length || 1]);

let dir: string;
beforeAll(() => {
  dir = tmpDir('dlperf-tar-');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('readTar on archives made by the system tar', () => {
  const longDir = `oneflow/${'d'.repeat(60)}/${'e'.repeat(50)}`;
  const longName = `${'n'.repeat(80)}_1n8g_b64_fp16_1.log`; // > 100 chars with the directories

  function buildTree(root: string): void {
    fs.mkdirSync(path.join(root, longDir), { recursive: true });
    fs.writeFileSync(path.join(root, 'a.log'), 'alpha 1\nalpha 2\n');
    fs.writeFileSync(path.join(root, longDir, longName), 'long name content\n');
    fs.symlinkSync('a.log', path.join(root, 'link.log'));
    fs.linkSync(path.join(root, 'a.log'), path.join(root, 'hard.log'));
  }

  for (const format of ['gnu', 'pax', 'ustar'] as const) {
    it(`reads a ${format} archive: long names, nested dirs, symlink and hardlink skipped`, async () => {
      const root = path.join(dir, `tree-${format}`);
      fs.mkdirSync(root);
      const tree = path.join(root, 'src');
      fs.mkdirSync(tree);
      buildTree(tree);
      const archive = path.join(root, 'x.tar');
      // ustar can only store the long path by splitting it into prefix + name: use a shorter leaf.
      if (format === 'ustar') {
        fs.renameSync(path.join(tree, longDir, longName), path.join(tree, longDir, 'short_1.log'));
      }
      sh('tar', [`--format=${format}`, '-cf', archive, '-C', tree, '.'], root);
      const got = await collect(fs.createReadStream(archive, { highWaterMark: 700 }));
      const leaf = format === 'ustar' ? 'short_1.log' : longName;
      const paths = got.files.map((f) => f.path).sort();
      // a.log and hard.log are hard links of each other: tar stores one of them as a link.
      expect(paths).toHaveLength(2);
      expect(paths).toContain(`${longDir}/${leaf}`);
      expect(paths.some((p) => p === 'a.log' || p === 'hard.log')).toBe(true);
      const byPath = Object.fromEntries(got.files.map((f) => [f.path, f]));
      expect(byPath[`${longDir}/${leaf}`]!.text).toBe('long name content\n');
      expect(byPath[`${longDir}/${leaf}`]!.size).toBe(18);
      expect(byPath[`${longDir}/${leaf}`]!.mtimeMs).toBeGreaterThan(Date.UTC(2020, 0, 1));
      const skipped = got.problems.filter((p) => p.kind === 'skipped').map((p) => p.message);
      expect(skipped.some((m) => /^symlink .*link\.log -> a\.log not followed/.test(m))).toBe(true);
      expect(skipped.some((m) => /^hardlink /.test(m))).toBe(true);
      expect(got.problems.filter((p) => p.kind !== 'skipped')).toEqual([]);
    });
  }

  it('reports an absolute member path (tar --absolute-names) as unsafe_path and keeps going', async () => {
    const root = path.join(dir, 'abs');
    fs.mkdirSync(root);
    const abs = path.join(root, 'abs.log');
    fs.writeFileSync(abs, 'secret\n');
    fs.writeFileSync(path.join(root, 'ok.log'), 'ok\n');
    const archive = path.join(root, 'abs.tar');
    sh('tar', ['--absolute-names', '-cf', archive, abs, '-C', root, 'ok.log'], root);
    const got = await collect(fs.createReadStream(archive));
    expect(got.files.map((f) => [f.path, f.text])).toEqual([['ok.log', 'ok\n']]);
    expect(got.problems).toEqual([expect.objectContaining({ kind: 'unsafe_path', file: abs, input: 'a.tar', offset: 0 })]);
  });
});

describe('readTar on crafted archives', () => {
  it('strips ./, reports ../ paths as unsafe and skips their data', async () => {
    const tar = makeTar([
      { name: './a.log', data: 'a\n' },
      { name: '../evil.log', data: 'evil data\n' },
      { name: 'logs/../../x.log', data: 'x\n' },
      { name: './', type: '5' },
      { name: 'b//c.log', data: 'c\n' },
    ]);
    const got = await collect(once(tar));
    expect(got.order).toEqual(['a.log', '!unsafe_path', '!unsafe_path', 'b/c.log']);
    expect(got.problems.map((p) => p.file)).toEqual(['../evil.log', 'logs/../../x.log']);
    expect(got.files.map((f) => f.text)).toEqual(['a\n', 'c\n']);
  });

  it('uses the ustar prefix field, and ignores it for GNU-magic headers', async () => {
    const tar = makeTar([
      { name: 'file.log', prefix: 'some/dir', data: '1\n' },
      { name: 'gnu.log', prefix: 'ignored', magic: 'gnu', data: '2\n' },
      { name: 'v7.log', magic: 'v7', data: '3\n' },
    ]);
    const got = await collect(once(tar));
    expect(got.files.map((f) => f.path)).toEqual(['some/dir/file.log', 'gnu.log', 'v7.log']);
  });

  it('applies pax path/size/mtime and GNU long names to the next entry only; ignores global headers', async () => {
    const long = `${'p'.repeat(150)}/pax.log`;
    const tar = makeTar([
      { name: 'pax_global_header', type: 'g', data: paxRecord('path', 'global/should-not-apply.log') },
      { name: 'PaxHeaders/x', type: 'x', data: paxRecord('path', long) + paxRecord('mtime', '1700000000.5') },
      { name: 'short-name.log', data: 'pax data\n' },
      { name: '././@LongLink', type: 'L', data: `${'g'.repeat(120)}.log\0` },
      { name: 'trunc', data: 'gnu data\n' },
      { name: 'after.log', data: 'after\n' },
    ]);
    const got = await collect(chunked(tar, [1, 7, 511, 513, 4096]));
    expect(got.files.map((f) => f.path)).toEqual([long, `${'g'.repeat(120)}.log`, 'after.log']);
    expect(got.files[0]!.mtimeMs).toBe(1_700_000_000_500);
    expect(got.files[2]!.mtimeMs).toBe(1_700_000_000_000);
    expect(got.files.map((f) => f.text)).toEqual(['pax data\n', 'gnu data\n', 'after\n']);
    expect(got.problems).toEqual([]);
  });

  it('pax size overrides the header size field', async () => {
    const data = 'x'.repeat(700);
    const tar = Buffer.concat([
      tarEntry({ name: 'p', type: 'x', data: paxRecord('size', '700') }),
      tarEntry({ name: 'big.log', data, sizeField: 0 }),
      Buffer.alloc(1024),
    ]);
    const got = await collect(once(tar));
    expect(got.files).toHaveLength(1);
    expect(got.files[0]!.size).toBe(700);
    expect(got.files[0]!.text).toBe(data);
  });

  it('skips member data the consumer abandons, whatever the chunking', async () => {
    const big = Buffer.alloc(10_000, 'y');
    const tar = makeTar([
      { name: 'big.log', data: big },
      { name: 'small.log', data: 'small\n' },
      { name: 'unread.log', data: big },
      { name: 'last.log', data: 'last\n' },
    ]);
    for (const sizes of [[tar.length], [100], [1, 511], [3000]]) {
      const seen: string[] = [];
      for await (const item of readTar(chunked(tar, sizes))) {
        if (item.type !== 'file') continue;
        if (item.path === 'big.log') {
          for await (const c of item.chunks()) {
            expect(c.length).toBeGreaterThan(0);
            break; // abandon after the first chunk
          }
          seen.push('big(partial)');
        } else if (item.path === 'unread.log') {
          seen.push('unread(never)');
        } else {
          const parts: Buffer[] = [];
          for await (const c of item.chunks()) parts.push(c);
          seen.push(Buffer.concat(parts).toString());
        }
      }
      expect(seen, `chunks ${sizes}`).toEqual(['big(partial)', 'small\n', 'unread(never)', 'last\n']);
    }
  });

  it('refuses chunks() twice, and reading a member after moving on', async () => {
    const gen = readTar(once(makeTar([{ name: 'a', data: 'aaa' }, { name: 'b', data: 'bbb' }])));
    const first = (await gen.next()).value as TarItem;
    expect(first.type).toBe('file');
    if (first.type !== 'file') return;
    const stream = first.chunks();
    expect(() => first.chunks()).toThrow(/once/);
    await gen.next(); // moves on
    await expect(async () => {
      for await (const _ of stream) void _;
    }).rejects.toThrow(/moved on/);
    await gen.return(undefined);
  });

  it('reports skipped devices, FIFOs and unknown types, and silently skips directories', async () => {
    const tar = makeTar([
      { name: 'dir/', type: '5' },
      { name: 'old-style-dir/', type: '0' },
      { name: 'fifo', type: '6' },
      { name: 'dev', type: '3' },
      { name: 'sparse', type: 'S', data: 'zz' },
      { name: 'z.log', data: 'z\n' },
    ]);
    const got = await collect(once(tar));
    expect(got.order).toEqual(['!skipped', '!skipped', '!skipped', 'z.log']);
    expect(got.problems.map((p) => p.file)).toEqual(['fifo', 'dev', 'sparse']);
  });

  it('an empty archive (two zero blocks) yields nothing; a lone zero block is stepped over', async () => {
    expect((await collect(once(Buffer.alloc(10240)))).order).toEqual([]);
    const tar = Buffer.concat([tarEntry({ name: 'a', data: '1' }), Buffer.alloc(512), tarEntry({ name: 'b', data: '2' }), Buffer.alloc(1024)]);
    expect((await collect(once(tar))).order).toEqual(['a', 'b']);
  });

  it('base-256 size fields and malformed numbers', () => {
    const b = Buffer.alloc(12);
    b[0] = 0x80;
    b.writeUInt32BE(0x12345678, 8);
    expect(parseNumeric(b, 0, 12)).toBe(0x12345678);
    expect(parseNumeric(Buffer.from('0000644\0'), 0, 8)).toBe(0o644);
    expect(parseNumeric(Buffer.from('  12 \0\0\0'), 0, 8)).toBe(0o12);
    expect(parseNumeric(Buffer.from('\0\0\0\0'), 0, 4)).toBe(0);
    expect(parseNumeric(Buffer.from('12x4'), 0, 4)).toBeNaN();
  });

  it('helpers: normaliseTarPath, parsePax, looksLikeTar', () => {
    expect(normaliseTarPath('./a/./b//c')).toEqual({ path: 'a/b/c', unsafe: false });
    expect(normaliseTarPath('/etc/passwd').unsafe).toBe(true);
    expect(normaliseTarPath('a/..').unsafe).toBe(true);
    expect(normaliseTarPath('a\\..\\b').unsafe).toBe(true);
    expect(normaliseTarPath('C:/x').unsafe).toBe(true);
    expect(normaliseTarPath('a..b/c..').unsafe).toBe(false);
    expect(parsePax(Buffer.from(paxRecord('path', 'é/ü=x') + paxRecord('size', '5')))).toEqual({ path: 'é/ü=x', size: '5' });
    expect(looksLikeTar(makeTar([{ name: 'a', magic: 'v7', data: 'x' }]))).toBe(true);
    expect(looksLikeTar(Buffer.alloc(1024))).toBe(false);
    expect(looksLikeTar(Buffer.from('hello\n'.repeat(200)))).toBe(false);
  });
});

describe('readTar on damaged archives', () => {
  const entries = [
    { name: 'one.log', data: 'first member\n'.repeat(100) }, // 1300 bytes: header 0, data 512..1812, pad to 2048
    { name: 'two.log', data: 'second member\n'.repeat(100) }, // header 2048, data 2560..3960, pad to 4096
    { name: 'three.log', data: 'third\n' }, // header 4096, data 4608, end 5120
  ];
  const tar = makeTar(entries);

  it('cut mid-member: earlier members intact, the cut member named with the missing byte count', async () => {
    const got = await collect(once(tar.subarray(0, 3000)));
    expect(got.files.map((f) => f.path)).toEqual(['one.log', 'two.log']);
    expect(got.files[0]!.text).toBe(entries[0]!.data);
    expect(got.files[1]!.text).toBe(entries[1]!.data.slice(0, 3000 - 2560));
    expect(got.problems).toEqual([
      expect.objectContaining({ kind: 'truncated_archive', file: 'two.log', input: 'a.tar', offset: 3000 }),
    ]);
    expect(got.problems[0]!.message).toMatch(/two\.log.*: 960 bytes missing/);
  });

  it('cut mid-header', async () => {
    const got = await collect(once(tar.subarray(0, 2048 + 100)));
    expect(got.files.map((f) => f.path)).toEqual(['one.log']);
    expect(got.problems).toEqual([expect.objectContaining({ kind: 'truncated_archive', offset: 2048 })]);
    expect(got.problems[0]!.message).toMatch(/header at byte 2048.*412 bytes missing/);
  });

  it('cut in the padding, at a header boundary, and before the end blocks', async () => {
    const inPad = await collect(once(tar.subarray(0, 1900)));
    expect(inPad.files.map((f) => f.text.length)).toEqual([1300]);
    expect(inPad.problems).toEqual([expect.objectContaining({ kind: 'truncated_archive', file: 'one.log' })]);
    expect(inPad.problems[0]!.message).toMatch(/padding.*148 bytes missing/);

    const atHeader = await collect(once(tar.subarray(0, 2048)));
    expect(atHeader.files.map((f) => f.path)).toEqual(['one.log']);
    expect(atHeader.problems).toEqual([expect.objectContaining({ kind: 'truncated_archive', offset: 2048 })]);

    const noEnd = await collect(once(tar.subarray(0, 5120)));
    expect(noEnd.files.map((f) => f.path)).toEqual(['one.log', 'two.log', 'three.log']);
    expect(noEnd.problems.map((p) => p.kind)).toEqual(['truncated_archive']);
    expect(noEnd.problems[0]!.message).toMatch(/end-of-archive/);

    const empty = await collect(once(Buffer.alloc(0)));
    expect(empty.problems.map((p) => p.message)).toEqual(['archive is empty']);
  });

  it('every cut offset gives a prefix of the members and exactly one truncated_archive problem', async () => {
    for (let cut = 1; cut < 5120; cut += 97) {
      const got = await collect(chunked(tar.subarray(0, cut), [333]));
      expect(got.problems.map((p) => p.kind), `cut ${cut}`).toEqual(['truncated_archive']);
      const all = entries.map((e) => e.name);
      expect(got.files.map((f) => f.path)).toEqual(all.slice(0, got.files.length));
      got.files.forEach((f, i) => expect(entries[i]!.data.startsWith(f.text)).toBe(true));
    }
  });

  it('a flipped byte in a header is corrupt_archive at that header offset; reading stops', async () => {
    const bad = Buffer.from(tar);
    bad[2048 + 5]! ^= 0x01; // in two.log's name
    const got = await collect(once(bad));
    expect(got.files.map((f) => f.path)).toEqual(['one.log']);
    expect(got.problems).toEqual([expect.objectContaining({ kind: 'corrupt_archive', offset: 2048 })]);
    expect(got.problems[0]!.message).toMatch(/checksum at byte 2048/);
  });

  it('data that is not a tar archive at all is corrupt_archive at offset 0', async () => {
    const got = await collect(once(Buffer.from('just a text file\n'.repeat(64))));
    expect(got.files).toEqual([]);
    expect(got.problems).toEqual([expect.objectContaining({ kind: 'corrupt_archive', offset: 0 })]);
  });

  it('a source that throws ends reading, described by describeError', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield tar.subarray(0, 2600);
      throw Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' });
    }
    const got = await collect(failing(), {
      input: 'x.tgz',
      describeError: (e) => ({ kind: 'truncated_archive', message: `gz: ${(e as Error).message}` }),
    });
    expect(got.files.map((f) => f.path)).toEqual(['one.log', 'two.log']);
    expect(got.problems).toEqual([
      expect.objectContaining({ kind: 'truncated_archive', file: 'two.log', input: 'x.tgz' }),
    ]);
    expect(got.problems[0]!.message).toMatch(/^gz: unexpected end of file while reading member two\.log .*1360 bytes missing/);

    async function* failsAfterEnd(): AsyncGenerator<Buffer> {
      yield tar;
      throw new Error('incorrect data check');
    }
    const late = await collect(failsAfterEnd());
    expect(late.files).toHaveLength(3);
    expect(late.problems).toEqual([expect.objectContaining({ kind: 'corrupt_archive' })]);
    expect(late.problems[0]!.message).toMatch(/incorrect data check.*after the end/);
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* src(): AsyncGenerator<Buffer> {
      try {
        yield tar;
        yield Buffer.alloc(10);
      } finally {
        closed = true;
      }
    }
    for await (const item of readTar(src())) {
      expect(item.type).toBe('file');
      break;
    }
    expect(closed).toBe(true);
  });
});
