import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F8 — MLPerf logging: `:::MLLOG {json}` (possibly after ` 0: ` or `[0] ` labels, removed by unwrap).
 * Throughput exists only where the submission logs `tracked_stats` with a `throughput` value;
 * the window is every such record after the first (mean of the reported figures). The summary
 * record after `run_stop` is left out; a log with too few in-run records is `too_short` and says so.
 */
export const mlperf: LogFormat = {
  id: 'mlperf',
  title: 'MLPerf logging (:::MLLOG)',
  framework: 'mlperf',
  detect: (p) => p.includes(':::MLLOG {'),
  window: { unit: 'iter', start: 'first', end: null, preferReported: true, published: 'reported', shortNote: 'tracked_stats records after run_stop (the whole-run summary) are not samples' },
  createParser() {
    let n = 0;
    // The whole-run summary record printed after `run_stop` (its `step` a range like [2, 740]) is
    // not one more sample: records after run_stop, and any whose step is not a number, are clocks only.
    let stopped = false;
    return {
      parse(p): ParsedRecord | ParsedRecord[] | undefined {
        const at = p.indexOf(':::MLLOG {');
        if (at < 0) return undefined;
        let ev: { time_ms?: unknown; key?: unknown; value?: unknown; metadata?: Record<string, unknown> };
        try {
          ev = JSON.parse(p.slice(at + 9)) as typeof ev;
        } catch {
          return undefined;
        }
        const time = typeof ev.time_ms === 'number' ? ev.time_ms / 1000 : undefined;
        if (ev.key === 'run_stop') stopped = true;
        const step = ev.metadata?.['step'];
        if (ev.key === 'tracked_stats' && ev.value && typeof ev.value === 'object' && !stopped && (step === undefined || typeof step === 'number')) {
          const tp = (ev.value as Record<string, unknown>)['throughput'];
          if (typeof tp === 'number' && Number.isFinite(tp)) {
            const at = step ?? ev.metadata?.['epoch_num'];
            const rec: ParsedRecord = { kind: 'iter', iter: typeof at === 'number' ? at : ++n, throughput: tp };
            if (time !== undefined) rec.time = time;
            return rec;
          }
        }
        if (ev.key === 'global_batch_size' && typeof ev.value === 'number') return { kind: 'meta', fields: { global_batch_size: ev.value } };
        if (ev.key === 'submission_benchmark' && typeof ev.value === 'string') return { kind: 'meta', fields: { model: ev.value === 'resnet' ? 'resnet50' : ev.value } };
        return time !== undefined ? { kind: 'clock', time } : undefined;
      },
    };
  },
  samples: [
    {
      text: ' 0: :::MLLOG {"namespace": "", "time_ms": 1719843792116, "event_type": "POINT_IN_TIME", "key": "tracked_stats", "value": {"throughput": 14214.65962521748}, "metadata": {"file": "/workspace/bert/run_pretraining.py", "lineno": 1850, "epoch_num": 799502}}',
      expected: [{ kind: 'iter', iter: 799502, throughput: 14214.65962521748, time: 1719843792.116 }],
    },
  ],
};
