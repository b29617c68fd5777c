/**
 * The screen at 80×24, 120×40, 60×20 and 250×70 on the ResNet-50 demo archive after a replay at
 * max speed (the real store, twenty runs of four configurations): everything fits, the essentials
 * stay, spare rows go to the lists that were cut, and nothing is cut without an ellipsis.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplay, type Replay } from '../../src/pipeline/replay.ts';
import { App } from '../../src/ui/app.tsx';
import { exitLines } from '../../src/ui/exit-text.ts';
import { fitPieces, shortRunName } from '../../src/ui/layout.ts';
import { frameLines, KEYS, renderTui, waitForFrame, waitForText, widest } from './render-tui.tsx';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEMO = resolve(ROOT, 'replays/resnet50-scaling-demo.tgz');

let replay: Replay;
beforeAll(async () => {
  replay = createReplay({ inputs: [DEMO], speed: 'max' });
  await replay.run();
  replay.store.flush();
}, 60_000);
afterAll(() => replay.store.dispose());

const screen = (columns: number, rows: number) => renderTui(<App store={replay.store} mode="replay" controls={replay.controls} onQuit={() => {}} />, { columns, rows });
const runRows = (f: string) => frameLines(f).filter((l) => /^[›▸ ] +\d+\. logs\//.test(l));
const section = (f: string, title: RegExp) => {
  const ls = frameLines(f);
  const i = ls.findIndex((l) => title.test(l));
  return i < 0 ? [] : ls.slice(i + 1);
};
/** Text lines cut at the edge must end with the ellipsis (chart rows and axes are drawn to the edge). */
const cutWithoutEllipsis = (f: string, columns: number) =>
  frameLines(f).filter((l) => stringWidth(l) >= columns && !l.trimEnd().endsWith('…') && !/[\u2800-\u28ff└─]/.test(l));

describe.each([
  [80, 24],
  [120, 40],
  [60, 20],
  [250, 70],
])('at %i×%i', (columns, rows) => {
  it('fits (one row spare), nothing cut mid-word without an ellipsis, the essentials shown', async () => {
    const t = screen(columns, rows);
    const f = await waitForText(t.lastFrame, 'node2', 'run 20/20');
    if (process.env['SHOW_FRAMES']) console.log(f);
    expect(frameLines(f).length).toBeLessThanOrEqual(rows - 1);
    expect(widest(f)).toBeLessThanOrEqual(columns);
    expect(cutWithoutEllipsis(f, columns)).toEqual([]);
    // the replay bar keeps where it is and that the numbers are final
    expect(f).toMatch(/▶ max · run 20\/20 \S*4n8g\/r50_b256_amp_5/);
    expect(f).toMatch(columns >= 100 ? /done — final numbers = summary/ : /final = summary/);
    // the header keeps the final figure, speedup, efficiency and transport (shorter words when narrow)
    expect(frameLines(f)[1]).toMatch(/final 23157.* · speedup 28\.99× · (efficiency|eff) 90\.6 % · (transport: )?IB$/);
    // the board: every configuration with its speedup
    for (const [cfg, x] of [['1n8g', '7.72×'], ['2n8g', '14.81×'], ['4n8g', '29.12×']]) expect(f).toMatch(new RegExp(`${cfg} .*${x}`));
    // the node table's numbers (at least two nodes; their iteration and a figure)
    const nodeRows = frameLines(f).filter((l) => /^[› ][ *]node\d .* 130 .*(\d{5}|\d\.\d{3}s)/.test(l));
    expect(nodeRows.length).toBeGreaterThanOrEqual(rows >= 24 ? 4 : 2);
    // the run list, with the current run, once there are 24 rows
    if (rows >= 24) expect(runRows(f).some((l) => l.includes('20. logs/ngc/pytorch/4n8g/r50_b256_amp_5'))).toBe(true);
    t.unmount();
  });
});

