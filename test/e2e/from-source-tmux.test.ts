/**
 * The launcher's other path: the TypeScript sources through tsx (a stale or missing bundle, or
 * DLPERF_TOP_FROM_SOURCE=1), run from a directory outside the repository, as a user runs it from
 * their logs. tsx looked for a tsconfig from the working directory, found none, and compiled the
 * TUI's JSX for a global React: the screen never came ("React is not defined"). The launcher now
 * gives tsx the repository's tsconfig.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TmuxSession, requireTmux } from '../helpers/tmux.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
requireTmux();
const away = mkdtempSync(join(tmpdir(), 'dlperf-away-'));
const session = new TmuxSession('from-source', away);
afterAll(() => {
  session.kill();
  rmSync(away, { recursive: true, force: true });
});

describe('the TUI from the TypeScript sources, outside the repository', () => {
  it('replays the demo archive: the board comes, q exits 0', async () => {
    session.start(`DLPERF_TOP_FROM_SOURCE=1 node ${join(ROOT, 'bin/dlperf-top.mjs')} replay --speed max ${join(ROOT, 'replays/resnet50-scaling-demo.tgz')}`, 120, 40);
    const screen = await session.waitFor((s) => /resnet50/.test(s) || /internal error/.test(s), 40_000);
    expect(screen).not.toMatch(/React is not defined|internal error/);
    session.literal('q');
    const end = await session.waitFor((s) => /EXIT:\d+/.test(s), 20_000);
    expect(end).toContain('EXIT:0');
  });
});
