/**
 * The real binary in a real terminal: `dlperf-top replay` on the bundled demo archive, driven with
 * tmux send-keys and read back with capture-pane.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PROMPT_SEEN, TmuxSession, requireTmux } from '../helpers/tmux.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
requireTmux();

let session: TmuxSession | undefined;
afterEach(() => session?.kill());

describe('dlperf-top replay in tmux', () => {
  it('plays the demo, pause and speed keys change the screen, q exits cleanly', async () => {
    session = new TmuxSession('replay', ROOT);
    session.start('node bin/dlperf-top.mjs replay replays/resnet50-scaling-demo.tgz', 110, 32);
    const first = await session.waitForText('run 1/20', '1n1g/r50_b256_amp_1');
    expect(first).toMatch(/▶ 1×/);
    expect(first).toContain('resnet50');
    // The position advances while playing.
    const pos = (s: string) => /(\d+:\d\d) \/ \d+:\d\d/.exec(s)?.[1];
    const p0 = pos(first);
    await session.waitFor((s) => pos(s) !== undefined && pos(s) !== p0);

    session.keys('Space');
    const paused = await session.waitFor((s) => /⏸/.test(s));
    const held = pos(paused);
    await new Promise((r) => setTimeout(r, 1500));
    expect(pos(session.capture())).toBe(held); // paused: the clock does not move

    session.literal('+');
    await session.waitFor((s) => /2×/.test(s));
    session.literal('+');
    await session.waitFor((s) => /5×/.test(s));
    session.literal('-');
    await session.waitFor((s) => /2×/.test(s));

    session.literal('n'); // next run
    await session.waitForText('run 2/20');

    session.literal('q');
    const after = await session.waitFor((s) => s.includes('EXIT:0') && s.includes(PROMPT_SEEN));
    expect(after).not.toContain('run 2/20'); // the main screen is back: the UI is gone
    expect(session.tmux('display', '-p', '-t', 'replay', '#{alternate_on}').trim()).toBe('0');
  });

  it('shows the InfiniBand-fallback alert on the repeat that has it, with the proving line', async () => {
    session = new TmuxSession('ib', ROOT);
    session.start("node bin/dlperf-top.mjs replay --speed 60 --run '2n8g/(node[0-9]+/)?r50_b256_amp_3' replays/resnet50-scaling-demo.tgz", 120, 36);
    const s = await session.waitForText('InfiniBand fallback');
    expect(s).toContain('2n8g');
    expect(s).toMatch(/Using network Socket|via NET\/Socket/);
    session.literal('q');
    await session.waitFor((x) => x.includes('EXIT:0'));
  });
});
