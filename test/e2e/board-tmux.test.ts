/**
 * Issue 15, the real binary in a real terminal: the ResNet50 demo replayed at max speed ends on
 * the sweep board (the default view for a session of several configurations) with DLPerf's
 * speedups 7.72 / 14.81 / 29.12 and their efficiencies; `g` flips to the chart and back; the
 * straggler's row (2n8g repeat 3, node1) stands out by its compute-time deviation.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TmuxSession, requireTmux } from '../helpers/tmux.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
requireTmux();

let session: TmuxSession | undefined;
afterEach(() => session?.kill());

const row = (screen: string, re: RegExp) => screen.split('\n').find((l) => re.test(l));

describe('the sweep board in tmux', () => {
  it.each([
    [120, 40],
    [80, 24],
  ])('ResNet50 demo at max speed, %i×%i: the board with the published speedups, g flips it', async (cols, rows) => {
    session = new TmuxSession(`board${cols}`, ROOT);
    session.start('node bin/dlperf-top.mjs replay --speed max replays/resnet50-scaling-demo.tgz', cols, rows);
    const s = await session.waitForText('run 20/20', 'scaling board', '29.12×', '1:41 / 1:41');
    if (process.env['SHOW_FRAMES']) console.log(s);
    expect(s).toContain('4 configurations');
    const r = (scale: string) => row(s, new RegExp(`^[› ] ${scale}\\s`))!;
    expect(r('1n1g')).toMatch(/1n1g\s+5\/5\s+798\.8\s+0\.2 %\s+1\.00×\s+base/);
    expect(r('1n8g')).toMatch(/5\/5\s+6168\.1\s+0\.3 %\s+7\.72×\s+96\.5 %/);
    expect(r('2n8g')).toMatch(/5\/5\s+11831\s+4\.0 %\s+14\.81×\s+92\.6 %.*OUT IB! SLOW/);
    expect(r('4n8g')).toMatch(/5\/5\s+23257\s+0\.4 %\s+29\.12×\s+91\.0 %/);
    expect(r('4n8g').startsWith('›')).toBe(true); // the run on screen is a 4n8g repeat
    for (const l of s.split('\n')) expect([...l].length).toBeLessThanOrEqual(cols);
    // A one-GPU run has no efficiency anywhere on screen; no "transport: transport …".
    expect(s).not.toMatch(/efficiency 100/);
    expect(s).not.toContain('transport: transport');

    session.literal('g'); // the chart instead
    const chart = await session.waitFor((x) => !x.includes('scaling board'));
    expect(chart).toMatch(/[\u2801-\u28ff]/);
    session.literal('g');
    await session.waitForText('scaling board', '14.81×');
    session.literal('q');
    await session.waitFor((x) => x.includes('EXIT:0'));
  });

  it("2n8g repeat 3: the straggler's row shows its deviation, the flags panel why", async () => {
    session = new TmuxSession('straggler', ROOT);
    session.start("node bin/dlperf-top.mjs replay --speed max --run '2n8g/(node[0-9]+/)?r50_b256_amp_3' replays/resnet50-scaling-demo.tgz", 120, 40);
    const s = await session.waitForText('final numbers', 'node2/r50_b256_amp_3.log', 'straggler');
    if (process.env['SHOW_FRAMES']) console.log(s);
    expect(s).toMatch(/Δcompute/);
    const n1 = row(s, /node1\s+node1\/r50_b256_amp_3\.log/)!;
    const n2 = row(s, /node2\s+node2\/r50_b256_amp_3\.log/)!;
    expect(n1).toMatch(/ended\s+130\s+\S+\s+\S+\s+0\.32\ds\s+0\.001s\s+\+1[12]\.\d %.*SLOW/);
    expect(n2).toMatch(/-1\d\.\d %/);
    expect(n2).not.toContain('SLOW');
    expect(s).toMatch(/straggler confirmed \+11\.8 % compute time over 11 windows/);
    // One configuration: the chart by default; g shows its board row (no 1n1g here: no speedup).
    expect(s).not.toContain('scaling board');
    session.literal('g');
    const b = await session.waitForText('scaling board', '1 configuration');
    expect(row(b, /^[› ] 2n8g\s/)).toMatch(/1\/1\s+10687\s+—\s+—\s+—/);
    session.literal('q');
    await session.waitFor((x) => x.includes('EXIT:0'));
  });
});
