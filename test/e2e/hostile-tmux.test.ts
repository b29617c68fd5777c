/**
 * A replay of an archive whose member names are hostile, in a real terminal (tmux): the pane title
 * and tmux's clipboard buffers are unchanged afterwards, and the names show as visible escapes.
 * A control run first proves that this tmux does act on the same sequences when they arrive raw,
 * so the test can fail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TmuxSession, requireTmux } from '../helpers/tmux.ts';
import { writeHostileArchive } from '../fixtures/hostile/corpus.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
requireTmux();

let tmp: string;
let archive: string;
let session: TmuxSession | undefined;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'dlperf-hostile-tmux-'));
  archive = join(tmp, 'hostile.tgz');
  await writeHostileArchive(archive);
});
afterEach(() => session?.kill());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const title = (s: TmuxSession) => s.tmux('display', '-p', '-t', s.name, '#{pane_title}').trim();
const buffers = (s: TmuxSession) => s.tmux('list-buffers', '-F', '#{buffer_name}:#{buffer_sample}').trim();

/** A session that accepts title and OSC 52 clipboard sequences from programs, with a known title. */
function armed(name: string, command: string, cols = 120, rows = 40): TmuxSession {
  const s = new TmuxSession(name, ROOT);
  s.start(`sleep 0.5; ${command}`, cols, rows);
  s.tmux('set', '-g', 'set-clipboard', 'on');
  s.tmux('set', '-g', 'allow-rename', 'on');
  s.tmux('select-pane', '-t', name, '-T', 'SAFE-TITLE');
  return s;
}

describe('hostile archive member names in a real terminal', () => {
  it('control: raw OSC 0 and OSC 52 do change this tmux pane title and buffers', async () => {
    session = armed('ctl', `printf '\\033]2;PWNED-TITLE\\007\\033]52;c;UFdORUQtQ0xJUA==\\007'`);
    await session.waitFor((s) => s.includes('EXIT:0'));
    await session.waitFor(() => title(session!) === 'PWNED-TITLE', 5000).catch(() => undefined);
    expect(title(session)).toBe('PWNED-TITLE');
    expect(buffers(session)).toContain('PWNED-CLIP');
  });

  it('replay: pane title and clipboard buffers unchanged, names shown as visible escapes', async () => {
    session = armed('hostile', `node bin/dlperf-top.mjs replay --speed 60 '${archive}'`);
    const screen = await session.waitFor((s) => s.includes('runs (') && s.includes('\\x1b]'), 30_000);
    expect(screen).toMatch(/\\x1b\]0;PWNED-TITLE\\x07|\\x1b\]52;c;UFdORUQtQ0xJUA==\\x07/);
    // Walk through every run (n) so each hostile name is drawn, and focus the node (its log pane).
    for (let i = 0; i < 10; i++) session.literal('n');
    session.keys('Enter');
    await new Promise((r) => setTimeout(r, 2500));
    const later = session.capture();
    expect(later).toContain('\\u202e');
    session.literal('q');
    await session.waitFor((s) => s.includes('EXIT:0'), 15_000);
    expect(title(session)).toBe('SAFE-TITLE');
    expect(buffers(session)).toBe('');
  });
});
