import { describe, expect, it } from 'vitest';
import type { Flag } from '../../../src/core/types.ts';
import type { NodeView, ReplayInfo, RunView, SessionSnapshot } from '../../../src/session/types.ts';
import { chartModel } from '../../../src/ui/chart-model.ts';
import { badgeOf, coverage, coverageText, currentRun, flagRows, flagTimeLabel, nodeBadges, sortNodes, sourceRows, transportLabel } from '../../../src/ui/selectors.ts';
import type { SourceView } from '../../../src/session/source-registry.ts';

const node = (name: string, rate: number | null, deviation: number | null, age: number | null, flags: Flag[] = []): NodeView => ({
  node: name,
  source: `${name}:/logs/x.log`,
  run: 'r',
  state: 'streaming',
  bytes: 0,
  lines: 0,
  last_line_age_s: age,
  iteration: null,
  phase: null,
  throughput_instant: rate,
  throughput_rolling_median: rate,
  step_time_s: null,
  compute_time_s: null,
  data_time_s: null,
  deviation,
  deviation_of: deviation === null ? null : 'throughput',
  arrival_lag_s: null,
  note: null,
  flags,
  series: [],
});

describe('sortNodes', () => {
  const rows = [node('node10', 90, -0.05, 1), node('node2', 100, 0.05, 30), node('node1', null, null, null)];
  const order = (k: Parameters<typeof sortNodes>[1]) => sortNodes(rows, k).map((n) => n.node);
  it('sorts by natural node name, throughput (fastest first), deviation (slowest first), age (quietest first)', () => {
    expect(order('node')).toEqual(['node1', 'node2', 'node10']);
    expect(order('throughput')).toEqual(['node2', 'node10', 'node1']);
    expect(order('deviation')).toEqual(['node10', 'node2', 'node1']);
    expect(order('age')).toEqual(['node2', 'node10', 'node1']);
  });
});

describe('badges and labels', () => {
  it('gives short codes, SLOW from the deviation and STALL from a stale node', () => {
    expect(badgeOf({ kind: 'ib_fallback', confidence: 'confirmed', evidence: '' })).toBe('IB!');
    expect(badgeOf({ kind: 'ib_fallback', confidence: 'suspected', evidence: '' })).toBe('IB?');
    expect(badgeOf({ kind: 'crashed', evidence: '' })).toBe('CRASH');
    expect(nodeBadges(node('n', 1, -0.2, 1, [{ kind: 'oom', evidence: '' }, { kind: 'oom', evidence: 'again' }]))).toEqual(['OOM', 'SLOW']);
    expect(nodeBadges({ ...node('n', 1, 0, 1), state: 'stale' })).toEqual(['STALL']);
  });

  it('names transports as the header shows them', () => {
    expect(['ib', 'socket', 'suspected_socket', 'intra_node', 'not_visible', null].map((t) => transportLabel(t as never))).toEqual([
      'IB',
      'sockets',
      'suspected sockets',
      'intra-node',
      'not visible (NCCL_DEBUG not INFO)',
      '—',
    ]);
  });
});

describe('runs and flags', () => {
  const flag: Flag = { kind: 'oom', evidence: 'CUDA out of memory', file: 'f', line: 3, node: 'n1', time: 50 };
  const run = (key: string, last: number, flags: Flag[] = []) => ({ key, source: `${key}/a.log`, last_seen: last, flags }) as unknown as RunView;
  const snap = (o: Partial<SessionSnapshot>): SessionSnapshot => ({ now: 0, clock: 'wall', startedAt: 0, runs: [], groups: [], nodes: [], flags: [], problems: [], totals: { lines: 0, bytes: 0, files: 0, dropped: 0 }, version: 1, ...o });

  it('lists each finding once, newest first', () => {
    const s = snap({ runs: [run('r', 0, [flag, { ...flag, kind: 'nan_loss', time: 80 }])], flags: [{ time: 50, run: 'r', node: 'n1', file: 'f', flag }] });
    expect(flagRows(s).map((r) => r.flag.kind)).toEqual(['nan_loss', 'oom']);
  });

  it('times findings from the session start (live), or the current run start / run number (replay)', () => {
    const runs = [run('a', 5), run('b', 9)];
    const row = (r: string, time: number | null) => ({ key: r, time, run: r, node: 'n1', flag });
    expect(flagTimeLabel(snap({ runs, startedAt: 8_000 }), row('a', 50_000), runs[0])).toBe('+0:42');
    expect(flagTimeLabel(snap({ runs }), row('a', null), runs[0])).toBe('—');
    const replay: ReplayInfo = { speed: 1, paused: false, runIndex: 1, runCount: 2, runNames: ['a', 'b'], position: 0, start: 1_000_000, end: 2_000_000, pacing: 'clock', finished: false };
    expect(flagTimeLabel(snap({ runs, replay }), row('b', 1_065_000), runs[1])).toBe('+1:05');
    expect(flagTimeLabel(snap({ runs, replay }), row('a', 5), runs[1])).toBe('run 1');
  });

  it('picks the replay run by name, else the picked run, else the most recently active', () => {
    const runs = [run('a', 5), run('b', 9)];
    expect(currentRun(snap({ runs }), null)?.key).toBe('b');
    expect(currentRun(snap({ runs }), 'a')?.key).toBe('a');
    const replay: ReplayInfo = { speed: 1, paused: false, runIndex: 0, runCount: 2, runNames: ['a/a.log', 'b/a.log'], position: 0, start: 0, end: 1, pacing: 'clock' as const, finished: false };
    expect(currentRun(snap({ runs, replay }), 'b')?.key).toBe('a');
  });
});

