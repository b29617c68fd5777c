/**
 * Issue 15, the screen with ink-testing-library and a fake terminal, on real demo bytes: the
 * sweep board (rows = summary's groups, filling in as repeats finish, `g`), the node columns that
 * tell nodes apart, the state rules (silent ranks, clean ends), the flags that follow the run.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { RunSet } from '../../src/metrics/run-set.ts';
import { summarize } from '../../src/pipeline/summarize.ts';
import { createReplay } from '../../src/pipeline/replay.ts';
import { SessionStore } from '../../src/session/store.ts';
import { App } from '../../src/ui/app.tsx';
import { boardLines } from '../../src/ui/board-text.ts';
import { frameLines, KEYS, renderTui, waitForFrame, waitForText, widest } from './render-tui.tsx';

afterEach(() => cleanup());

const ROOT = join(import.meta.dirname, '../..');
const RN50 = join(ROOT, 'replays/resnet50-scaling-demo.tgz');
const GPT = join(ROOT, 'replays/gpt-scaling-demo.tgz');

function member(archive: string, path: string): string[] {
  const r = spawnSync('tar', ['xzOf', archive, path], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split('\n').slice(0, -1);
}

/** A live session fed demo members line by line (`upTo`: only the first lines of some). */
function liveSession(files: { path: string; node?: string; upTo?: number }[]) {
  const clock = { now: 1_700_000_000_000 };
  const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall' });
  for (const f of files) {
    const lines = member(RN50, f.path).slice(0, f.upTo);
    store.ingest(lines.map((text, i) => ({ type: 'line' as const, node: f.node ?? 'node0', file: f.path, offset: 0, lineNo: i + 1, text, time: (clock.now += 10) })));
  }
  return { store, clock };
}

async function playedDemo() {
  const replay = createReplay({ inputs: [RN50], speed: 'max' });
  await replay.run();
  return replay;
}

const boardRow = (frame: string, scale: string) => frameLines(frame).find((l) => new RegExp(`^[› ] ${scale}\\s`).test(l));

