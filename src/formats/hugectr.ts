import { parseNameValue } from './common/name-value-header.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F16 — HugeCTR Wide&Deep (latency, not throughput), verbatim (DLPerf:HugeCTR/wdl/tools/extract_hugectr_logs.py docstring):
 * `[HUGECTR][02:51:59][INFO][RANK0]: Iter: 100 Time(100 iters): 0.315066s Loss: 0.125152 lr:0.001000`
 * Header `batch_size = 16384`, `gpu_num_per_node = 8`, `num_nodes = 1` (batch_size is the job's).
 * DLPerf: every Iter line except iter 100 (its start_iter), latency = 1000 × mean(Time) / interval ms.
 * `latency_ms` is the figure; throughput = batch / latency beside it.
 */
const LINE = /^\[HUGECTR\]\[[\d:]+\]\[INFO\]\[RANK(\d+)\]: Iter: (\d+) Time\((\d+) iters\): ([\d.]+)s(?: Loss: (\S+))?/;

export const hugectr: LogFormat = {
  id: 'hugectr',
  title: 'HugeCTR Wide&Deep',
  framework: 'hugectr',
  model: 'wdl',
  detect: (p) => p.startsWith('[HUGECTR]') && LINE.test(p),
  window: { unit: 'iter', start: 'first', end: null, preferReported: true },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        const m = LINE.exec(p);
        if (m) {
          const rec: ParsedRecord = { kind: 'iter', iter: Number(m[2]), latencyS: Number(m[4]) / Number(m[3]), rank: Number(m[1]) };
          if (m[5] !== undefined) rec.loss = Number(m[5]);
          return rec;
        }
        const b = /^batch_size = (\d+)\s*$/.exec(p);
        if (b) return { kind: 'meta', fields: { global_batch_size: Number(b[1]) } };
        return parseNameValue(p);
      },
    };
  },
  samples: [
    {
      text: '[HUGECTR][02:51:59][INFO][RANK0]: Iter: 200 Time(100 iters): 0.213347s Loss: 0.106469 lr:0.001000',
      expected: [{ kind: 'iter', iter: 200, latencyS: 0.00213347, rank: 0, loss: 0.106469 }],
    },
    { text: 'batch_size = 16384', expected: [{ kind: 'meta', fields: { global_batch_size: 16384 } }] },
  ],
};
