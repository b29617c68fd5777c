/**
 * Named sources on screen: two node logs named, one not written yet. The header says 1 of 2 nodes
 * report and names the missing one; the run's identity does not pass the log's "2 nodes" off as
 * both reporting; the missing node has a row with its reason; `!` lists the problems with time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RunSet } from '../../src/metrics/run-set.ts';
import { localSourceSpecs, remoteSourceSpecs } from '../../src/pipeline/live-sources.ts';
import { SessionStore } from '../../src/session/store.ts';
import type { SourceEvent } from '../../src/sources/types.ts';
import { App } from '../../src/ui/app.tsx';
import { frameLines, renderTui, waitForFrame, waitForText, widest, type Tui } from './render-tui.tsx';
import { HEADER, T0, trainLine } from './session-fixture.ts';

let tui: Tui | null = null;
afterEach(() => {
  tui?.unmount();
  tui = null;
});

async function session() {
  const clock = { now: T0 };
  const sources = await localSourceSpecs(['logs/node1/oneflow.log', 'logs/node2/oneflow.log'], '/work-nonexistent');
  const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', sources });
  const ev: SourceEvent[] = [
    { type: 'status', node: 'node2', file: 'logs/node2/oneflow.log', state: 'connecting', message: 'waiting for the file to appear', time: clock.now },
    { type: 'status', node: 'node1', file: 'logs/node1/oneflow.log', state: 'streaming', time: clock.now },
  ];
  store.ingest(ev);
  const lines = [...HEADER, ...[20, 40, 60, 80].map((i) => trainLine(i, 4000 + i, 1597933942 + i))];
  clock.now += 2000;
  store.ingest(lines.map((text, k) => ({ type: 'line', node: 'node1', file: 'logs/node1/oneflow.log', offset: 0, lineNo: k + 1, text, time: clock.now })));
  store.flush();
  return { store, clock };
}

describe('named sources on screen', () => {
  it.each([
    [120, 40],
    [80, 24],
  ])('%i×%i: coverage in the header, a row with its reason for the missing node', async (columns, rows) => {
    const { store } = await session();
    tui = renderTui(<App store={store} mode="live" onQuit={() => {}} />, { columns, rows });
    const f = await waitForText(tui.lastFrame, 'node1', 'node2');
    expect(f).toContain('1 of 2 nodes reporting · 1 missing: node2 (no such file');
    expect(f).toContain('2 nodes (1 reporting) × 8 GPUs');
    expect(f).not.toContain('2 nodes × 8 GPUs');
    const row = frameLines(f).find((l) => /^[› ][* ]node2 /.test(l))!;
    // At 80 columns the reason may end in an ellipsis (the problems view, `!`, has it whole).
    expect(row).toMatch(columns >= 120 ? /node2\s+\S+\s+waiting\s+no such file \(waiting for it to appear\)/ : /node2\s+\S+\s+waiting\s+no such file \(waiting for it.*…$/);
    // node1 (reporting) comes first and is the one selected: the chart and log follow it.
    expect(frameLines(f).find((l) => l.startsWith('›'))).toMatch(/node1/);
    expect(widest(f)).toBeLessThanOrEqual(columns);
    expect(frameLines(f).length).toBeLessThan(rows);
  });

  it('! opens the problems view (time, state, source, reason); any key closes it; ? lists the key', async () => {
    const { store, clock } = await session();
    tui = renderTui(<App store={store} mode="live" onQuit={() => {}} />, { columns: 100, rows: 30 });
    await waitForText(tui.lastFrame, 'node2');
    clock.now += 1000;
    store.ingest([{ type: 'problem', problem: { input: 'logs', kind: 'unreadable', message: 'watching logs: EMFILE: too many open files' }, time: clock.now }]);
    store.flush();
    tui.stdin.write('!');
    const p = await waitForFrame(tui.lastFrame, (x) => /^problems \(2\)/m.test(x));
    expect(p).toMatch(/\+0:03 unreadable logs\n +watching logs: EMFILE: too many open files/);
    expect(p).toMatch(/\+0:00 waiting logs\/node2\/oneflow\.log\n +no such file \(waiting for it to appear\)\n +waiting for the file to appear/);
    expect(p).toMatch(/^sources \(2, 1 reporting\)\n +streaming +logs\/node1\/oneflow\.log 8 lines\n +waiting +logs\/node2\/oneflow\.log no such file/m);
    tui.stdin.write('x');
    await waitForFrame(tui.lastFrame, (x) => !/^problems \(/m.test(x) && x.includes('node▾'));
    tui.stdin.write('?');
    const help = await waitForText(tui.lastFrame, 'dlperf-top keys');
    expect(help).toMatch(/^\s*!\s+problems: every source not reporting/m);
  });
});

describe('a glob on screen', () => {
  it('its row in the sources list says how many files it follows', async () => {
    const clock = { now: T0 };
    const sources = await localSourceSpecs(['logs/*/rank*.log'], '/work-nonexistent');
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', sources });
    for (const f of ['logs/a/rank0.log', 'logs/a/rank1.log', 'logs/b/rank0.log']) {
      store.ingest([{ type: 'status', node: 'local', file: f, state: 'streaming', time: clock.now }]);
      if (!f.endsWith('rank1.log')) store.ingest([{ type: 'line', node: 'local', file: f, offset: 0, lineNo: 1, text: HEADER[0]!, time: clock.now }]);
    }
    store.flush();
    tui = renderTui(<App store={store} mode="live" onQuit={() => {}} />, { columns: 100, rows: 30 });
    await waitForText(tui.lastFrame, 'node▾');
    tui.stdin.write('!');
    const p = await waitForFrame(tui.lastFrame, (x) => /^sources \(1, 1 reporting\)/m.test(x));
    expect(p).toMatch(/^ +streaming +logs\/\*\/rank\*\.log following 3 files$/m);
    expect(p).toContain('problems (0)');
  });
});

