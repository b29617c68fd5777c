import { describe, expect, it } from 'vitest';
import type { Flag } from '../../../src/core/types.ts';
import type { NodeView, RunView, SessionSnapshot } from '../../../src/session/types.ts';
import { distinctSources, nodeColumns } from '../../../src/ui/node-columns.ts';
import { flagHeadline, flagRows, runLabel } from '../../../src/ui/selectors.ts';

const snap = (o: Partial<SessionSnapshot>): SessionSnapshot => ({ now: 0, clock: 'wall', startedAt: 0, runs: [], groups: [], nodes: [], flags: [], problems: [], totals: { lines: 0, bytes: 0, files: 0, dropped: 0 }, version: 1, ...o });
const run = (key: string, flags: Flag[]) => ({ key, source: `${key}.log`, nodes: ['node1'], flags }) as unknown as RunView;

describe('flags panel rows', () => {
  it('lists a suspected finding only where the same run and node have no confirmed one', () => {
    const confirmed: Flag = { kind: 'ib_fallback', confidence: 'confirmed', evidence: 'Using network Socket', node: 'node1', file: 'a', line: 9 };
    const suspected: Flag = { kind: 'ib_fallback', confidence: 'suspected', evidence: 'libibverbs: Warning', node: 'node1', file: 'a', line: 3 };
    const other: Flag = { ...suspected, node: 'node2' };
    const rows = flagRows(snap({ runs: [run('logs/2n8g/r3', [confirmed, suspected, other])] }));
    expect(rows.map((r) => `${r.node} ${r.flag.confidence}`)).toEqual(['node1 confirmed', 'node2 suspected']);
  });

  it("prefers a run's current verdict to the first one the flag log kept (an outlier's median moves)", () => {
    const now: Flag = { kind: 'outlier', evidence: 'x: 10686.88 samples/s vs group median 11830.95', file: 'x' };
    const first: Flag = { ...now, evidence: 'x: 10686.88 samples/s vs group median 11822.84' };
    const rows = flagRows(snap({ runs: [run('r', [now])], flags: [{ time: 5, run: 'r', node: 'node1', file: 'x', flag: first }] }));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.flag.evidence).toContain('11830.95');
    expect(rows[0]!.time).toBe(5); // the log's time of first sight is kept
  });

  it('explains a finding in a few words where its detail has numbers', () => {
    expect(flagHeadline({ kind: 'straggler', evidence: '', detail: "+11.8 % compute time vs the other nodes' median over 11 consecutive windows of 10 iterations (window medians 0.3254 s vs 0.2912 s …)" })).toBe('+11.8 % compute time over 11 windows');
    expect(flagHeadline({ kind: 'straggler', evidence: '', detail: "data loading adds +9.0 % of a step vs the other nodes' median over 4 consecutive windows of 10 iterations (…)" })).toBe('data loading +9.0 % of a step over 4 windows');
    expect(flagHeadline({ kind: 'outlier', evidence: '', detail: '-9.7 % from the median of 5 repeats (rule: ≥ 3 % and > 3.5 robust SD)' })).toBe('-9.7 % from the median of 5 repeats');
    // A long detail would push the evidence off the screen: none.
    expect(flagHeadline({ kind: 'ib_fallback', evidence: '', detail: 'NCCL carried inter-node traffic over TCP sockets, not IB/RDMA: Socket (28 lines on 2 nodes)' })).toBeNull();
    expect(flagHeadline({ kind: 'oom', evidence: '' })).toBeNull();
  });

  it('names a run from its NnMg directory on', () => {
    expect(runLabel('logs/ngc/pytorch/2n8g/r50_b256_amp_3')).toBe('2n8g/r50_b256_amp_3');
    expect(runLabel('/logs/oneflow')).toBe('logs/oneflow');
  });
});

const node = (o: Partial<NodeView>): NodeView =>
  ({ node: 'node1', source: 'a.log', run: 'r', state: 'streaming', bytes: 0, lines: 0, last_line_age_s: 1, iteration: 10, phase: 'measuring', throughput_instant: 100, throughput_rolling_median: 100, step_time_s: 0.3, compute_time_s: null, data_time_s: null, deviation: null, deviation_of: null, arrival_lag_s: null, note: null, flags: [], series: [], ...o }) as NodeView;