describe('chartModel', () => {
  const series = [0, 1, 2, 3, 4, 5].map((i) => ({ t: i * 1000, v: 100 + i * 10, warmup: i < 2 }));
  it('labels the y axis and marks the end of warmup on the x axis', () => {
    const m = chartModel({ run: series, node: null, width: 40, rows: 3, showWarmup: true });
    expect(m.labels[0]).toContain('┤');
    expect(m.labels[2]).toContain('┤');
    expect(m.axis).toContain('┴');
    expect(m.axis).toContain('0:05');
    expect(m.rows.flat().some((s) => s.layer === 3)).toBe(true);
  });

  it('drops warmup points when hidden', () => {
    const m = chartModel({ run: series, node: null, width: 40, rows: 3, showWarmup: false });
    expect(m.axis).not.toContain('┴');
    expect(m.rows.flat().some((s) => s.layer === 3)).toBe(false);
    expect(m.span).toBe(3000);
  });

  it('is empty without points', () => {
    expect(chartModel({ run: [], node: null, width: 40, rows: 2, showWarmup: true }).empty).toBe(true);
  });
});

describe('coverage of named sources, and the rows of globs', () => {
  const src = (source: string, node: string, kind: SourceView['kind'], reporting: boolean, state: SourceView['state'] = reporting ? 'streaming' : 'waiting', reason: string | null = null): SourceView => ({
    source, node, kind, state, reason, since: 0, files: kind === 'glob' ? 3 : 1, reporting, lines: 0, bytes: 0,
  });
  const snap = (sources: SourceView[]) => ({ sources }) as unknown as SessionSnapshot;

  it('names a deep remote path by its node and its end (a launch case), a node by its name', () => {
    const s = snap([
      src('node1:/runs/sess/001-1n2g/node0.log', 'node1', 'remote-file', true),
      src('node1:/home/u/dlperf-top-runs/sess/002-2n2g-b32-fp32-r0/node0.log', 'node1', 'remote-file', false, 'connecting'),
      src('node2:/home/u/dlperf-top-runs/sess/002-2n2g-b32-fp32-r0/node1.log', 'node2', 'remote-file', false, 'error', 'connection refused'),
    ]);
    expect(coverageText(coverage(s))).toBe('1 of 3 sources reporting · 2 missing: node1:…/002-2n2g-b32-fp32-r0/node0.log (connecting) · node2:…/002-2n2g-b32-fp32-r0/node1.log (connection refused)');
    expect(coverageText(coverage(snap([src('a:/x.log', 'a', 'remote-file', true), src('b:/x.log', 'b', 'remote-file', false, 'waiting', 'no such file (waiting for it to appear)')])))).toBe(
      '1 of 2 nodes reporting · 1 missing: b (no such file (waiting for it to appear))',
    );
  });

  it('a glob whose files report is a row of its own (no numbers); one that has not reported is the snapshot’s placeholder', () => {
    const rows = sourceRows(snap([src('logs/*.log', 'local', 'glob', true, 'streaming', 'following 3 files'), src('x/*.log', 'local', 'glob', false), src('a.log', 'local', 'file', true)]));
    expect(rows.map((r) => [r.source, r.run, r.state, r.reason])).toEqual([['logs/*.log', null, 'streaming', 'following 3 files']]);
  });
});
