import chalk from 'chalk';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReplayControls } from '../../src/session/controls.ts';
import type { ReplayInfo } from '../../src/session/types.ts';
import { App } from '../../src/ui/app.tsx';
import { colorsOff } from '../../src/ui/theme.ts';
import { frameLines, KEYS, renderTui, waitForFrame, waitForText, widest } from './render-tui.tsx';
import { createFixture, HEADER, trainLine, twoNodeRun } from './session-fixture.ts';

afterEach(() => cleanup());

const ESCAPED = 'before \u001b[31mred text\u001b[0m \u001b]0;title\u0007mid\u001b[2J after';

describe('log pane', () => {
  it('draws log lines as plain text: CSI colours, OSC titles and screen clears are stripped', async () => {
    const fx = createFixture();
    twoNodeRun(fx, { socket: true, lastIter: 60 });
    fx.feed('node1', [ESCAPED]);
    const r = render(<App store={fx.store} mode="live" onQuit={() => {}} />);
    fx.store.flush();
    r.stdin.write(KEYS.enter); // focus node1: its log pane shows
    const f = await waitForText(r.lastFrame, 'before red text mid after');
    expect(f).not.toContain('\u001b');
    expect(f).not.toContain('\u0007');
    expect(f).not.toContain('0;title');
    expect(f).not.toContain('[2J');
  });
});

