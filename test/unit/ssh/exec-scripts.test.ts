/**
 * The exec fallback's scripts, run under a local `sh` with a `wc` that rotates the file (rename,
 * new file at the path) just before it counts: the race a rename rotation can win between a
 * script's inode check and its read. The size or bytes of the new file must never be answered
 * for the old one (that read the old file again from the start: every line twice).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCRIPTS } from '../../../src/sources/ssh/exec-fs.ts';

const dir = mkdtempSync(join(tmpdir(), 'exec-scripts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const realWc = execFileSync('sh', ['-c', 'command -v wc'], { encoding: 'utf8' }).trim();

/** A file of 1,000 bytes and its inode; `bin/wc` rotates it once, then counts. */
function setup(name: string) {
  const d = join(dir, name);
  const bin = join(d, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  const f = join(d, 'train.log');
  writeFileSync(f, 'x'.repeat(999) + '\n');
  const ino = String(statSync(f).ino);
  writeFileSync(join(bin, 'wc'), `#!/bin/sh\nif [ ! -e "${f}.1" ]; then mv "${f}" "${f}.1"; printf 'gen1 first\\n' > "${f}"; fi\nexec ${realWc} "$@"\n`);
  chmodSync(join(bin, 'wc'), 0o755);
  const run = (script: string, args: string[]) => spawnSync('sh', ['-c', script, 'sh', ...args], { env: { ...process.env, PATH: `${bin}:${process.env['PATH']}` }, encoding: 'latin1' });
  return { f, ino, run };
}

describe('exec scripts under a rotation that lands inside them', () => {
  it('sizes: the path renamed between its inode check and its count answers m, not the new file size', () => {
    const { f, ino, run } = setup('sizes');
    const r = run(SCRIPTS.sizes, [f, ino]);
    expect(r.stdout.trim()).toBe('m');
  });

  it('size: exits 5 (moved) instead of answering the new file size', () => {
    const { f, ino, run } = setup('size');
    const r = run(SCRIPTS.size, [f, ino]);
    expect(r.status).toBe(5);
  });

  it('sizeRead: exits 5 (moved); its output is then not used', () => {
    const { f, ino, run } = setup('sizeread');
    const r = run(SCRIPTS.sizeRead, [f, ino, '1', '4096']);
    expect(r.status).toBe(5);
  });

  it('without a rotation each answers as before', () => {
    const d = join(dir, 'plain');
    execFileSync('mkdir', ['-p', d]);
    const f = join(d, 'a.log');
    writeFileSync(f, 'line 1\nline 2\n');
    const ino = String(statSync(f).ino);
    const sh = (script: string, args: string[]) => spawnSync('sh', ['-c', script, 'sh', ...args], { encoding: 'latin1' });
    expect(sh(SCRIPTS.sizes, [f, ino]).stdout.trim()).toBe('14');
    expect(sh(SCRIPTS.size, [f, ino]).stdout.trim()).toBe('14');
    const rr = sh(SCRIPTS.read, [f, ino, '8', '100']);
    expect([rr.status, rr.stdout]).toEqual([0, 'line 2\n']);
    const sr = sh(SCRIPTS.sizeRead, [f, ino, '1', '6']);
    expect([sr.status, sr.stdout]).toEqual([0, '14\nline 1']);
  });
});

describe('exec scripts on symbolic links', () => {
  it('a link to a missing file, or a loop, is no such file (exit 2), as over SFTP; not permission denied', () => {
    const d = join(dir, 'links');
    execFileSync('mkdir', ['-p', d]);
    execFileSync('ln', ['-s', 'not-written-yet.log', join(d, 'latest.log')]);
    execFileSync('ln', ['-s', 'loop-b', join(d, 'loop-a')]);
    execFileSync('ln', ['-s', 'loop-a', join(d, 'loop-b')]);
    const sh = (script: string, args: string[]) => spawnSync('sh', ['-c', script, 'sh', ...args], { encoding: 'latin1' });
    expect(sh(SCRIPTS.open, [join(d, 'latest.log')]).status).toBe(2);
    expect(sh(SCRIPTS.open, [join(d, 'loop-a')]).status).toBe(2);
    // Once the target exists, the link opens (its inode is the target's).
    writeFileSync(join(d, 'not-written-yet.log'), 'line 1\n');
    const r = sh(SCRIPTS.open, [join(d, 'latest.log')]);
    expect([r.status, r.stdout.trim()]).toEqual([0, String(statSync(join(d, 'not-written-yet.log')).ino)]);
  });
});
