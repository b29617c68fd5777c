/**
 * A glob is a named source of its own, with the real binary: before it matches, its row (TUI) and
 * NDJSON entry say "glob matched nothing yet"; once its files send lines they are rows of their
 * own and the glob keeps its row, saying how many files it follows — in the node table at
 * 120×40 and 80×24 (tmux), and in NDJSON `sources[]`.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { liveHeadless } from '../helpers/live-headless.ts';
import { PROMPT_SEEN, TmuxSession, requireTmux } from '../helpers/tmux.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dlperf-top.mjs');
const DEMO = join(ROOT, 'test/e2e/fixtures/tui-demo');
requireTmux();
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-live-glob-'));
const sessions: TmuxSession[] = [];

afterAll(() => {
  for (const s of sessions) s.kill();
  rmSync(tmp, { recursive: true, force: true });
});

/** A directory the glob matches nothing in yet; `fill()` writes the two demo node logs there. */
function globDir(name: string): { dir: string; fill: () => void } {
  const dir = join(tmp, name);
  mkdirSync(dir);
  return { dir, fill: () => ['node1.log', 'node2.log'].forEach((f) => copyFileSync(join(DEMO, f), join(dir, f))) };
}

describe('a glob keeps its row, with the real binary', () => {
  it.each([
    [120, 40],
    [80, 24],
  ])('TUI at %i×%i: "glob matched nothing yet", then "following 2 files" beside its files', async (cols, rows) => {
    const { dir, fill } = globDir(`tui${cols}`);
    const s = new TmuxSession(`glob${cols}`, dir);
    sessions.push(s);
    s.start(`node ${BIN} live '*.log' 'not-there/*.log'`, cols, rows);
    await s.waitFor((x) => /^ +local +\*\.log +waiting +glob matched nothing yet/m.test(x), 15_000);
    fill();
    const screen = await s.waitFor((x) => /^[› ] node[12] /m.test(x) && /^ +local +\*\.log +(streaming|quiet|ended) +following 2 files$/m.test(x), 15_000);
    // The other glob still says why it has nothing; the header names it.
    expect(screen).toMatch(/^ +local +not-there\/\*\.log +waiting +glob matched nothing yet/m);
    expect(screen).toMatch(/1 of 2 sources reporting · 1 missing: not-there\/\*\.log \(glob matched nothing yet\)/);
    for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(cols);
    s.literal('q');
    await s.waitFor((x) => x.includes('EXIT:0') && x.includes(PROMPT_SEEN));
  }, 40_000);

  it('headless: sources[] has the glob from the first snapshot, and after its files match (files: 2)', async () => {
    const { dir, fill } = globDir('headless');
    const t = setTimeout(fill, 1200);
    const { out, code, err } = await liveHeadless(BIN, dir, ['*.log']);
    clearTimeout(t);
    expect(code, err).toBe(0);
    const snaps = out.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'snapshot');
    // From the first snapshot (connecting, or already saying why); then why, before the files come.
    expect(snaps[0].sources).toEqual([expect.objectContaining({ source: '*.log', kind: 'glob', files: 0, reporting: false })]);
    expect(snaps.some((x) => x.sources[0].state === 'waiting' && x.sources[0].reason === 'glob matched nothing yet')).toBe(true);
    // The session ended (--exit-when-done): every file ended, the glob followed them.
    const last = snaps.at(-1);
    expect(last.sources).toEqual([expect.objectContaining({ source: '*.log', kind: 'glob', files: 2, reporting: true, reason: 'followed 2 files' })]);
    expect(last.nodes.map((n: { source: string }) => n.source).sort()).toEqual(['node1.log', 'node2.log']);
  }, 60_000);
});
