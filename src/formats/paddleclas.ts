import { fieldAfter, leadingDateTime } from './common/fields.ts';
import { paddleLaunchMeta } from './paddle-launch.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F12c — PaddleClas 2.x (`ppcls`), verbatim (PaddlePaddle/Perf:ResNet50V1.5/logs/V100-LOG/paddle_gpu32_fp32_bs256.txt):
 * `[2022/06/02 16:17:31] ppcls INFO: epoch:0   train step:10   lr: 0.100000, loss:  6.9950 … batch_cost: 0.75584 s, reader_cost: 0.03820 s, ips: 338.69825 samples/sec.`
 * `ips` is PER CARD (256 / 0.75584 s = 338.7): the run's figure is ips × world size. The step
 * counter restarts every epoch: iterations are numbered across epochs. DLPerf has no PaddleClas
 * script (its Paddle scripts read the 1.8 `elapse` lines): the auto window applies, reported method
 * (the clock prints whole seconds only).
 */
const STEP = /epoch:(\d+)\s+train step:(\d+)\s/;

export const paddleclas: LogFormat = {
  id: 'paddleclas',
  title: 'PaddleClas 2.x (ppcls)',
  framework: 'paddle',
  unit: 'samples/s',
  detect: (p) => p.includes(' ppcls INFO: ') && p.includes(' ips: ') && STEP.test(p),
  window: { unit: 'iter', start: 'auto', end: null, perDevice: true, preferReported: true },
  createParser() {
    let epoch = -1;
    let offset = 0;
    let last = 0;
    let archNext = false;
    return {
      parse(p): ParsedRecord | ParsedRecord[] | undefined {
        if (p.includes(' ppcls INFO: ')) {
          const m = STEP.exec(p);
          if (m && p.includes(' ips: ')) {
            const e = Number(m[1]);
            if (e !== epoch) {
              if (epoch >= 0) offset = last;
              epoch = e;
            }
            const iter = offset + Number(m[2]);
            last = iter;
            const rec: ParsedRecord = { kind: 'iter', iter, epoch: e };
            const ips = fieldAfter(p, ' ips:');
            if (ips !== undefined) rec.throughput = ips;
            const cost = fieldAfter(p, 'batch_cost:');
            if (cost !== undefined && cost > 0) rec.latencyS = cost;
            const loss = fieldAfter(p, ' loss:');
            if (loss !== undefined) rec.loss = loss;
            const t = leadingDateTime(p);
            if (t) rec.time = t.s;
            return rec;
          }
          const body = p.slice(p.indexOf(' ppcls INFO: ') + 13);
          if (/^Arch : ?$/.test(body.trim() + ' ') || body.trim() === 'Arch :') archNext = true;
          else if (archNext) {
            const n = /^\s+name : (\S+)/.exec(body);
            if (n) {
              archNext = false;
              return { kind: 'meta', fields: { model: n[1]! } };
            }
          }
          const t = leadingDateTime(p);
          return t ? { kind: 'clock', time: t.s } : undefined;
        }
        const launch = paddleLaunchMeta(p);
        if (launch) return launch;
        const bs = /DataLoader\.Train\.sampler\.batch_size=(\d+)/.exec(p);
        if (bs) {
          const fields: Record<string, unknown> = { batch_size_per_device: Number(bs[1]) };
          if (/AMP\.|use_pure_fp16=True|amp_level/.test(p)) fields['precision'] = 'amp';
          return { kind: 'meta', fields };
        }
        return undefined;
      },
    };
  },
  samples: [
    {
      text: '[2022/06/02 16:17:31] ppcls INFO: epoch:0   train step:10   lr: 0.100000, loss:  6.9950 top1:  0.0039 top5:  0.0078 batch_cost: 0.75584 s, reader_cost: 0.03820 s, ips: 338.69825 samples/sec.',
      expected: [{ kind: 'iter', iter: 10, epoch: 0, throughput: 338.69825, latencyS: 0.75584, loss: 6.995, time: 1654186651 }],
    },
    { text: '    |                     PADDLE_TRAINERS_NUM                       32                      |', expected: [{ kind: 'meta', fields: { world_size: 32 } }] },
    { text: 'LAUNCH INFO 2022-06-02 16:16:52,156 nnodes: 4', expected: [{ kind: 'meta', fields: { num_nodes: 4 } }] },
    { text: 'INFO 2022-06-02 16:16:52,159 launch_utils.py:561] Local start 8 processes. First process distributed environment info (Only For Debug): ', expected: [{ kind: 'meta', fields: { gpu_num_per_node: 8 } }] },
    { text: '[2022/06/02 16:18:14] ppcls INFO: END epoch:0   train  loss:  6.9075 top1:  0.0035 top5:  0.0155 batch_cost: 0.74132 s, reader_cost: 0.02981 s, batch_cost_sum: 47.44463 s,', expected: [{ kind: 'clock', time: 1654186694 }] },
  ],
};