describe('a glob in the node table', () => {
  async function globSession(files: number) {
    const clock = { now: T0 };
    const sources = await localSourceSpecs(['logs/oneflow/2n8g/*/*.log', 'other/*.log'], '/work-nonexistent');
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', sources });
    store.ingest([{ type: 'status', node: 'local', file: 'other/*.log', state: 'connecting', message: 'no file matches other/*.log yet; waiting', time: clock.now }]);
    const lines = [...HEADER, ...[20, 40].map((i) => trainLine(i, 4000 + i, 1597933942 + i))];
    for (let k = 0; k < files; k++) {
      const f = `logs/oneflow/2n8g/node${k}/resnet50_b128_fp32_1.log`;
      store.ingest([{ type: 'status', node: `n${k}`, file: f, state: 'streaming', time: clock.now }]);
      store.ingest(lines.map((text, j) => ({ type: 'line' as const, node: `n${k}`, file: f, offset: 0, lineNo: j + 1, text, time: clock.now })));
    }
    store.flush();
    return store;
  }

  it.each([
    [120, 40, 3],
    [80, 24, 3],
    [80, 24, 40],
  ])('%i×%i, %i files: the glob keeps a row of its own (state, files followed) once its files are rows', async (columns, rows, files) => {
    const store = await globSession(files);
    tui = renderTui(<App store={store} mode="live" onQuit={() => {}} />, { columns, rows });
    const f = await waitForText(tui.lastFrame, 'node▾', 'following');
    const lines = frameLines(f);
    // (Its pattern may be cut in the middle at 80 columns.)
    expect(lines.find((l) => l.includes('following'))).toMatch(/^ {2}local\s+logs\/\S*\*\.log\s+streaming\s+following \d+ files$/);
    expect(f).toContain(`following ${files} files`);
    // The glob that matches nothing has its row with its reason too.
    expect(lines.find((l) => l.includes('other/*.log') && !l.includes('missing'))).toMatch(/waiting\s+glob matched nothing yet/);
    // Cut lists say so; the glob row stays under them.
    if (files > 10) expect(f).toMatch(/\+\d+ more/);
    expect(widest(f)).toBeLessThanOrEqual(columns);
    expect(frameLines(f).length).toBeLessThan(rows);
  });
});

describe('a hostile source name', () => {
  it('is shown visible (escapes as text) in its row, the header and the problems view', async () => {
    const clock = { now: T0 };
    const name = 'logs/\u001b]0;pwned\u0007\u001b[2J.log';
    const sources = await localSourceSpecs([name], '/work-nonexistent');
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', sources });
    store.ingest([{ type: 'status', node: 'local', file: sources[0]!.source, state: 'connecting', message: 'waiting for the file to appear', time: clock.now }]);
    store.flush();
    tui = renderTui(<App store={store} mode="live" onQuit={() => {}} />, { columns: 100, rows: 30 });
    const f = await waitForText(tui.lastFrame, 'no such file');
    tui.stdin.write('!');
    const p = await waitForFrame(tui.lastFrame, (x) => /^sources \(1, 0 reporting\)/m.test(x));
    for (const frame of [f, p]) {
      // eslint-disable-next-line no-control-regex
      expect(frame.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(frame).toContain('pwned');
    }
  });
});

describe('a long reason in the problems view', () => {
  it('is wrapped, never cut: the whole fingerprint is on screen at 80 columns', async () => {
    const clock = { now: T0 };
    const sources = remoteSourceSpecs([{ node: 'n1', host: 'n1', paths: ['/logs/x.log'] }]);
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', sources });
    const fp = 'SHA256:tAc2RcimZIjkHdxzGai4ivJ2Eg4xZvx9dN4n3WWGuzU';
    const message = `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for n1 ([10.0.0.1]:22)! The ssh-ed25519 host key for n1 differs from the one in /home/u/.ssh/known_hosts (line 3). The fingerprint of the key sent by the remote host is ${fp}. Refusing to connect.`;
    store.ingest([{ type: 'status', node: 'n1', file: '', state: 'error', message, time: clock.now }]);
    store.flush();
    tui = renderTui(<App store={store} mode="live" onQuit={() => {}} />, { columns: 80, rows: 24 });
    await waitForText(tui.lastFrame, 'n1');
    tui.stdin.write('!');
    const p = await waitForFrame(tui.lastFrame, (x) => /^problems \(1\)/m.test(x));
    const joined = frameLines(p).map((l) => l.trim()).join(' ');
    expect(joined).toContain(`host key changed: ${fp} (known_hosts line 3); refusing`);
    expect(widest(p)).toBeLessThanOrEqual(80);
  });
});
