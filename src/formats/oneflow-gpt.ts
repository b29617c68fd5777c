import { withGpuMemory } from './common/nvidia-smi.ts';
import { parseNameValue } from './common/name-value-header.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F3 — OneFlow GPT (`oneflow_gpt.training`), two print modes:
 * normal: `step=10,micro_batches=320,samples=5120,throughput=35.88042,latency=14.26962,loss=11.23708,`
 * table:  `| step | micro_batches | samples | throughput | latency | loss |` then rows `| 10 | 320 | … |`
 * (older versions title the first column `batches`). latency = seconds per step over the interval.
 * DLPerf's GPT table quotes latency in ms and throughput = global batch / latency (seed 003);
 * its latency is the mean of the intervals of the second half of the run (after train_iters / 2:
 * iterations 51–100 of the report's 100-iteration runs, methodology.md).
 */
const NORMAL = /\bstep=(\d+),micro_batches=(\d+),samples=(\d+),throughput=([\d.]+),latency=([\d.]+),(?:loss=([-\w.+]+),?)?/;
const ROW = /^\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([-\w.+]*)\s*\|/;

export const oneflowGpt: LogFormat = {
  id: 'oneflow-gpt',
  title: 'OneFlow GPT (oneflow_gpt)',
  framework: 'oneflow',
  model: 'gpt',
  detect: (p) => (p.includes('step=') && NORMAL.test(p)) || /^\|\s*(step|batches)\s*\|\s*micro_batches\s*\|/.test(p),
  // `--window 300:400` averages the prints at iterations 300 ≤ i < 400, as DLPerf's later
  // extract_gpt_result.py first did (its Sept 2021 revision sums 300..400 and divides by 100: a bug).
  window: { unit: 'iter', start: 'first', end: null, preferReported: true, published: 'reported', startRule: 'half', overrideReported: 'half-open' },
  createParser() {
    let inTable = false;
    return withGpuMemory((p): ParsedRecord | undefined => {
      if (p.startsWith('|')) {
        if (/^\|\s*(step|batches)\s*\|\s*micro_batches\s*\|/.test(p)) {
          inTable = true;
          return undefined;
        }
        const m = inTable ? ROW.exec(p) : null;
        if (!m) return undefined;
        const rec: ParsedRecord = { kind: 'iter', iter: Number(m[1]), throughput: Number(m[4]), latencyS: Number(m[5]) };
        if (m[6]) rec.loss = Number(m[6]);
        return rec;
      }
      if (p.includes('step=')) {
        const m = NORMAL.exec(p);
        if (!m) return undefined;
        const rec: ParsedRecord = { kind: 'iter', iter: Number(m[1]), throughput: Number(m[4]), latencyS: Number(m[5]) };
        if (m[6] !== undefined) rec.loss = Number(m[6]);
        return rec;
      }
      if (p.includes(' ..')) return parseNameValue(p);
      return undefined;
    });
  },
  samples: [
    {
      text: 'step=20,micro_batches=640,samples=10240,throughput=39.02016,latency=13.12142,loss=10.43741,',
      expected: [{ kind: 'iter', iter: 20, throughput: 39.02016, latencyS: 13.12142, loss: 10.43741 }],
    },
    { text: '| 10       | 320             | 5120            | 35.88042   | 14.26962   | 11.23708   |', expected: undefined },
    { text: '  num_nodes ....................................... 4', expected: [{ kind: 'meta', fields: { num_nodes: 4 } }] },
  ],
};
