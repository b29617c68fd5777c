import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/ui/app.tsx';
import { KEY_HELP } from '../../src/ui/use-keymap.ts';
import { frameLines, KEYS, waitForFrame, waitForText } from './render-tui.tsx';
import { createFixture, SOCKET_LINE, trainLine, twoNodeRun } from './session-fixture.ts';

afterEach(() => cleanup());

function setup(o: Parameters<typeof twoNodeRun>[1] = {}) {
  const fx = createFixture();
  twoNodeRun(fx, { socket: true, ...o });
  fx.clock.now += 3000;
  const quits: number[] = [];
  const r = render(<App store={fx.store} mode="live" onQuit={() => quits.push(1)} />);
  fx.store.flush();
  return { fx, r, quits };
}

/** Node names in table order (rows start with the two marker columns). */
const tableOrder = (frame: string) => frame.split('\n').filter((l) => /^[› ][* ]node\d /.test(l)).map((l) => l.slice(2).split(' ')[0]);
const selectedRow = (frame: string) => frame.split('\n').find((l) => l.startsWith('›'))?.slice(2).split(' ')[0];

describe('App (live)', () => {
  it('shows the run, each node with its numbers, the transport and the IB-fallback alert', async () => {
    const { r } = setup();
    const f = await waitForText(r.lastFrame, 'node1', 'node2');
    expect(f).toContain('resnet50 · oneflow · 2 nodes × 8 GPUs · batch 128/GPU');
    expect(f).toMatch(/^done /);
    expect(f).toContain('transport: sockets');
    expect(f).toContain('!! InfiniBand fallback: NCCL on sockets — node2: node2:1234:1290 [0] NCCL INFO Using network Socket');
    const row2 = f.split('\n').find((l) => l.includes('node2 ') && l.includes('/logs/oneflow.log'))!;
    // node2 prints its own, lower throughput: the deviation is measured on it (its step time is the same).
    expect(row2).toMatch(/streaming\s+200\s+3409\.5\s+0\.512s\s+-15\.0 %\s+0ms\s+3s IB! SLOW/);
    expect(f).toMatch(/node1\s+\/logs\/oneflow\.log\s+streaming\s+200\s+4012\.5/);
    expect(f).toMatch(/node▾\s+source\s+state\s+iter\s+tput\/s\s+step\s+Δtput\s+lag\s+age flags/);
  });

  it('lists the flag with its node, time, kind/confidence and evidence', async () => {
    const { r } = setup();
    const f = await waitForText(r.lastFrame, 'flags of logs/oneflow (1)');
    if (process.env['SHOW_FRAMES']) console.log(f);
    expect(f).toMatch(/\+0:00 node2 ib_fallback confirmed node2:1234:1290 \[0\] NCCL INFO Using network Socket/);
  });

  it('sorts with s (node → throughput → deviation → age) and keeps the selected node selected', async () => {
    const { r } = setup();
    await waitForText(r.lastFrame, 'node2');
    expect(tableOrder(r.lastFrame()!)).toEqual(['node1', 'node2']);
    r.stdin.write(KEYS.down);
    await waitForFrame(r.lastFrame, (f) => selectedRow(f) === 'node2');
    r.stdin.write('s'); // throughput: fastest first
    await waitForText(r.lastFrame, 'tput/s▾');
    expect(tableOrder(r.lastFrame()!)).toEqual(['node1', 'node2']);
    r.stdin.write('s'); // deviation: slowest first
    const f = await waitForText(r.lastFrame, 'Δtput▾');
    expect(tableOrder(f)).toEqual(['node2', 'node1']);
    expect(selectedRow(f)).toBe('node2');
    expect(f).toContain('s sort:deviation');
  });

  it('keeps the default selection on its node when the order changes', async () => {
    const { r } = setup();
    await waitForText(r.lastFrame, 'node2');
    r.stdin.write('s');
    r.stdin.write('s'); // deviation: node2 first
    const f = await waitForText(r.lastFrame, 'Δtput▾');
    expect(tableOrder(f)).toEqual(['node2', 'node1']);
    expect(selectedRow(f)).toBe('node1');
  });

  it('moves the selection with arrows, and focuses with enter', async () => {
    const { r } = setup();
    await waitForText(r.lastFrame, 'node2');
    expect(selectedRow(r.lastFrame()!)).toBe('node1');
    r.stdin.write(KEYS.down);
    await waitForFrame(r.lastFrame, (f) => selectedRow(f) === 'node2');
    r.stdin.write(KEYS.up);
    await waitForFrame(r.lastFrame, (f) => selectedRow(f) === 'node1');
    r.stdin.write(KEYS.up); // stops at the top
    r.stdin.write(KEYS.down);
    await waitForFrame(r.lastFrame, (f) => selectedRow(f) === 'node2');
    r.stdin.write(KEYS.enter);
    const f = await waitForText(r.lastFrame, '›*node2', 'log node2:/logs/oneflow.log', '⣿ node2');
    expect(f).toContain(SOCKET_LINE);
  });

  it('shows every key in the help overlay (paged at 24 rows), and closes it with any other key', async () => {
    const { r } = setup();
    await waitForText(r.lastFrame, 'node2');
    r.stdin.write('?');
    const f = await waitForText(r.lastFrame, 'dlperf-top keys (live) · page 1/2');
    expect(f).not.toContain('node1 ');
    expect(frameLines(f).length).toBeLessThanOrEqual(23);
    r.stdin.write(KEYS.down);
    const g = await waitForText(r.lastFrame, 'page 2/2');
    for (const k of KEY_HELP.filter((k) => k.mode !== 'replay')) expect(f + g).toContain(k.action);
    expect(f + g).not.toContain('seek 60 s'); // replay keys are not listed in live mode
    r.stdin.write('x');
    await waitForText(r.lastFrame, 'node1');
  });

  it('filters the log pane with & (enter applies, esc clears)', async () => {
    const { r } = setup();
    await waitForText(r.lastFrame, 'node2');
    r.stdin.write(KEYS.enter); // focus node1: the log pane shows even at 24 rows
    await waitForText(r.lastFrame, 'log node1:/logs/oneflow.log');
    r.stdin.write('&');
    await waitForText(r.lastFrame, 'enter: apply');
    r.stdin.write('iter 16');
    r.stdin.write('x');
    r.stdin.write(KEYS.backspace);
    await waitForText(r.lastFrame, 'filter &iter 16');
    r.stdin.write(KEYS.enter);
    const f = await waitForText(r.lastFrame, 'filter "iter 16" 1/');
    const logLines = f.split('\n').filter((l) => l.includes('train: epoch'));
    expect(logLines).toHaveLength(1);
    expect(logLines[0]).toContain('iter 160,');
    r.stdin.write(KEYS.esc);
    const g = await waitForFrame(r.lastFrame, (x) => !x.includes('filter "'));
    expect(g.split('\n').filter((l) => l.includes('train: epoch')).length).toBeGreaterThan(1);
  });

  it('pauses the display with p while ingest continues, then catches up', async () => {
    const { r, fx } = setup({ lastIter: 100 });
    await waitForText(r.lastFrame, 'node2');
    r.stdin.write('p');
    await waitForText(r.lastFrame, 'PAUSED');
    fx.feed('node1', ['train: epoch 0, iter 120, loss: 7.087004, top_1: 0.000000, top_k: 0.000000, samples/s: 1234.500 1597933948.0']);
    fx.store.flush();
    expect(fx.store.getSnapshot().runs[0]!.iteration).toBe(120);
    await new Promise((res) => setTimeout(res, 30));
    expect(r.lastFrame()).toContain('PAUSED');
    expect(r.lastFrame()).not.toContain('1234.5');
    r.stdin.write('p');
    const f = await waitForText(r.lastFrame, '1234.5');
    expect(f).not.toContain('PAUSED');
  });

  it('hides and shows warmup points with w', async () => {
    const { r } = setup({ firstIter: 0 });
    await waitForFrame(r.lastFrame, (f) => /└─*┴/.test(f));
    r.stdin.write('w');
    const g = await waitForText(r.lastFrame, 'warmup hidden');
    expect(g).not.toContain('┴');
  });

  it('quits with q and with ctrl-c', async () => {
    const { r, quits } = setup();
    await waitForText(r.lastFrame, 'node2');
    r.stdin.write('q');
    r.stdin.write('\u0003');
    await waitForFrame(() => String(quits.length), (n) => n === '2');
  });

  it('picks another run with n/N in a live multi-run session', async () => {
    const fx = createFixture({ file: (node) => (node === 'gpt' ? 'gpt:/other/oneflow.log' : `${node}:/logs/oneflow.log`) });
    twoNodeRun(fx);
    fx.feed('gpt', ['model = vgg16', 'batch_size_per_device = 64', 'gpu_num_per_node = 4', 'num_nodes = 1', trainLine(20, 900, 1597933950)], 1000);
    const r = render(<App store={fx.store} mode="live" onQuit={() => {}} />);
    fx.store.flush();
    const f = await waitForText(r.lastFrame, 'runs (');
    const first = f.includes('vgg16') ? 'vgg16' : 'resnet50';
    r.stdin.write('n');
    await waitForText(r.lastFrame, first === 'vgg16' ? 'resnet50 ·' : 'vgg16 ·');
    r.stdin.write('N');
    await waitForText(r.lastFrame, `${first} ·`);
  });
});
