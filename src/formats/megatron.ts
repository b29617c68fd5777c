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
  window: { unit: 'iter', start: 'first', end: null, preferReported: true, roundTo: 2, published: 'reported' },
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
          const sps = Number(field(p, 'samples per second'));
          if (Number.isFinite(sps) && sps > 0) rec.throughput = sps;
          const stamp = /^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\]/.exec(p);
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
    { text: '  num_layers ...................................... 24', expected: [{ kind: 'meta', fields: { num_layers: 24 } }] },
  ],
};
