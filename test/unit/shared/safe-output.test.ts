/** Safe output files (issue #12): checked before work, exclusive temp files, no symlink followed. */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecorder } from '../../../src/pipeline/recorder.ts';
import { RunSet } from '../../../src/metrics/run-set.ts';
import { checkOutputPath, openAtomic, OutputPathError, writeFileAtomic } from '../../../src/shared/safe-output.ts';
import { withTgz, writeTgz } from '../../../src/sources/tar-writer.ts';

let dir: string;
let victim: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dlperf-safe-out-'));
  victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'precious\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Symlinks to the victim at every name the old code (and obvious variants) would have used. */
function plant(target: string): string[] {
  const names = [`${target}.tmp-${process.pid}`, `${target}.tmp`, `${target}.part`, `${target}~`];
  for (let pid = process.pid - 3; pid <= process.pid + 3; pid++) names.push(`${target}.tmp-${pid}`);
  for (const n of new Set(names)) symlinkSync(victim, n);
  return [...new Set(names)];
}

describe('checkOutputPath', () => {
  it('refuses an empty path, a directory, a missing parent, an unwritable place and an input', () => {
    const refuse = (p: string, re: RegExp, inputs?: string[]) => {
      const t0 = Date.now();
      expect(() => checkOutputPath(p, { flag: '-o', ...(inputs ? { inputs } : {}) })).toThrow(re);
      expect(Date.now() - t0).toBeLessThan(1000);
      try {
        checkOutputPath(p, { flag: '-o', ...(inputs ? { inputs } : {}) });
      } catch (e) {
        expect(e).toBeInstanceOf(OutputPathError);
      }
    };
    refuse('', /empty path/);
    refuse('   ', /empty path/);
    refuse(dir, /is a directory/);
    refuse(`${dir}/`, /directory/);
    refuse(join(dir, 'no/such/dir/x.tgz'), /does not exist/);
    refuse('/proc/x.tgz', /cannot create a file in \/proc/);
    refuse(join(victim, 'x.tgz'), /not a directory/);
    refuse('/dev/null', /not a regular file/);
    refuse(victim, /is the input/, [victim]);
    // a hard link to an input is the same file too
    expect(checkOutputPath(join(dir, 'fresh.tgz'), { flag: '-o', inputs: [victim] })).toBe(join(dir, 'fresh.tgz'));
    // the probe left nothing behind
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });
});

describe('temporary files', () => {
  it('withTgz and writeFileAtomic never follow a symlink planted at a likely temp name', async () => {
    const target = join(dir, 'run.tgz');
    const planted = plant(target);
    await writeTgz(target, [{ path: 'a.log', data: 'x\n' }]);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(target).isFile()).toBe(true);
    expect(lstatSync(target).isSymbolicLink()).toBe(false);
    for (const p of planted) expect(lstatSync(p).isSymbolicLink()).toBe(true);

    const report = join(dir, 'report.md');
    plant(report);
    await writeFileAtomic(report, '# report\n');
    expect(readFileSync(report, 'utf8')).toBe('# report\n');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('a symlink at the target itself is replaced, not written through', async () => {
    const target = join(dir, 'linked.md');
    symlinkSync(victim, target);
    await writeFileAtomic(target, 'new\n');
    expect(lstatSync(target).isSymbolicLink()).toBe(false);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('temp names are random, exclusive, and removed on failure', async () => {
    const target = join(dir, 'fail.tgz');
    const a = openAtomic(target);
    const b = openAtomic(target);
    expect(a.tempPath).not.toBe(b.tempPath);
    expect(a.tempPath).toMatch(/\/\.fail\.tgz\.[0-9a-f]{18}\.tmp$/);
    await a.abort();
    await b.abort();
    await expect(
      withTgz(target, async (tar) => {
        await tar.addFile('a.log', 'x');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('.fail.tgz'))).toEqual([]);
  });

  it('the recorder writes through an exclusive temp file and never through planted links', async () => {
    const out = join(dir, 'rec', 'live.tgz');
    mkdirSync(join(dir, 'rec'));
    plant(out);
    const rec = createRecorder(out, { now: () => 1_600_000_000_000, tmpDir: dir });
    rec.record([{ type: 'line', node: 'node0', file: '/x/a.log', offset: 0, text: 'hello', time: 1, lineNo: 1 } as never]);
    await rec.finish(new RunSet());
    expect(lstatSync(out).isFile()).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(existsSync(rec.tempDir)).toBe(false);
  });
});
