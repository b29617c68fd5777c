import { dllPairs, dllParameterRecord, parseDllLine } from './common/dllogger-line.ts';
import { DLL_STEP, dllProgressLike } from './common/dllogger-progress.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F4e (newer NGC MXNet, dllogger on rank 0): `Epoch: 0 Iteration: 19  train.loss : …  train.ips : … images/s`
 * printed every 20 iterations. DLPerf's scripts predate it; we use the iteration window 20 → 120
 * (first logged iteration at or after each end) with the DLL timestamps; `train.ips` is the cross-check.
 * Its PARAMETER `batch_size` is the global batch of the `gpus` listed (per device = batch / GPUs).
 */
export const dlloggerMxnet: LogFormat = {
  id: 'dllogger-mxnet',
  title: 'NVIDIA DeepLearningExamples MXNet (dllogger)',
  framework: 'mxnet',
  detect: (p) => p.includes('DLL ') && p.includes(' train.ips : ') && / - Epoch: \d+ Iteration: \d+ /.test(p),
  progressLike: dllProgressLike({ step: DLL_STEP.epochIteration, keys: ['train.ips', 'train.loss'] }),
  window: { unit: 'iter', start: 20, end: 120, roundTo: 2 },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        const d = parseDllLine(p);
        if (!d) return undefined;
        const s = d.step;
        if (s.type === 'parameter') {
          return dllParameterRecord(d, (f, kv) => {
            const layers = kv.get('num_layers');
            if (typeof f['model'] === 'string' && /^resnetv?1?5?$/.test(f['model']) && layers) f['model'] = `resnet${layers}`;
            if (kv.get('dtype') === 'float16') f['precision'] = 'amp';
            // `batch_size : 2048` with `gpus : [0, 1, …, 7]` is the GLOBAL batch of the node's GPUs
            // (256 per GPU; `train.ips` is the global images/s): methodology.md.
            const g = /(?:^|\s)gpus : \[([\d,\s]*)\]/.exec(d.rest);
            const n = g ? g[1]!.split(',').filter((x) => x.trim() !== '').length : 0;
            const bs = f['batch_size_per_device'];
            if (n > 0) {
              f['gpu_num_per_node'] = n;
              if (typeof bs === 'number' && bs % n === 0) f['batch_size_per_device'] = bs / n;
            }
          });
        }
        if (s.type === 'iteration') {
          const kv = dllPairs(d.rest);
          // A printed value that is not a possible number (nan, negative) is kept: the run model flags it.
          if (!kv.get('train.ips')) return { kind: 'clock', time: d.timeUs / 1e6 };
          const ips = Number(kv.get('train.ips'));
          const rec: ParsedRecord = { kind: 'iter', iter: s.iter, timeUs: d.timeUs, time: d.timeUs / 1e6, throughput: ips };
          if (s.epoch !== undefined) rec.epoch = s.epoch;
          const loss = Number(kv.get('train.loss'));
          if (kv.has('train.loss')) rec.loss = loss;
          return rec;
        }
        return { kind: 'clock', time: d.timeUs / 1e6 };
      },
    };
  },
  samples: [
    {
      text: '[1,0]<stdout>:DLL 2023-07-31 06:25:54.436868 - Epoch: 0 Iteration: 39  train.loss : 6.67905101776123  train.ips : 11677.433381196674 images/s train.lr : 0.9984 ',
      expected: [{ kind: 'iter', iter: 39, epoch: 0, timeUs: 1690784754436868, time: 1690784754.436868, throughput: 11677.433381196674, loss: 6.67905101776123 }],
    },
  ],
};
