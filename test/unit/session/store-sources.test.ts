import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunSet } from '../../../src/metrics/run-set.ts';
import { localSourceSpecs, remoteSourceSpecs } from '../../../src/pipeline/live-sources.ts';
import { SessionStore, type StoreEvent } from '../../../src/session/store.ts';
import { problemRows } from '../../../src/ui/selectors.ts';
import { exitVerdict } from '../../../src/cli/live-exit.ts';

const T0 = 1_700_000_000_000;

describe('SessionStore with named sources', () => {
  it('a row per named source from the first snapshot; totals count sources and reporting ones', async () => {
    const clock = { now: T0 };
    const sources = [...(await localSourceSpecs(['logs/node1/train.log', 'logs/README.md'], '/nonexistent')), ...remoteSourceSpecs([{ node: 'n2', host: 'n2', paths: ['/l/x.log'] }])];
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', sources });
    const events: StoreEvent[] = [];
    store.onEvent((e) => events.push(e));
    const first = store.flush();
    expect(first.nodes.map((n) => [n.source, n.state, n.run])).toEqual([
      ['logs/node1/train.log', 'connecting', null],
      ['logs/README.md', 'connecting', null],
      ['n2:/l/x.log', 'connecting', null],
    ]);
    expect(first.totals).toMatchObject({ sources: 3, reporting: 0 });

    clock.now += 100;
    store.ingest([
      { type: 'status', node: 'node1', file: 'logs/node1/train.log', state: 'streaming', time: clock.now },
      { type: 'line', node: 'node1', file: 'logs/node1/train.log', offset: 0, lineNo: 1, text: 'model = resnet50', time: clock.now },
      // A file that is not a log by its name: its source does not vanish, it says why.
      { type: 'line', node: 'local', file: 'logs/README.md', offset: 0, lineNo: 1, text: '# notes', time: clock.now },
      { type: 'line', node: 'local', file: 'logs/README.md', offset: 8, lineNo: 2, text: 'more', time: clock.now },
      { type: 'status', node: 'n2', file: '', state: 'error', message: 'Host [n2]:22 is not in /k: its ssh-ed25519 key fingerprint is SHA256:xyz. Refusing', time: clock.now },
    ]);
    const s = store.flush();
    expect(s.totals).toMatchObject({ sources: 3, reporting: 1, dropped: 2 });
    expect(s.nodes.map((n) => [n.source, n.state, n.run === null, n.reason])).toEqual([
      ['logs/node1/train.log', 'streaming', false, null],
      ['logs/README.md', 'error', true, 'not a training log by its name (README, manifest, archive, image…)'],
      ['n2:/l/x.log', 'error', true, 'host key not in known_hosts: SHA256:xyz; refusing (--accept-new adds it)'],
    ]);
    expect(s.problems.filter((p) => p.file === 'logs/README.md')).toHaveLength(1);
    // One event per source change; the file that is itself a named source is announced as the source only.
    const states = events.filter((e) => e.kind === 'state' || e.kind === 'source');
    expect(states.map((e) => (e.kind === 'source' ? `source ${e.view.source} ${e.view.state}` : `file ${e.file} ${e.state}`))).toEqual([
      'source logs/node1/train.log streaming',
      'source logs/README.md error',
      'source n2:/l/x.log error',
    ]);
  });

  it('the problems view lists a problem of a source once: on its row, with time, state and the words of the source', () => {
    const clock = { now: T0 };
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', sources: remoteSourceSpecs([{ node: 'g', host: 'g', paths: ['/l/missing.log'] }]) });
    clock.now += 1500;
    store.ingest([
      { type: 'status', node: 'g', file: '', state: 'streaming', message: 'connected to u@g port 22', time: clock.now },
      { type: 'problem', problem: { input: 'g', file: 'g:/l/missing.log', kind: 'unreadable', message: 'no such file on g yet; looking again every 5 s' }, time: clock.now },
      { type: 'problem', problem: { input: 'g', file: '/home/u/.ssh/config', kind: 'skipped', message: 'Include not followed' }, time: clock.now },
    ]);
    const rows = problemRows(store.flush());
    expect(rows.map((r) => [r.time! - T0, r.label, r.source, r.reason, r.detail])).toEqual([
      [1500, 'waiting', 'g:/l/missing.log', 'no such file (waiting for it to appear)', 'no such file on g yet; looking again every 5 s'],
      [1500, 'skipped', 'g: /home/u/.ssh/config', 'Include not followed', undefined],
    ]);
  });

  it('a file in error when following stops keeps its error: the last snapshot and the --exit-when-done verdict say it', async () => {
    const clock = { now: T0 };
    const sources = await localSourceSpecs(['logs/train.log', 'logs/ok.log'], '/nonexistent');
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', sources });
    for (const file of ['logs/train.log', 'logs/ok.log']) {
      store.ingest([
        { type: 'status', node: 'local', file, state: 'streaming', time: clock.now },
        { type: 'line', node: 'local', file, offset: 0, lineNo: 1, text: 'model = resnet50', time: clock.now },
      ]);
    }
    clock.now += 1000;
    // The file became unreadable (or its name a directory) while followed; then the session stops.
    store.ingest([{ type: 'status', node: 'local', file: 'logs/train.log', state: 'error', message: "EACCES: permission denied, open '/x/logs/train.log'", time: clock.now }]);
    clock.now += 1000;
    store.ingest([
      { type: 'status', node: 'local', file: 'logs/train.log', state: 'ended', message: 'stopped', time: clock.now },
      { type: 'status', node: 'local', file: 'logs/ok.log', state: 'ended', message: 'stopped', time: clock.now },
    ]);
    const s = store.flush({ fresh: true });
    expect(s.nodes.map((n) => [n.source, n.state, n.reason])).toEqual([
      ['logs/train.log', 'error', 'permission denied'],
      ['logs/ok.log', 'ended', null],
    ]);
    expect(s.sources!.map((v) => [v.source, v.state, v.reason])).toEqual([
      ['logs/train.log', 'error', 'permission denied'],
      ['logs/ok.log', 'ended', null],
    ]);
    const verdict = exitVerdict(store);
    expect(verdict.code).toBe(5);
    expect(verdict.missing.map((m) => m.source)).toEqual(['logs/train.log']);
    expect(verdict.message).toMatch(/1 of 2 sources ended in error: logs\/train\.log \(error: permission denied\)/);
  });

  it('a remote file in error stays in error while its node goes quiet or stale; the file opening again ends it', () => {
    const clock = { now: T0 };
    const src = 'n:/l/x.log';
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', sources: remoteSourceSpecs([{ node: 'n', host: 'n', paths: ['/l/x.log'] }]) });
    const row = () => store.flush().nodes.find((n) => n.source === src)!;
    store.ingest([
      { type: 'status', node: 'n', file: '', state: 'streaming', message: 'connected to u@n port 22', time: clock.now },
      { type: 'status', node: 'n', file: src, state: 'streaming', message: 'following', time: clock.now },
      { type: 'line', node: 'n', file: src, offset: 0, lineNo: 1, text: 'model = resnet50', time: clock.now },
      { type: 'status', node: 'n', file: src, state: 'error', message: 'cannot open: permission denied', time: ++clock.now },
    ]);
    expect(row()).toMatchObject({ state: 'error', reason: 'permission denied' });
    store.ingest([{ type: 'status', node: 'n', file: '', state: 'quiet', message: 'no new log bytes for 10 s', time: (clock.now += 10_000) }]);
    expect(row()).toMatchObject({ state: 'error', reason: 'permission denied' });
    store.ingest([{ type: 'status', node: 'n', file: src, state: 'streaming', message: 'can be opened again; following', time: ++clock.now }]);
    expect(row()).toMatchObject({ state: 'streaming' });
  });

  it("a source's own quiet after 10 s is judged by the store's rules: a log that prints every 13 s stays streaming", () => {
    const clock = { now: T0 };
    const file = 'logs/bert.log';
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', sources: [] });
    const lines = readFileSync(new URL('../../fixtures/seeds/oneflow-rn50/logs/oneflow/1n1g/bert_base_b128_fp32_0.log', import.meta.url), 'utf8').split('\n').filter(Boolean);
    const firstProgress = lines.findIndex((l) => l.startsWith('train:'));
    let offset = 0;
    const line = (i: number) => {
      store.ingest([{ type: 'line', node: 'local', file, offset, lineNo: i + 1, text: lines[i]!, time: clock.now }]);
      offset += lines[i]!.length + 1;
    };
    store.ingest([{ type: 'status', node: 'local', file, state: 'streaming', time: clock.now }]);
    for (let i = 0; i < firstProgress; i++) line(i);
    // Progress lines 13 s apart (OneFlow BERT prints every 20 steps).
    for (let i = firstProgress; i < firstProgress + 4; i++) {
      clock.now += 13_000;
      line(i);
    }
    clock.now += 10_000;
    store.ingest([{ type: 'status', node: 'local', file, state: 'quiet', message: 'no new bytes for 10 s', time: clock.now }]);
    expect(store.flush().nodes.find((n) => n.source === file)?.state).toBe('streaming');
    // Past twice its usual gap it is quiet.
    clock.now += 20_000;
    store.ingest([{ type: 'status', node: 'local', file, state: 'quiet', message: 'no new bytes for 30 s', time: clock.now }]);
    expect(store.flush().nodes.find((n) => n.source === file)?.state).toBe('quiet');
  });
});
