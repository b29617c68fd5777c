/**
 * Files that are not logs, in all three modes of the real binary: a binary file (random bytes with
 * NULs) and a text file that no format recognises. Summary, replay and live must say the same
 * thing about the same bytes: the binary file skipped with "binary data, not a text log" (live
 * too: before, it fed the bytes as lines and said nothing), and "no run recognised" with exit 3
 * where nothing else was given (replay and live exited 0).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { liveHeadless } from '../helpers/live-headless.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dlperf-top.mjs');
const GOOD = join(ROOT, 'test/fixtures/public/ngc-mxnet-rn50-dll-1n8g.log');

const dir = mkdtempSync(join(tmpdir(), 'dlperf-not-a-log-'));
const BINARY = join(dir, 'core.log');
writeFileSync(BINARY, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i % 50 === 0 ? 10 : (i * 7919 + 13) % 256))));
const TEXT = join(dir, 'notes.log');
writeFileSync(TEXT, 'hello\nthis is not a training log\nat all\n');
const MIXED = join(dir, 'mixed');
mkdirSync(MIXED);
copyFileSync(BINARY, join(MIXED, 'a.log'));
copyFileSync(GOOD, join(MIXED, 'b.log'));

const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
const lastSnapshot = (out: string) => JSON.parse(out.split('\n').filter((l) => l.startsWith('{"type":"snapshot"')).at(-1)!);

describe('a binary file', () => {
  it('summary and replay skip it with the same words and exit 3 (no run)', () => {
    for (const args of [['summary', BINARY], ['replay', '--headless', '--speed', 'max', BINARY]]) {
      const r = run(args);
      expect(r.stderr, args[0]).toContain(`${BINARY}: binary data, not a text log; skipped`);
      expect(r.status, `${args[0]}\n${r.stderr}`).toBe(3);
    }
  });

  it('live says so on stderr, its row is in error with the reason, nothing of it is a line; exit 5', async () => {
    const l = await liveHeadless(BIN, dir, ['core.log']);
    expect(l.err).toContain('core.log: binary data, not a text log; skipped');
    const s = lastSnapshot(l.out);
    expect(s.totals.lines).toBe(0);
    expect(s.totals.problems).toBe(1);
    expect(s.nodes[0].state).toBe('error');
    expect(s.nodes[0].reason).toMatch(/binary data, not a text log/);
    expect(s.exit.code).toBe(5);
    expect(l.code).toBe(5);
  });

  it('among good logs (a glob): skipped and said in every mode, the good run as summary gives it, exit 0', async () => {
    const sum = run(['summary', '--format', 'json', MIXED]);
    expect(sum.status).toBe(0);
    expect(sum.stderr).toMatch(/a\.log: binary data, not a text log; skipped/);
    const want = JSON.parse(sum.stdout).runs.map((r: { throughput: number | null }) => r.throughput);
    const rep = run(['replay', '--headless', '--speed', 'max', MIXED]);
    expect(rep.status).toBe(0);
    expect(rep.stderr).toMatch(/a\.log: binary data, not a text log; skipped/);
    expect(lastSnapshot(rep.stdout).runs.map((r: { throughput: number | null }) => r.throughput)).toEqual(want);
    const l = await liveHeadless(BIN, dir, [join(MIXED, '*.log')]);
    expect(l.err).toMatch(/a\.log: binary data, not a text log; skipped/);
    const s = lastSnapshot(l.out);
    expect(s.runs.map((r: { throughput: number | null }) => r.throughput)).toEqual(want);
    expect(s.totals.problems).toBe(1);
    expect(l.code).toBe(0);
  });
});

describe('a binary or empty file beside a log, replayed', () => {
  it('gives no 1970 time anywhere, timed or at max speed (spec/ndjson.md: every time a real instant)', () => {
    const beside = join(dir, 'beside');
    mkdirSync(beside);
    copyFileSync(BINARY, join(beside, 'a.log'));
    copyFileSync(GOOD, join(beside, 'b.log'));
    writeFileSync(join(beside, 'c.log'), '');
    for (const speed of ['max', '1000']) {
      const r = run(['replay', '--headless', '--speed', speed, beside]);
      expect(r.status, r.stderr).toBe(0);
      const times = [...r.stdout.matchAll(/"time":"([^"]+)"/g)].map((m) => m[1]!);
      expect(times.length, speed).toBeGreaterThan(0);
      expect(times.filter((t) => t.startsWith('1970')), speed).toEqual([]);
    }
  });
});

describe('an archive given to live', () => {
  it('is named for what it is, with the commands that read it; exit 5 (summary reads it: exit 0)', async () => {
    const tgz = join(ROOT, 'replays/resnet50-scaling-demo.tgz');
    const l = await liveHeadless(BIN, dir, [tgz]);
    expect(l.err).toContain(`${tgz}: a gzip or tar archive, not a text log; skipped (\`dlperf-top replay\` and \`summary\` read archives)`);
    expect(lastSnapshot(l.out).totals.lines).toBe(0);
    expect(l.code).toBe(5);
    expect(run(['summary', tgz]).status).toBe(0);
  });
});

describe('a log whose last line has no newline', () => {
  it('summary and live both say it; live counts complete lines only', async () => {
    const half = join(dir, 'half.log');
    const text = readFileSync(GOOD, 'utf8');
    writeFileSync(half, text.slice(0, text.length - 40));
    const lines = text.slice(0, text.length - 40).split('\n').length;
    const sum = run(['summary', half]);
    expect(sum.stderr).toContain(`the last line (${lines}) has no newline`);
    const l = await liveHeadless(BIN, dir, ['half.log']);
    expect(l.err).toContain(`half.log: the last line (${lines}) had no newline when following stopped; not counted`);
    const s = lastSnapshot(l.out);
    expect(s.totals.lines).toBe(lines - 1);
    expect(s.totals.problems).toBe(1);
  });

  it('cut inside the number of the line that closes the window: summary, replay and live give the same verdict (the cut line counts in none)', async () => {
    const text = readFileSync(GOOD, 'utf8');
    // Epoch 0's iteration 139 closes the window (39 → 139); cut after "train.ips : 115".
    const at = text.indexOf('Iteration: 139 ');
    const cut = text.indexOf('train.ips : ', at) + 'train.ips : 115'.length;
    const f = join(dir, 'cut.log');
    writeFileSync(f, text.slice(0, cut));
    const sum = run(['summary', f, '--format', 'json']);
    expect(sum.stderr).toContain('has no newline (cut short?); not counted');
    const runOf = (j: { runs: { status: string; throughput: number | null }[] }) => ({ status: j.runs[0]!.status, throughput: j.runs[0]!.throughput });
    const fromSummary = runOf(JSON.parse(sum.stdout));
    const rep = run(['replay', f, '--headless', '--speed', 'max']);
    const fromReplay = runOf(lastSnapshot(rep.stdout));
    const l = await liveHeadless(BIN, dir, ['cut.log']);
    const fromLive = runOf(lastSnapshot(l.out));
    expect(fromSummary).toEqual(fromLive);
    expect(fromReplay).toEqual(fromLive);
    // The whole line, newline included, would have closed the window.
    writeFileSync(f, text.slice(0, text.indexOf('\n', at) + 1));
    expect(JSON.parse(run(['summary', f, '--format', 'json']).stdout).runs[0].throughput).not.toBeNull();
    expect(fromSummary.throughput).toBeNull();
  });
});

describe('an empty log (0 bytes: a repeat that never started)', () => {
  it('is said by summary (stderr, JSON problems, Findings) and replay, not passed over; alone, the report does not say every run completed', () => {
    const d = join(dir, 'empty-sweep');
    mkdirSync(d, { recursive: true });
    copyFileSync(GOOD, join(d, 'r50_b256_amp_1.log'));
    writeFileSync(join(d, 'r50_b256_amp_2.log'), '');
    const sum = run(['summary', d, '--format', 'json']);
    expect(sum.stderr).toContain('r50_b256_amp_2.log: empty (0 bytes): no run');
    const j = JSON.parse(sum.stdout);
    expect(j.problems).toContainEqual(expect.objectContaining({ kind: 'empty', file: 'r50_b256_amp_2.log' }));
    expect(j.runs).toHaveLength(1);
    const md = run(['summary', d]);
    expect(md.stdout).toContain('- **empty** — r50_b256_amp_2.log: empty (0 bytes): no run');
    expect(run(['replay', d, '--headless', '--speed', 'max']).stderr).toContain('r50_b256_amp_2.log: empty (0 bytes): no run');
    const alone = join(dir, 'empty-only');
    mkdirSync(alone, { recursive: true });
    writeFileSync(join(alone, 'r50_b256_amp_1.log'), '');
    const a = run(['summary', alone]);
    expect(a.status).toBe(3);
    expect(a.stdout).not.toContain('every run completed its window');
    expect(a.stdout).toContain('empty (0 bytes): no run');
  });
});

describe('a FIFO given to live', () => {
  it('is never opened for reading (no writer needed): its row says what it is, exit 5, and the run ends', async () => {
    const fifo = join(dir, 'pipe.log');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const t0 = Date.now();
    const l = await liveHeadless(BIN, dir, ['pipe.log']);
    // Before, the open waited for a writer forever, and so did the stop (SIGINT and SIGTERM too).
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(l.err).toContain('not a regular file (a FIFO)');
    expect(lastSnapshot(l.out).nodes[0].reason).toBe('not a regular file (a FIFO)');
    expect(l.code).toBe(5);
  });
});

describe('a text file no format recognises', () => {
  it('exits 3 with "no run recognised" in summary, replay and live alike', async () => {
    const sum = run(['summary', TEXT]);
    const rep = run(['replay', '--headless', '--speed', 'max', TEXT]);
    const l = await liveHeadless(BIN, dir, ['notes.log']);
    for (const [name, r] of [['summary', { status: sum.status, err: sum.stderr }], ['replay', { status: rep.status, err: rep.stderr }], ['live', { status: l.code, err: l.err }]] as const) {
      expect(r.status, `${name}\n${r.err}`).toBe(3);
      expect(r.err, name).toMatch(/no run recognised in .*notes\.log/);
    }
    expect(lastSnapshot(l.out).exit.code).toBe(3);
  });
});
