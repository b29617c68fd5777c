/**
 * `dlperf-top live --headless --exit-when-done` (the real binary) on two node logs appended to
 * while it watches, with each way of watching local files: the native directory watch (Linux's
 * default), chokidar's directory watch, and chokidar's polling (--poll). Every line is counted once
 * and the final snapshot's throughput equals `summary` on the finished files.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dlperf-top.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-live-headless-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const fixtures = ['node1', 'node2'].map((n) => readFileSync(join(ROOT, 'test/e2e/fixtures/tui-demo', `${n}.log`), 'utf8'));

interface Snapshot {
  type: string;
  runs: { throughput: number | null; phase: string }[];
  nodes: { source: string; lines: number }[];
}

describe('dlperf-top live --headless', () => {
  it.each([
    ['native watcher', ['--watcher', 'native']],
    ['chokidar watcher', ['--watcher', 'chokidar']],
    ['chokidar polling', ['--poll', '--poll-ms', '100']],
  ])('%s: lines once, final throughput equals summary', async (name, flags) => {
    const dir = join(tmp, name.replace(/ /g, '-'));
    for (const n of ['node1', 'node2']) {
      mkdirSync(join(dir, n), { recursive: true });
      writeFileSync(join(dir, n, 'oneflow.log'), '');
    }
    const child = spawn(process.execPath, [BIN, 'live', '--headless', '--interval', '0.2', '--exit-when-done', '--idle', '1.5', ...flags, join(dir, '*', 'oneflow.log')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 600));
    // Append the logs line by line, as training would (partial lines included).
    const lines = fixtures.map((f) => f.split(/(?<=\n)/));
    for (let i = 0; i < Math.max(...lines.map((l) => l.length)); i++) {
      lines.forEach((ls, k) => {
        const l = ls[i];
        if (l === undefined) return;
        const file = join(dir, `node${k + 1}`, 'oneflow.log');
        const cut = Math.floor(l.length / 2);
        appendFileSync(file, l.slice(0, cut));
        appendFileSync(file, l.slice(cut));
      });
      await new Promise((r) => setTimeout(r, 15));
    }
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code, err).toBe(0);
    const snaps = out.split('\n').filter((l) => l.startsWith('{"type":"snapshot"')).map((l) => JSON.parse(l) as Snapshot);
    const last = snaps.at(-1)!;
    expect(last.nodes.map((n) => n.lines).sort()).toEqual(fixtures.map((f) => f.split('\n').length - 1).sort());
    const summary = spawnSync(process.execPath, [BIN, 'summary', '--format', 'json', dir], { cwd: ROOT, encoding: 'utf8' });
    const want = (JSON.parse(summary.stdout) as { runs: { throughput: number }[] }).runs[0]!.throughput;
    expect(want).toBeGreaterThan(0);
    expect(last.runs[0]).toMatchObject({ throughput: want, phase: 'done' });
  });
});