describe('spare rows', () => {
  it('go to the lists that were cut: at 250×70 every run is listed, and the log pane gets only what is left', async () => {
    const t = screen(250, 70);
    const f = await waitForText(t.lastFrame, 'node4', 'runs (20/20)');
    expect(runRows(f)).toHaveLength(20);
    // no list is cut (board, nodes, flags, runs): only then does the log pane grow
    expect(f).not.toMatch(/(↑|↓|\+)\s?\d+ more/);
    const log = section(f, /^▸? ?log /).filter((l) => /^\s*\d+│/.test(l));
    expect(log.length).toBeGreaterThan(6);
    // all three flags too
    expect(section(f, /^flags \(3\)/).slice(0, 3).every((l) => /r50_b256_amp_3 node1 /.test(l))).toBe(true);
    t.unmount();
  });

  it('at 120×40 the run list shows more than 8 runs; at 80×24 it still shows the current one and says how many more', async () => {
    const big = screen(120, 40);
    const f = await waitForText(big.lastFrame, 'node4', 'runs (20/20)');
    expect(runRows(f).length).toBeGreaterThan(8);
    big.unmount();
    const small = screen(80, 24);
    const g = await waitForText(small.lastFrame, 'node4', 'runs (20/20)');
    expect(g).toMatch(/↑ \d+ more \(r: pick a run\)/);
    small.unmount();
  });

  it('the log pane with the cursor gets more rows, and still fits', async () => {
    const t = screen(120, 40);
    const f = await waitForText(t.lastFrame, 'node4', 'runs (20/20)');
    const before = section(f, /^log /).filter((l) => /^\s*\d+│/.test(l)).length;
    t.stdin.write('l');
    const g = await waitForText(t.lastFrame, '▸ log');
    const after = section(g, /^▸ log /).filter((l) => /^\s*\d+│/.test(l)).length;
    expect(after).toBeGreaterThan(before);
    expect(frameLines(g).length).toBeLessThanOrEqual(39);
    t.stdin.write(KEYS.esc);
    await waitForFrame(t.lastFrame, (x) => !x.includes('▸ log'));
    t.unmount();
  });

  it('the help overlay fits every size (paged when short)', async () => {
    for (const [columns, rows] of [
      [80, 24],
      [60, 20],
      [250, 70],
    ] as const) {
      const t = screen(columns, rows);
      await waitForText(t.lastFrame, 'node1');
      t.stdin.write('?');
      const f = await waitForText(t.lastFrame, 'dlperf-top keys (replay)');
      expect(frameLines(f).length).toBeLessThanOrEqual(rows - 1);
      expect(widest(f)).toBeLessThanOrEqual(columns);
      if (rows >= 70) expect(f).not.toContain('page 1/');
      else expect(f).toMatch(/page 1\/\d/);
      t.unmount();
    }
  });
});

describe('shortening by design', () => {
  it('fitPieces leaves out whole pieces, most droppable first; shortRunName keeps the end', () => {
    const pieces = [
      { text: '▶ max', drop: 0 },
      { text: 'run 20/20 x', drop: 0 },
      { text: '1:41 / 1:41', drop: 1 },
      { text: 'done — final numbers = summary', drop: 2 },
    ];
    expect(fitPieces(pieces, 200).map((p) => p.text)).toEqual(pieces.map((p) => p.text));
    expect(fitPieces(pieces, 40).map((p) => p.text)).toEqual(['▶ max', 'run 20/20 x', '1:41 / 1:41']);
    expect(fitPieces(pieces, 10).map((p) => p.text)).toEqual(['▶ max', 'run 20/20 x']); // never below the essentials
    expect(shortRunName('logs/ngc/pytorch/4n8g/r50_b256_amp_5', 24)).toBe('…/4n8g/r50_b256_amp_5');
    expect(shortRunName('short', 24)).toBe('short');
  });

  it('q leaves the board, then every run with its final numbers, one line each, within the width', () => {
    const lines = exitLines(replay.store.flush(), 120);
    expect(lines[0]).toMatch(/^dlperf-top · replay finished · 20 runs/);
    // the board: summary's groups
    for (const [cfg, x, e] of [['1n8g', '7.72×', '96.5 %'], ['2n8g', '14.81×', '92.6 %'], ['4n8g', '29.12×', '91.0 %']] as const) expect(lines.some((l) => l.includes(cfg) && l.includes(x) && l.includes(e))).toBe(true);
    expect(lines.filter((l) => /final \d/.test(l))).toHaveLength(20);
    expect(lines.join('\n')).toContain('logs/ngc/pytorch/4n8g/r50_b256_amp_5');
    expect(lines.join('\n')).toMatch(/r50_b256_amp_3 .*speedup 13\.38× · efficiency 83\.6 %/);
    expect(Math.max(...lines.map((l) => stringWidth(l)))).toBeLessThanOrEqual(120);
    const narrow = exitLines(replay.store.flush(), 60);
    expect(Math.max(...narrow.map((l) => stringWidth(l)))).toBeLessThanOrEqual(60);
    expect(narrow.some((l) => l.trim().startsWith('flags: '))).toBe(true); // flags on their own line, not cut off
  });
});
