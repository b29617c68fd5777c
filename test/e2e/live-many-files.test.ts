/**
 * A big glob under a low `ulimit -n`: the real binary follows every one of 5,000 files (idle
 * files are closed and reopened on change, within a budget derived from the soft limit), and
 * where the process does run out of descriptors (the budget forced above the limit), EMFILE is
 * reported as a problem for the files it could not open — never a silently shorter list.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dlperf-top.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-many-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Run `argv` under `ulimit -n LIMIT` (sh, as a user would); resolves with stdout/stderr once it exits. */
function underLimit(limit: number, argv: string[], stopAfterMs?: number, stopWhen?: (out: string) => boolean): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn('/bin/sh', ['-c', `ulimit -n ${limit} && exec ${argv.map(q).join(' ')}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let stopped = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    // Stop as soon as the output says enough (start-up time varies with the machine's load).
    if (!stopped && stopWhen?.(out)) {
      stopped = true;
      setTimeout(() => child.kill('SIGINT'), 1_500);
    }
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = stopAfterMs !== undefined ? setTimeout(() => child.kill('SIGINT'), stopAfterMs) : null;
  return new Promise((r) =>
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      r({ code, out, err });
    }),
  );
}

describe('a 5,000-file glob under ulimit -n 256', () => {
  it('live --headless follows all 5,000 files (the last snapshot has every one, each line once)', async () => {
    const dir = join(tmp, 'big');
    for (let d = 0; d < 50; d++) {
      mkdirSync(join(dir, `node${d}`), { recursive: true });
      for (let r = 0; r < 100; r++) writeFileSync(join(dir, `node${d}`, `rank${r}.log`), `DLL 2026-11-23 10:00:00.000000 - PARAMETER arch : resnet50 node ${d} rank ${r}\n`);
    }
    const { code, out, err } = await underLimit(256, [process.execPath, BIN, 'live', '--headless', '--interval', '1', join(dir, '**', '*.log')], 45_000, (o) => o.includes('"files":5000,'));
    expect(code, err).toBe(0);
    const snaps = out
      .split('\n')
      .filter((l) => l.startsWith('{"type":"snapshot"'))
      .map((l) => JSON.parse(l) as { nodes: { source: string; lines: number }[] });
    const last = snaps.at(-1)!;
    const sources = new Set(last.nodes.map((n) => n.source));
    expect(sources.size).toBe(5000);
    expect(last.nodes.every((n) => n.lines === 1)).toBe(true);
    expect(err).not.toMatch(/EMFILE/);
  }, 90_000);

  it('where descriptors do run out (budget forced above the limit), EMFILE is a problem for each file not opened', async () => {
    const dir = join(tmp, 'forced');
    mkdirSync(dir);
    for (let i = 0; i < 300; i++) writeFileSync(join(dir, `f${i}.log`), `line of ${i}\n`);
    const helper = join(ROOT, 'test/helpers/tail-under-limit.ts');
    const forced = await underLimit(64, [process.execPath, join(ROOT, 'bin/run-ts.mjs'), helper, dir, '1000', '1500']);
    const r = JSON.parse(forced.out) as { files: number; lines: number; problems: string[] };
    expect(r.files).toBeLessThan(300);
    const emfile = r.problems.filter((p) => /EMFILE/.test(p));
    // Each file not followed is named (the first 20), then one problem says more were hit.
    expect(emfile.length).toBe(Math.min(300 - r.files, 20) + (300 - r.files > 20 ? 1 : 0));
    expect(emfile[0]).toMatch(/soft limit 64 open files/);
    expect(emfile.at(-1)).toMatch(/more files and directories hit the same limit|cannot open/);
    // The same run with the budget derived from the limit follows all 300.
    const derived = await underLimit(64, [process.execPath, join(ROOT, 'bin/run-ts.mjs'), helper, dir, '', '1500']);
    expect(JSON.parse(derived.out)).toEqual({ files: 300, lines: 300, problems: [] });
  }, 60_000);
});