describe('node columns', () => {
  const ngc = [
    node({ node: 'node1', source: 'logs/ngc/pytorch/2n8g/node1/r50_b256_amp_3.log', compute_time_s: 0.325, data_time_s: 0.0013, deviation: 0.117, deviation_of: 'compute_time', arrival_lag_s: 0 }),
    node({ node: 'node2', source: 'logs/ngc/pytorch/2n8g/node2/r50_b256_amp_3.log', compute_time_s: 0.291, data_time_s: 0.0013, deviation: -0.105, deviation_of: 'compute_time', arrival_lag_s: 0.001 }),
  ];
  const ids = (w: number) => nodeColumns(ngc, w, 'node').map((c) => c.id);
  it('keeps the telling columns at 60 and 80 columns, adds the rest as the width allows', () => {
    expect(ids(60)).toEqual(['node', 'state', 'iter', 'compute', 'dev', 'lag']);
    expect(ids(80)).toEqual(['node', 'source', 'state', 'iter', 'compute', 'dev', 'lag']);
    expect(ids(120)).toEqual(['node', 'source', 'state', 'iter', 'tput', 'step', 'compute', 'data', 'dev', 'lag', 'age']);
    expect(ids(250)).toContain('phase');
    for (const w of [60, 80, 120, 250]) expect(nodeColumns(ngc, w, 'node').reduce((a, c) => a + c.width, 0)).toBeLessThanOrEqual(w - 10);
  });

  it('leaves out columns no row has (no compute time printed, one file: no deviation or lag)', () => {
    const one = [node({ source: 'logs/1n8g/r1.log' })];
    expect(nodeColumns(one, 120, 'node').map((c) => c.id)).toEqual(['node', 'source', 'state', 'iter', 'phase', 'tput', 'step', 'age']);
  });

  it('titles the deviation with what it is measured on, and marks the sort', () => {
    expect(nodeColumns(ngc, 120, 'deviation').find((c) => c.id === 'dev')!.title).toBe('Δcompute▾');
    expect(nodeColumns([node({ deviation: 0.1, deviation_of: 'throughput' }), node({ node: 'n2' })], 120, 'node').find((c) => c.id === 'dev')!.title).toBe('Δtput');
  });
});

describe('distinctSources', () => {
  it('keeps the directory that tells nodes apart, and the end of the name', () => {
    const m = distinctSources(['logs/ngc/pytorch/2n8g/node1/r50_b256_amp_3.log', 'logs/ngc/pytorch/2n8g/node2/r50_b256_amp_3.log'], 30);
    expect([...m.values()]).toEqual(['node1/r50_b256_amp_3.log', 'node2/r50_b256_amp_3.log']);
    const narrow = distinctSources(['logs/ngc/pytorch/2n8g/node1/r50_b256_amp_3.log', 'logs/ngc/pytorch/2n8g/node2/r50_b256_amp_3.log'], 16);
    expect([...narrow.values()]).toEqual(['node1/…amp_3.log', 'node2/…amp_3.log']);
  });

  it('names differing only at their end keep their ends; one path on every host shows that path', () => {
    const gpt = distinctSources(['logs/r1/megatron_lm_perf_4n8g_pretrain_0.log', 'logs/r1/megatron_lm_perf_4n8g_pretrain_1.log'], 15);
    expect([...gpt.values()]).toEqual(['…pretrain_0.log', '…pretrain_1.log']);
    const same = distinctSources(['node1:/logs/oneflow.log', 'node2:/logs/oneflow.log'], 30);
    expect([...same.values()]).toEqual(['/logs/oneflow.log', '/logs/oneflow.log']);
    for (const v of distinctSources(['a/node1/x.log', 'a/node2/x.log'], 5).values()) expect(v.length).toBeLessThanOrEqual(5);
  });
});
