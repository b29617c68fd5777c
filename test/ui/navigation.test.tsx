/**
 * Keys as the terminal delivers them (several in one chunk), the panel cursor (tab, r, l), the run
 * picker, and the log pane's scrolling and search (issue 15, items 4–6).
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReplayControls } from '../../src/session/controls.ts';
import type { ReplayInfo } from '../../src/session/types.ts';
import { App } from '../../src/ui/app.tsx';
import { KEYS, renderTui, waitForFrame, waitForText } from './render-tui.tsx';
import { createFixture, HEADER, trainLine, twoNodeRun } from './session-fixture.ts';

afterEach(() => cleanup());

function recordingControls(): { calls: string[]; controls: ReplayControls } {
  const calls: string[] = [];
  const rec = (name: string) => (arg?: number) => calls.push(arg === undefined ? name : `${name}(${arg})`);
  const controls = { togglePause: rec('togglePause'), faster: rec('faster'), slower: rec('slower'), seek: rec('seek'), nextRun: rec('nextRun'), prevRun: rec('prevRun'), toEnd: rec('toEnd'), goToRun: rec('goToRun') } as ReplayControls;
  return { calls, controls };
}

const replayInfo = (o: Partial<ReplayInfo> = {}): ReplayInfo => ({
  speed: 10,
  paused: false,
  runIndex: 1,
  runCount: 6,
  runNames: ['logs/oneflow', 'logs/b', 'logs/c', 'logs/d', 'logs/e', 'logs/f'],
  position: 45_000,
  start: 0,
  end: 120_000,
  pacing: 'clock',
  finished: false,
  ...o,
});

/** A replay screen on a one-run store with a long log (200 lines on node1), at `rows` rows. */
function replayScreen(rows = 40) {
  const fx = createFixture();
  twoNodeRun(fx, { firstIter: 20, lastIter: 2000 });
  fx.store.replay = replayInfo();
  const { calls, controls } = recordingControls();
  const t = renderTui(<App store={fx.store} mode="replay" controls={controls} onQuit={() => {}} />, { columns: 120, rows });
  fx.store.flush();
  return { fx, calls, t };
}

/** Line numbers shown in the log pane (its `NNN│text` rows). */
const logNumbers = (f: string) =>
  f
    .split('\n')
    .map((l) => /^\s*(\d+)[│>]/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number);

describe('keys that arrive together', () => {
  it('handles every key of a chunk: nnn → three runs, NN → two back', async () => {
    const { calls, t } = replayScreen();
    await waitForText(t.lastFrame, 'node2');
    t.stdin.write('nnn');
    await waitForFrame(() => String(calls.length), (n) => n === '3');
    t.stdin.write('NN');
    await waitForFrame(() => String(calls.length), (n) => n === '5');
    expect(calls).toEqual(['nextRun', 'nextRun', 'nextRun', 'prevRun', 'prevRun']);
    t.stdin.write('+-e');
    await waitForFrame(() => String(calls.length), (n) => n === '8');
    expect(calls.slice(5)).toEqual(['faster', 'slower', 'toEnd']);
    t.unmount();
  });

  it('live: nn in one chunk moves two runs (each key sees the run the previous one picked)', async () => {
    const fx = createFixture({ file: (node) => `${node}:/${node.startsWith('m') ? node : 'logs'}/oneflow.log` });
    twoNodeRun(fx);
    for (const [m, model] of [
      ['m1', 'vgg16'],
      ['m2', 'alexnet'],
    ] as const) fx.feed(m, [`model = ${model}`, 'batch_size_per_device = 64', 'gpu_num_per_node = 4', 'num_nodes = 1', trainLine(20, 900, 1597933950)], 1000);
    const r = render(<App store={fx.store} mode="live" onQuit={() => {}} />);
    fx.store.flush();
    const f = await waitForText(r.lastFrame, 'runs (');
    const order = ['resnet50', 'vgg16', 'alexnet'];
    const shownModel = (x: string) => order.find((m) => x.split('\n')[0]!.includes(`${m} ·`));
    const first = shownModel(f)!;
    r.stdin.write('nn');
    const want = order[(order.indexOf(first) + 2) % 3]!;
    await waitForFrame(r.lastFrame, (x) => shownModel(x) === want);
  });

  it('a chunk that opens the search, types and applies it: /iter 1600⏎ in one read', async () => {
    const { t } = replayScreen();
    await waitForText(t.lastFrame, 'node2');
    t.stdin.write('/iter 1600\r');
    const f = await waitForText(t.lastFrame, '"iter 1600" 1/1', '▸ log');
    expect(logNumbers(f)).toContain(HEADER.length + 80);
    t.unmount();
  });
});