describe('colours', () => {
  it('emits colour codes normally, none with noColor', async () => {
    const level = chalk.level;
    chalk.level = 1; // vitest pins FORCE_COLOR=0; force colours to see the difference
    try {
      const fx = createFixture();
      twoNodeRun(fx, { socket: true });
      fx.store.flush();
      const colored = render(<App store={fx.store} mode="live" onQuit={() => {}} />);
      const c = await waitForText(colored.lastFrame, 'InfiniBand fallback');
      expect(c).toMatch(/\u001b\[3\dm/);
      const plain = render(<App store={fx.store} mode="live" onQuit={() => {}} noColor />);
      const p = await waitForText(plain.lastFrame, 'InfiniBand fallback');
      expect(p).not.toMatch(/\u001b\[(3\d|9\d|4\d|10\d)(;\d+)*m/);
      expect(p).not.toMatch(/\u001b\[(2|7)m/); // no dim or inverse either
    } finally {
      chalk.level = level;
    }
  });

  it('honours NO_COLOR when present and not empty', () => {
    expect(colorsOff({ NO_COLOR: '1' })).toBe(true);
    expect(colorsOff({ NO_COLOR: '' })).toBe(false);
    expect(colorsOff({})).toBe(false);
    expect(colorsOff({}, true)).toBe(true);
    expect(colorsOff({ NO_COLOR: '1' }, false)).toBe(true);
  });
});

describe('render budget', () => {
  it('renders a 1,000-line burst in a handful of frames (one publish per burst)', async () => {
    const fx = createFixture();
    const r = render(<App store={fx.store} mode="live" onQuit={() => {}} />);
    await waitForText(r.lastFrame, 'waiting for log lines');
    const before = r.frames.length;
    for (const n of ['node1', 'node2']) fx.feed(n, HEADER);
    for (let i = 0; i < 1000 - 8; i++) {
      const node = i % 2 ? 'node2' : 'node1';
      fx.feed(node, [trainLine(20 + 20 * Math.floor(i / 2), 4000 - (i % 2) * 500, 1597933942 + i)], 5);
    }
    expect(fx.store.getSnapshot().totals.lines).toBe(0); // nothing published yet
    fx.store.flush();
    await waitForText(r.lastFrame, 'node2', '1000 lines');
    await new Promise((res) => setTimeout(res, 150)); // a publish timer, if one were left, would fire by now
    expect(r.frames.length - before).toBeLessThanOrEqual(3);
  });

  it('publishes on its own cadence without flush, still in a handful of frames', async () => {
    const fx = createFixture();
    const r = render(<App store={fx.store} mode="live" onQuit={() => {}} />);
    await waitForText(r.lastFrame, 'waiting for log lines');
    const before = r.frames.length;
    twoNodeRun(fx, { lastIter: 20 * 400 });
    await waitForText(r.lastFrame, 'node2', '808 lines');
    await new Promise((res) => setTimeout(res, 150));
    expect(r.frames.length - before).toBeLessThanOrEqual(3);
  });
});

function replayInfo(o: Partial<ReplayInfo> = {}): ReplayInfo {
  return { speed: 10, paused: false, runIndex: 0, runCount: 3, runNames: ['logs/oneflow', 'logs/rn50-4n', 'logs/rn50-8n'], position: 45_000, start: 0, end: 120_000, pacing: 'step-times', finished: false, ...o };
}

function recordingControls(): { calls: string[]; controls: ReplayControls } {
  const calls: string[] = [];
  const rec = (name: string) => (arg?: number) => calls.push(arg === undefined ? name : `${name}(${arg})`);
  const controls = { togglePause: rec('togglePause'), faster: rec('faster'), slower: rec('slower'), seek: rec('seek'), nextRun: rec('nextRun'), prevRun: rec('prevRun'), toEnd: rec('toEnd'), goToRun: rec('goToRun') } as ReplayControls;
  return { calls, controls };
}

describe('replay mode', () => {
  it('shows the status bar: state, speed, run i/n, position, pacing, and the end note', async () => {
    const fx = createFixture();
    twoNodeRun(fx, { socket: true });
    fx.store.replay = replayInfo();
    const r = render(<App store={fx.store} mode="replay" controls={recordingControls().controls} onQuit={() => {}} />);
    fx.store.flush();
    const f = await waitForText(r.lastFrame, '▶ 10× · run 1/3 logs/oneflow · 0:45 / 2:00 · paced from reported step times');
    expect(f).toContain('runs (1/3)');
    fx.store.replay = replayInfo({ paused: true, speed: 'max', finished: true, position: 120_000, pacing: 'clock' });
    fx.store.flush();
    const g = await waitForText(r.lastFrame, '⏸ paused max · run 1/3 logs/oneflow · 2:00 / 2:00 · done — final numbers = summary');
    expect(g).not.toContain('paced from');
  });

  it('drives the replay controls from the keys', async () => {
    const fx = createFixture();
    twoNodeRun(fx);
    fx.store.replay = replayInfo();
    const { calls, controls } = recordingControls();
    const r = render(<App store={fx.store} mode="replay" controls={controls} onQuit={() => {}} />);
    fx.store.flush();
    await waitForText(r.lastFrame, 'node2');
    for (const k of [' ', '+', '-', KEYS.left, KEYS.right, KEYS.shiftLeft, KEYS.shiftRight, 'n', 'N', 'e']) r.stdin.write(k);
    await waitForFrame(() => String(calls.length), (n) => n === '10');
    expect(calls).toEqual(['togglePause', 'faster', 'slower', 'seek(-10000)', 'seek(10000)', 'seek(-60000)', 'seek(60000)', 'nextRun', 'prevRun', 'toEnd']);
    r.stdin.write('?');
    const page1 = await waitForText(r.lastFrame, 'dlperf-top keys (replay)');
    r.stdin.write(KEYS.down);
    const help = page1 + (await waitForText(r.lastFrame, 'page 2/'));
    expect(help).toContain('seek 60 s');
    expect(help).toContain('end of the run: hold final numbers');
  });
});

describe('terminal size', () => {
  const big = () => {
    const fx = createFixture();
    const nodes = Array.from({ length: 12 }, (_, i) => `node${i + 1}`);
    twoNodeRun(fx, { socket: true, nodes, firstIter: 0, lastIter: 400 });
    fx.feed('node7', ['RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 31.75 GiB total capacity) ' + 'x'.repeat(200)]);
    fx.feed('node3', [ESCAPED]);
    fx.clock.now += 5000;
    fx.store.replay = replayInfo({ runNames: ['logs/oneflow', 'logs/a-much-longer-run-name-' + 'y'.repeat(100), 'logs/c'] });
    return fx;
  };

  it('fits 80×24: at most 24 lines, none wider than 80 columns, with header, table, chart and flags', async () => {
    const fx = big();
    const t = renderTui(<App store={fx.store} mode="replay" controls={recordingControls().controls} onQuit={() => {}} />, { columns: 80, rows: 24 });
    fx.store.flush();
    const f = await waitForText(t.lastFrame, 'node1 ', 'flags of ');
    if (process.env['SHOW_FRAMES']) console.log(f);
    expect(frameLines(f).length).toBeLessThanOrEqual(24);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toContain('InfiniBand fallback');
    expect(f).toContain('▶ 10×');
    expect(f).toMatch(/\+\d+ more/); // 12 nodes do not all fit
    expect(f).toMatch(/[\u2801-\u28ff]/); // braille chart
    expect(f).toContain('oom confirmed');
    expect(f).not.toContain('log node');
    // focusing a node brings the log pane in, still within 80×24
    t.stdin.write(KEYS.enter);
    const g = await waitForText(t.lastFrame, 'log node1:/logs/oneflow.log');
    expect(frameLines(g).length).toBeLessThanOrEqual(24);
    expect(widest(g)).toBeLessThanOrEqual(80);
    t.stdin.write('?');
    const h = await waitForText(t.lastFrame, 'dlperf-top keys');
    expect(frameLines(h).length).toBeLessThanOrEqual(24);
    expect(widest(h)).toBeLessThanOrEqual(80);
    t.unmount();
  });

  it('uses more room when larger and follows resize events', async () => {
    const fx = big();
    const t = renderTui(<App store={fx.store} mode="replay" controls={recordingControls().controls} onQuit={() => {}} />, { columns: 80, rows: 24 });
    fx.store.flush();
    const small = await waitForText(t.lastFrame, 'node1 ');
    t.resize(160, 60);
    const large = await waitForText(t.lastFrame, 'node12 ', 'log node1:');
    if (process.env['SHOW_FRAMES']) console.log(large);
    expect(frameLines(large).length).toBeGreaterThan(frameLines(small).length);
    expect(frameLines(large).length).toBeLessThanOrEqual(60);
    expect(widest(large)).toBeGreaterThan(80);
    expect(widest(large)).toBeLessThanOrEqual(160);
    expect(large.split('throughput/s')[0]).not.toMatch(/\+\d+ more/); // all 12 nodes fit
    t.unmount();
  });
});

