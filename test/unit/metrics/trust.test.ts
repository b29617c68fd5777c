import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize } from '../../../src/pipeline/summarize.ts';

// The cross-check and the MLPerf window (#10), on real log text.
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-trust-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const put = (rel: string, text: string) => {
  const p = join(tmp, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
};
const mxnet = readFileSync(new URL('../../fixtures/public/ngc-mxnet-rn50-dll-1n8g.log', import.meta.url), 'utf8');

describe('method_disagreement: the check that catches a global batch read as per-device', () => {
  it('the real MXNet log without its gpus list: 2048 read per device, the clock says 8x the printed train.ips', async () => {
    const f = put('mx/1n8g/no-gpus.log', mxnet.replace(/ gpus : \[[^\]]*\] /, ' '));
    const r = (await summarize([f])).runs[0]!;
    expect(r.batch_size_per_device).toBe(2048);
    const flag = r.flags.find((x) => x.kind === 'method_disagreement');
    expect(flag, JSON.stringify(r.flags)).toBeDefined();
    expect(flag!.detail).toMatch(/^timestamps 92955\.48 vs reported 11621\.37 \(.* over iterations 39→139 \(lines 331→336; 5 printed figure\(s\)\)/);
    expect(flag!.evidence).toContain('Iteration: 139');
  });
  it('the same log with its gpus list: no disagreement', async () => {
    const r = (await summarize([put('mx/1n8g/ok.log', mxnet)])).runs[0]!;
    expect(r.flags.map((x) => x.kind)).not.toContain('method_disagreement');
  });
});

describe('MLPerf: the whole-run summary record after run_stop is not a sample', () => {
  const rec = (t: number, key: string, value: string, meta: string) => `:::MLLOG {"namespace": "", "time_ms": ${t}, "event_type": "POINT_IN_TIME", "key": "${key}", "value": ${value}, "metadata": {"file": "x.py", "lineno": 1${meta}}}`;
  it('too few in-run records: too_short, and the reason says why', async () => {
    const f = put('mlperf/short.log', [rec(1e12, 'run_start', 'null', ''), rec(1e12 + 9e4, 'tracked_stats', '{"throughput": 14214.6}', ', "step": 740'), rec(1e12 + 1e5, 'run_stop', 'null', ''), rec(1e12 + 1e5 + 1, 'tracked_stats', '{"throughput": 14000.1}', ', "step": [2, 740]')].join('\n') + '\n');
    const r = (await summarize([f])).runs[0]!;
    expect(r.status).toBe('too_short');
    expect(r.reason).toMatch(/1 progress line, last iteration 740; needs at least two progress lines .*; tracked_stats records after run_stop \(the whole-run summary\) are not samples/);
  });
  it('the summary record does not enter the mean', async () => {
    const lines = [rec(1e12, 'run_start', 'null', '')];
    for (let i = 1; i <= 4; i++) lines.push(rec(1e12 + i * 1e4, 'tracked_stats', `{"throughput": ${1000 * i}}`, `, "step": ${i * 100}`));
    lines.push(rec(1e12 + 5e4, 'run_stop', 'null', ''), rec(1e12 + 5e4 + 1, 'tracked_stats', '{"throughput": 99999}', ', "step": [2, 400]'));
    const r = (await summarize([put('mlperf/ok.log', lines.join('\n') + '\n')])).runs[0]!;
    expect(r.status).toBe('ok');
    expect(r.throughput).toBe(3000); // mean of 2000, 3000, 4000 (the first record opens the window)
    expect(r.window).toEqual({ start_iter: 100, end_iter: 400 });
  });
});

describe('implausible_value: a window figure that cannot be true is never a number', () => {
  it('one corrupt iteration number closes the iteration window: error, no 1e20 samples/s', async () => {
    const f = put('mx/1n8g/huge-iter.log', mxnet.replace('Epoch: 0 Iteration: 119 ', 'Epoch: 0 Iteration: 123456789012345678901 '));
    const r = (await summarize([f])).runs[0]!;
    expect(r.throughput, JSON.stringify(r.flags)).toBeNull();
    expect(r.status).toBe('error');
    const flag = r.flags.find((x) => x.kind === 'implausible_value');
    expect(flag, JSON.stringify(r.flags)).toBeDefined();
    expect(flag!.evidence).toContain('Iteration: 123456789012345678901 ');
    expect(r.reason).toMatch(/not a possible value/);
  });
});