describe('run picker', () => {
  it('r gives the run list the cursor, arrows move it, enter goes there; esc gives it back', async () => {
    const { calls, t } = replayScreen();
    await waitForText(t.lastFrame, 'runs (2/6)');
    t.stdin.write('r');
    await waitForText(t.lastFrame, '▸ runs (2/6)', 'enter go');
    t.stdin.write(KEYS.down);
    t.stdin.write(KEYS.down);
    const f = await waitForText(t.lastFrame, '▸ 4. logs/d');
    expect(f).toContain('› 2. logs/b'); // the current run stays marked
    t.stdin.write(KEYS.enter);
    await waitForFrame(() => calls.join(','), (c) => c === 'goToRun(3)');
    await waitForFrame(t.lastFrame, (x) => !x.includes('▸ runs'));
    // arrows are the nodes' again
    t.stdin.write('r');
    await waitForText(t.lastFrame, '▸ runs');
    t.stdin.write(KEYS.esc);
    await waitForFrame(t.lastFrame, (x) => !x.includes('▸ runs'));
    expect(calls).toEqual(['goToRun(3)']);
    t.unmount();
  });

  it('tab moves the cursor nodes → runs → log → nodes', async () => {
    const { t } = replayScreen();
    await waitForText(t.lastFrame, 'node2');
    t.stdin.write(KEYS.tab);
    await waitForText(t.lastFrame, '▸ runs');
    t.stdin.write(KEYS.tab);
    await waitForText(t.lastFrame, '▸ log');
    t.stdin.write(KEYS.tab);
    await waitForFrame(t.lastFrame, (x) => !x.includes('▸ log') && !x.includes('▸ runs'));
    t.unmount();
  });
});

describe('log pane', () => {
  it('follows the newest line with line numbers; scrolls with PgUp/arrows; g oldest, G newest again', async () => {
    const { t } = replayScreen();
    const f = await waitForText(t.lastFrame, 'log node1:/logs/oneflow.log');
    const last = HEADER.length + 100; // 100 progress lines after the header
    expect(Math.max(...logNumbers(f))).toBe(last);
    t.stdin.write('l'); // the log takes the cursor, and more rows
    const active = await waitForText(t.lastFrame, '▸ log');
    const rows = logNumbers(active).length;
    expect(rows).toBeGreaterThan(logNumbers(f).length);
    t.stdin.write(KEYS.esc);
    await waitForFrame(t.lastFrame, (x) => !x.includes('▸ log'));
    t.stdin.write(KEYS.pageUp); // takes the cursor too, and scrolls a page
    const up = await waitForFrame(t.lastFrame, (x) => x.includes('▸ log') && x.includes('↑ scrolled') && logNumbers(x).length === rows);
    // a page of the pane as it was when the key came
    expect(Math.max(...logNumbers(up))).toBe(last - (logNumbers(f).length - 1));
    t.stdin.write(KEYS.pageUp);
    const up2 = await waitForFrame(t.lastFrame, (x) => Math.max(...logNumbers(x)) < Math.max(...logNumbers(up)));
    expect(Math.max(...logNumbers(up))).toBe(Math.max(...logNumbers(up2)) + (rows - 1));
    t.stdin.write(KEYS.pageDown);
    await waitForFrame(t.lastFrame, (x) => Math.max(...logNumbers(x)) === Math.max(...logNumbers(up)));
    t.stdin.write(KEYS.up);
    await waitForFrame(t.lastFrame, (x) => Math.max(...logNumbers(x)) === Math.max(...logNumbers(up)) - 1);
    t.stdin.write('g');
    const top = await waitForFrame(t.lastFrame, (x) => logNumbers(x)[0] === 1);
    expect(logNumbers(top)).toHaveLength(rows);
    t.stdin.write('G');
    await waitForFrame(t.lastFrame, (x) => Math.max(...logNumbers(x)) === last && !x.includes('↑ scrolled'));
    t.unmount();
  });

  it('searches the whole retained tail: n / N jump between matches (wrapping) while the log has the cursor', async () => {
    const { calls, t } = replayScreen();
    await waitForText(t.lastFrame, 'log node1:');
    t.stdin.write('/');
    await waitForText(t.lastFrame, 'search /');
    t.stdin.write('iter 2');
    t.stdin.write(KEYS.enter);
    // iter 20, 200, 220, 240, 260, 280 and 2000 on node1's lines: 7 matches; enter jumps to the newest
    const f = await waitForText(t.lastFrame, '"iter 2" 7/7');
    const lineOf = (iter: number) => HEADER.length + iter / 20;
    expect(logNumbers(f)).toContain(lineOf(2000));
    t.stdin.write('n'); // wraps to the oldest match, far above the tail shown
    const g = await waitForText(t.lastFrame, '"iter 2" 1/7');
    expect(logNumbers(g)).toContain(lineOf(20));
    t.stdin.write('N');
    await waitForText(t.lastFrame, '"iter 2" 7/7');
    t.stdin.write('N');
    const h = await waitForText(t.lastFrame, '"iter 2" 6/7');
    expect(logNumbers(h)).toContain(lineOf(280));
    // n/N went to the search, not to the replay
    expect(calls).toEqual([]);
    // esc gives the cursor back: n is the next run again
    t.stdin.write(KEYS.esc);
    await waitForFrame(t.lastFrame, (x) => !x.includes('▸ log'));
    t.stdin.write('n');
    await waitForFrame(() => calls.join(','), (c) => c === 'nextRun');
    t.unmount();
  });

  it('keeps a bounded tail: 2000 lines per file, and says where it begins', async () => {
    const fx = createFixture();
    fx.feed('node1', HEADER);
    fx.feed('node1', Array.from({ length: 2500 }, (_, i) => `noise line ${i}`));
    const tail = fx.store.tail('node1:/logs/oneflow.log');
    expect(tail).toHaveLength(2000);
    expect(tail[0]!.lineNo).toBe(HEADER.length + 2500 - 2000 + 1);
    const t = renderTui(<App store={fx.store} mode="live" onQuit={() => {}} />, { columns: 120, rows: 40 });
    fx.store.flush();
    t.stdin.write('l');
    const f = await waitForText(t.lastFrame, `kept from ${tail[0]!.lineNo}`);
    expect(f).toContain('noise line 2499');
    t.unmount();
  });
});