describe('the board', () => {
  it('is the default view of a sweep, its rows are summary groups, g flips to the chart and back', async () => {
    const replay = await playedDemo();
    const t = renderTui(<App store={replay.store} mode="replay" controls={replay.controls} onQuit={() => {}} />, { columns: 120, rows: 40 });
    replay.store.flush();
    const f = await waitForText(t.lastFrame, 'scaling board (4 configurations)', '29.12×');
    const want = (await summarize([RN50])).groups;
    expect(want.map((g) => `${g.num_nodes}n${g.gpu_num_per_node}g`)).toEqual(['1n1g', '1n8g', '2n8g', '4n8g']);
    for (const g of want) {
      const line = boardRow(f, `${g.num_nodes}n${g.gpu_num_per_node}g`)!;
      expect(line).toContain(`${g.runs}/${g.runs_expected}`);
      expect(line).toContain(g.speedup!.toFixed(2) + '×');
      if (g.num_nodes! * g.gpu_num_per_node! > 1) expect(line).toContain(`${(g.scaling_efficiency! * 100).toFixed(1)} %`);
      else expect(line).toMatch(/1\.00×\s+base/);
    }
    expect(boardRow(f, '2n8g')).toMatch(/OUT IB! SLOW$/);
    expect(f).not.toMatch(/[\u2801-\u28ff]/); // no chart while the board is up
    t.stdin.write('g');
    const chart = await waitForFrame(t.lastFrame, (x) => !x.includes('scaling board'));
    expect(chart).toMatch(/[\u2801-\u28ff]/);
    t.stdin.write('g');
    await waitForText(t.lastFrame, 'scaling board (4 configurations)');
    t.unmount();
    replay.stop();
  });

  it('fills in live: a finished repeat counts, a running one shows +1 and its median so far', async () => {
    const { store } = liveSession([
      { path: 'logs/ngc/pytorch/1n1g/r50_b256_amp_1.log' },
      { path: 'logs/ngc/pytorch/1n1g/r50_b256_amp_2.log' },
      { path: 'logs/ngc/pytorch/1n8g/r50_b256_amp_1.log', upTo: 128 }, // up to iteration 40: inside its window
    ]);
    const r = render(<App store={store} mode="live" onQuit={() => {}} />);
    store.flush();
    const f = await waitForText(r.lastFrame, 'scaling board (2 configurations)');
    expect(boardRow(f, '1n1g')).toMatch(/1n1g\s+2\/2\s+\d{3}\.\d\s+\d\.\d %\s+1\.00×\s+base/);
    // The 1n8g repeat is inside its window: no figure yet, so no speedup, and not flagged incomplete.
    const r8 = boardRow(f, '1n8g')!;
    expect(r8).toMatch(/1n8g\s+0\/2 \+1\s+~\d{4}\.\d\s+—\s+—\s+—/);
    expect(r8).not.toContain('INC');
    // The selected run (the most recent) is the 1n8g one.
    expect(r8.startsWith('›')).toBe(true);
  });

  it('boardLines: the same rows as plain text, no line wider than asked, at any width', async () => {
    const replay = await playedDemo();
    const snap = replay.store.flush();
    for (const w of [40, 60, 80, 120, 250]) {
      const lines = boardLines(snap, w);
      for (const l of lines) expect([...l].length, `${w}: ${l}`).toBeLessThanOrEqual(w);
      expect(lines[0]).toMatch(/^scaling board/);
      expect(lines.length).toBe(2 + snap.groups.length);
    }
    const wide = boardLines(snap, 120);
    expect(wide.find((l) => l.includes('2n8g'))).toMatch(/5\/5\s+11831\s+4\.0 %\s+14\.81×\s+92\.6 %\s+█+.*OUT IB! SLOW$/);
    expect(wide.some((l) => l.startsWith('›'))).toBe(false); // no current run given: no marker
    const cur = snap.runs.find((x) => x.source.includes('2n8g'))!;
    expect(boardLines(snap, 120, cur).find((l) => l.startsWith('›'))).toContain('2n8g');
    // Plain text: no escape sequences.
    expect(wide.join('\n')).not.toContain('\u001b');
    replay.stop();
  });

  it('fits 80×24 with the board, the node table and the flags', async () => {
    const replay = await playedDemo();
    const t = renderTui(<App store={replay.store} mode="replay" controls={replay.controls} onQuit={() => {}} />, { columns: 80, rows: 24 });
    replay.store.flush();
    const f = await waitForText(t.lastFrame, 'scaling board', '4n8g', 'Δcompute', 'flags (3)');
    expect(frameLines(f).length).toBeLessThanOrEqual(24);
    expect(widest(f)).toBeLessThanOrEqual(80);
    for (const s of ['1n1g', '1n8g', '2n8g', '4n8g']) expect(boardRow(f, s)).toBeDefined();
    expect(f).toContain('+11.8 % compute time over 11 wind');
    t.unmount();
    replay.stop();
  });
});

