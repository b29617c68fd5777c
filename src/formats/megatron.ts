import { parseNameValue } from './common/name-value-header.ts';
import { parseDateTimeUs } from './timestamps.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F5 — Megatron-LM (and Megatron-DeepSpeed, GPT-NeoX style) training lines:
 * ` iteration      100/     500 | consumed samples: … | elapsed time per iteration (ms): 406.2 | … | global batch size:    16 | lm loss: … | number of skipped iterations:   0 | …`
 * `elapsed time per iteration` is the mean over the logging interval; throughput = global batch / it.
 * Intervals with skipped iterations (fp16 loss-scale search) are not steady-state samples, and the
 * first interval holds start-up: the window is every later, unskipped interval (methodology.md).
 * Printed by the last pipeline stage's rank only, so with PP > 1 it is in the last node's log.
 */
const ITER = /\biteration\s+(\d+)\/\s*(\d+) \|/;
const field = (p: string, name: string): string | undefined => {
  const i = p.indexOf(name);
  if (i < 0) return undefined;
  const m = /^:?\s*([-+\w.]+)/.exec(p.slice(i + name.length));
  return m?.[1];
};

export const megatron: LogFormat = {
  id: 'megatron',
  title: 'Megatron-LM',
  framework: 'megatron',
  model: 'gpt',
  detect: (p) => p.includes(' iteration ') && p.includes('elapsed time per iteration (ms)') && ITER.test(p),
  // keepSeries: the window's mean TFLOP/s per GPU (Megatron-Core) needs the stored reports.
  window: { unit: 'iter', start: 'first', end: null, preferReported: true, roundTo: 2, published: 'reported', keepSeries: true },
  createParser() {
    return {
      parse(p): ParsedRecord | ParsedRecord[] | undefined {
        if (p.includes('elapsed time per iteration (ms)')) {
          const m = ITER.exec(p);
          if (!m) return undefined;
          const ms = Number(field(p, 'elapsed time per iteration (ms)'));
          const rec: ParsedRecord = { kind: 'iter', iter: Number(m[1]) };
          if (Number.isFinite(ms) && ms > 0) rec.latencyS = ms / 1000;
          const gbs = Number(field(p, 'global batch size'));
          if (Number.isInteger(gbs) && gbs > 0) rec.globalBatch = gbs;
          const skipped = Number(field(p, 'number of skipped iterations'));
          if (skipped > 0) rec.skipped = true;
          const loss = field(p, 'lm loss') ?? field(p, 'lm_loss');
          if (loss !== undefined) rec.loss = Number(loss);
          // Megatron-DeepSpeed `samples per second: 1.883`, GPT-NeoX ` samples/sec: 7.799 | iteration …`: global figures.
          const sps = Number(field(p, 'samples per second') ?? field(p, 'samples/sec'));
          if (Number.isFinite(sps) && sps > 0) rec.throughput = sps;
          // Megatron-Core `throughput per GPU (TFLOP/s/GPU): 243.6`, Megatron-DeepSpeed `TFLOPs: 78.36`, NeoX `approx flops per GPU: 112.9TFLOPS`.
          const tf = Number(field(p, 'throughput per GPU (TFLOP/s/GPU)') ?? field(p, 'TFLOPs') ?? field(p, 'approx flops per GPU')?.replace(/TFLOPS$/, ''));
          if (Number.isFinite(tf) && tf > 0) rec.tflops = tf;
          const stamp = /^\s*\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\]/.exec(p);
          if (stamp) {
            const us = parseDateTimeUs(stamp[1]!)!;
            rec.time = us / 1e6;
          }
          return rec;
        }
        if (p.includes('datetime: ')) {
          const m = /datetime: (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})/.exec(p);
          if (m) return { kind: 'clock', time: parseDateTimeUs(m[1]!)! / 1e6 };
        }
        if (p.includes(' ..')) return parseNameValue(p);
        return undefined;
      },
    };
  },
  samples: [
    {
      text: ' iteration      122/  250000 | consumed samples:       124928 | elapsed time per iteration (ms): 86545.2 | learning rate: 9.150E-06 | global batch size:  1024 | lm loss: 2.504220E+00 | loss scale: 1.0 | grad norm: 0.231 | number of skipped iterations:   0 | number of nan iterations:   0 |',
      expected: [{ kind: 'iter', iter: 122, latencyS: 86545.2 / 1000, globalBatch: 1024, loss: 2.50422 }],
    },
    {
      text: ' iteration       10/ 1000000 | consumed samples:           40 | elapsed time per iteration (ms): 356.2 | learning rate: 0.000E+00 | global batch size:     4 | loss scale: 8388608.0 | number of skipped iterations:  10 | number of nan iterations:   0 |',
      expected: [{ kind: 'iter', iter: 10, latencyS: 356.2 / 1000, globalBatch: 4, skipped: true }],
    },
    { text: '[before the start of training step] datetime: 2022-10-31 08:35:51 ', expected: [{ kind: 'clock', time: 1667205351 }] },
    {
      // Megatron-Core (NVIDIA/Megatron-LM#756).
      text: ' [2024-04-06 03:02:12] iteration       71/     100 | consumed samples:         9088 | elapsed time per iteration (ms): 5361.6 | throughput per GPU (TFLOP/s/GPU): 243.6 | learning rate: 1.420000E-05 | global batch size:   128 | lm loss: 1.818812E+00 | load_balancing_loss: 1.013377E+00 | loss scale: 1.0 | grad norm: 1.300 | num zeros: 0.0 | number of skipped iterations:   0 | number of nan iterations:   0 |',
      expected: [{ kind: 'iter', iter: 71, latencyS: 5.3616, globalBatch: 128, loss: 1.818812, tflops: 243.6, time: 1712372532 }],
    },
    {
      // GPT-NeoX style via DeepSpeed (deepspeedai/DeepSpeed#3742).
      text: ' samples/sec: 7.799 | iteration       34/   10000 | elapsed time per iteration (ms): 4103.1 | learning rate: 2.111E-06 | approx flops per GPU: 112.9TFLOPS | lm_loss: 1.118665E+01 | number of skipped iterations:   0 | number of nan iterations:   0 |',
      expected: [{ kind: 'iter', iter: 34, latencyS: 4.1031, loss: 11.18665, throughput: 7.799, tflops: 112.9 }],
    },
    { text: '  num_layers ...................................... 24', expected: [{ kind: 'meta', fields: { num_layers: 24 } }] },
  ],
};
