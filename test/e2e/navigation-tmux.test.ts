/**
 * Replay navigation with the real binary in a real terminal (issue 15): `e` holds a run's final
 * numbers, keys sent together (`nnn`) all count, the run picker jumps, and after `q` the final
 * numbers are left on the normal screen.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PROMPT_SEEN, TmuxSession, requireTmux } from '../helpers/tmux.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEMO = 'replays/resnet50-scaling-demo.tgz';
requireTmux();

let session: TmuxSession | undefined;
afterEach(() => session?.kill());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The final figure the header shows (`final 800.3 samples/s`). */
const finalOf = (s: string) => /final ([\d.]+) samples\/s/.exec(s)?.[1];

describe('replay navigation in tmux', () => {
  it('e holds the end of the run with its final numbers; nnn moves three runs', async () => {
    session = new TmuxSession('nav-hold', ROOT);
    session.start(`node bin/dlperf-top.mjs replay ${DEMO}`, 120, 40);
    await session.waitForText('run 1/20', '1n1g/r50_b256_amp_1');
    session.literal('e');
    const held = await session.waitForText('■ held', 'done — final numbers = summary');
    expect(held).toContain('run 1/20');
    expect(finalOf(held)).toBe('800.3'); // = summary's figure for 1n1g repeat 1
    await sleep(1500);
    const still = session.capture();
    expect(still).toContain('■ held');
    expect(still).toContain('run 1/20'); // it did not move on by itself
    session.literal('nnn'); // one chunk: three runs
    await session.waitForText('run 4/20', '1n1g/r50_b256_amp_4');
    session.literal('e');
    const held4 = await session.waitForText('■ held', 'run 4/20');
    expect(finalOf(held4)).toBe('797.0');
    session.keys('Left'); // replays the last 10 s of run 4 …
    await session.waitFor((s) => !s.includes('■ held') && s.includes('run 4/20'));
    session.literal('q');
    const after = await session.waitFor((s) => s.includes('EXIT:0') && s.includes(PROMPT_SEEN));
    expect(session.tmux('display', '-p', '-t', 'nav-hold', '#{alternate_on}').trim()).toBe('0');
    expect(after).toContain('dlperf-top · replay quit at run 4 of 20');
    expect(after).toMatch(/1n1g\/r50_b256_amp_1 +done +final 800\.3 samples\/s/);
  });

  it('at max speed: the run picker jumps to run 1 (held at its end), nnn to run 4; q leaves every final number', async () => {
    session = new TmuxSession('nav-max', ROOT);
    session.start(`node bin/dlperf-top.mjs replay --speed max ${DEMO}`, 120, 60);
    await session.waitForText('run 20/20', 'done — final numbers = summary');
    session.literal('r');
    await session.waitForText('▸ runs (20/20)');
    session.keys('Home');
    await session.waitForText('▸  1. logs/ngc/pytorch/1n1g/r50_b256_amp_1');
    session.keys('Enter');
    const one = await session.waitForText('■ held', 'run 1/20');
    expect(finalOf(one)).toBe('800.3');
    session.literal('nnn');
    const four = await session.waitForText('■ held', 'run 4/20');
    expect(finalOf(four)).toBe('797.0');
    session.literal('q');
    const after = await session.waitFor((s) => s.includes('EXIT:0') && s.includes(PROMPT_SEEN));
    expect(after).toContain('dlperf-top · replay quit at run 4 of 20 · 20 runs');
    // the board (summary's groups), then every run's final figure
    expect(after).toMatch(/1n8g .*7\.72× .*96\.5 %/);
    expect(after).toMatch(/2n8g .*14\.81× .*92\.6 %/);
    expect(after).toMatch(/4n8g .*29\.12× .*91\.0 %/);
    expect(after).toMatch(/1n8g\/r50_b256_amp_5 +done +final 6168\.1 samples\/s · speedup 7\.72×/);
    expect(after).toMatch(/2n8g\/r50_b256_amp_1 +done +final 11831 samples\/s · speedup 14\.81×/);
    expect(after).toMatch(/4n8g\/r50_b256_amp_2 +done +final 23257 samples\/s · speedup 29\.12×/);
    expect(after.split('\n').filter((l) => /\bdone +final /.test(l))).toHaveLength(20);
  });

  it('at 80×24 the screen keeps the board, the node numbers, the replay bar and the run list; q prints within 80 columns', async () => {
    session = new TmuxSession('nav-80', ROOT);
    session.start(`node bin/dlperf-top.mjs replay --speed max ${DEMO}`, 80, 24);
    const s = await session.waitForText('run 20/20', 'final = summary', 'runs (20/20)');
    const lines = s.split('\n');
    expect(lines.filter((l) => /^[› ][ *]node[1-4] .* 130 .*(\d{5}|\d\.\d{3}s)/.test(l))).toHaveLength(4);
    expect(s).toMatch(/↑ \d+ more \(r: pick a run\)/);
    expect(s).toMatch(/2n8g .*14\.81×/); // the board
    session.literal('q');
    await session.waitFor((x) => x.includes('EXIT:0') && x.includes(PROMPT_SEEN));
    // more lines than the pane has rows: read the scrollback too
    const after = session.tmux('capture-pane', '-p', '-S', '-200', '-t', 'nav-80');
    expect(after).toContain('dlperf-top · replay finished · 20 runs');
    expect(after).toMatch(/4n8g .*29\.12×/);
    for (const l of after.split('\n')) expect([...l].length).toBeLessThanOrEqual(80);
  });

  it('after a run that failed, q leaves the failure and its proving line on the terminal', async () => {
    session = new TmuxSession('nav-failed', ROOT);
    session.start('node bin/dlperf-top.mjs replay --speed max test/fixtures/signals/torch-elastic-sigkill.log', 100, 30);
    await session.waitForText('failed 0:00', 'crashed confirmed');
    session.literal('q');
    const after = await session.waitFor((x) => x.includes('EXIT:0') && x.includes(PROMPT_SEEN));
    expect(after).toContain('dlperf-top · replay finished · 1 run · 1 failed or stalled');
    expect(after).toMatch(/torch-elastic-sigkill +failed +no final figure · flags: crashed/);
    expect(after).toMatch(/crashed on node0: .*exitcode/);
  });
});