describe('node columns and state rules', () => {
  it('the straggler run: compute and data time, deviation from the other node, lag; the slow row is marked', async () => {
    const { store } = liveSession([
      { path: 'logs/ngc/pytorch/2n8g/node1/r50_b256_amp_3.log', node: 'node1' },
      { path: 'logs/ngc/pytorch/2n8g/node2/r50_b256_amp_3.log', node: 'node2' },
    ]);
    const r = render(<App store={store} mode="live" onQuit={() => {}} />);
    store.flush();
    const f = await waitForText(r.lastFrame, 'node2/r50_b256_amp_3.log');
    // Every node prints the cluster's throughput (and steps together): those columns tell nothing here.
    expect(f).toMatch(/node▾\s+source\s+state\s+iter\s+compute\s+data\s+Δcompute\s+lag/);
    const n1 = frameLines(f).find((l) => l.includes('node1/r50_b256_amp_3.log'))!;
    expect(n1).toMatch(/streaming\s+130\s+0\.32\ds\s+0\.001s\s+\+11\.\d %\s+\d+ms.*IB! SLOW/);
    // One configuration: the chart, and the flags of this run with the straggler's explanation.
    expect(f).not.toContain('scaling board');
    expect(f).toContain('flags of 2n8g/r50_b256_amp_3');
    expect(f).toContain('straggler confirmed +11.8 % compute time over 11 windows');
  });

  it('Megatron 4n8g/r1 mid-run: the silent ranks say why and are not stale', async () => {
    const replay = createReplay({ inputs: [GPT], runPattern: /4n8g\/r1\//, speed: 'max' });
    const t = renderTui(<App store={replay.store} mode="replay" controls={replay.controls} onQuit={() => {}} />, { columns: 120, rows: 40 });
    await replay.run();
    replay.store.flush();
    const f = await waitForText(t.lastFrame, 'no progress lines: 1 of 4 nodes prints them');
    const rows = frameLines(f).filter((l) => /^[› ][* ]node\d/.test(l));
    expect(rows).toHaveLength(4);
    for (const l of rows) {
      expect(l).toMatch(/\bended\b/);
      expect(l).not.toContain('STALL');
    }
    expect(rows.filter((l) => l.includes('no progress lines'))).toHaveLength(3);
    // Only the GPT files differ in their names' ends: those stay visible.
    expect(rows.map((l) => /…[^ ]*pretrain_(\d)\.log/.exec(l)?.[1])).toEqual(['0', '1', '2', '3']);
    t.unmount();
    replay.stop();
  });

  it('help lists the one vocabulary of node states and run phases', async () => {
    const { store } = liveSession([{ path: 'logs/ngc/pytorch/1n1g/r50_b256_amp_1.log' }]);
    const r = render(<App store={store} mode="live" onQuit={() => {}} />);
    store.flush();
    r.stdin.write('?');
    // the vocabulary ends the help: its last page at 24 rows
    let pages = await waitForText(r.lastFrame, 'dlperf-top keys');
    for (let i = 0; i < 3 && !r.lastFrame()!.includes('node states'); i++) {
      const before = r.lastFrame();
      r.stdin.write(KEYS.down);
      pages += await waitForFrame(r.lastFrame, (x) => x !== before);
    }
    const f = pages + (await waitForText(r.lastFrame, 'node states'));
    expect(f).toContain('connecting · waiting · streaming · quiet · stale · reconnecting · ended · error');
    expect(f).toContain('warmup · measuring · done · stalled · failed');
    expect(f).toContain('scaling board');
  });

  it('a one-GPU run: no speedup, no efficiency, no transport in the header', async () => {
    const { store } = liveSession([{ path: 'logs/ngc/pytorch/1n1g/r50_b256_amp_1.log' }]);
    const r = render(<App store={store} mode="live" onQuit={() => {}} />);
    store.flush();
    const f = await waitForText(r.lastFrame, 'final');
    const header = frameLines(f).slice(0, 2).join('\n');
    expect(header).toMatch(/^done /);
    expect(header).not.toMatch(/efficiency|speedup|transport/);
  });
});

describe('flags follow the run on screen', () => {
  it('live, two runs: n picks the other run and the panel shows its findings, not the other run\'s', async () => {
    const { store } = liveSession([
      { path: 'logs/ngc/pytorch/2n8g/node1/r50_b256_amp_3.log', node: 'node1' },
      { path: 'logs/ngc/pytorch/2n8g/node2/r50_b256_amp_3.log', node: 'node2' },
      { path: 'logs/ngc/pytorch/1n8g/r50_b256_amp_1.log' },
    ]);
    const t = renderTui(<App store={store} mode="live" onQuit={() => {}} />, { columns: 120, rows: 40 });
    store.flush();
    // Two configurations: the board, and every run's findings with their run.
    const b = await waitForText(t.lastFrame, 'scaling board (2 configurations)', 'flags (');
    expect(b).toMatch(/2n8g\/r50_b256_amp_3 node1 straggler confirmed/);
    t.stdin.write('g'); // the run view: the latest run (1n8g) has no finding
    const r1 = await waitForFrame(t.lastFrame, (f) => !f.includes('scaling board') && f.includes('1 node × 8 GPUs'));
    expect(r1).not.toContain('straggler confirmed');
    t.stdin.write('n'); // the 2n8g run
    const r2 = await waitForText(t.lastFrame, '2 nodes × 8 GPUs', 'flags of 2n8g/r50_b256_amp_3 (2)');
    expect(r2).toContain('straggler confirmed +11.8 % compute time over 11 windows');
    t.unmount();
  });
});
