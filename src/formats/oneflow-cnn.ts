import { withGpuMemory } from './common/nvidia-smi.ts';
import { parseNameValue } from './common/name-value-header.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F1 — OneFlow CNN (`of_cnn_train_val.py`):
 * `train: epoch 0, iter 20, loss: 7.087004, top_1: 0.000000, top_k: 0.000000, samples/s: 3988.891 1597933942.9863544`
 * The trailing float (since 2020-08-21) is the Unix time of the print; `samples/s` is global.
 * DLPerf (extract_cnn_result.py): total_batch × (120 − 20) / (t120 − t20), no rounding.
 */
const TRAIN = /\btrain: epoch (\d+), iter (\d+), (?:.*?\bloss: ([-\w.+]+),)?.*?samples\/s: ([\d.]+)(?: (1\d{9}(?:\.\d+)?))?\s*$/;

export const oneflowCnn: LogFormat = {
  id: 'oneflow-cnn',
  title: 'OneFlow CNN (of_cnn_train_val.py)',
  framework: 'oneflow',
  detect: (p) => p.includes('train: epoch ') && TRAIN.test(p),
  window: { unit: 'iter', start: 20, end: 120 },
  createParser() {
    return withGpuMemory((p): ParsedRecord | undefined => {
      if (p.includes('train: epoch ')) {
        const m = TRAIN.exec(p);
        if (!m) return undefined;
        const rec: ParsedRecord = { kind: 'iter', epoch: Number(m[1]), iter: Number(m[2]), throughput: Number(m[4]) };
        if (m[3] !== undefined) rec.loss = Number(m[3]);
        if (m[5] !== undefined) rec.time = Number(m[5]);
        return rec;
      }
      if (p.startsWith('Running ')) {
        const r = /^Running (\w+): num_gpu_per_node = (\d+), num_nodes = (\d+)\./.exec(p);
        if (r) return { kind: 'meta', fields: { gpu_num_per_node: Number(r[2]), num_nodes: Number(r[3]) } };
      }
      return p.includes(' = ') ? parseNameValue(p) : undefined;
    });
  },
  samples: [
    {
      text: 'train: epoch 0, iter 20, loss: 7.087004, top_1: 0.000000, top_k: 0.000000, samples/s: 3988.891 1597933942.9863544',
      expected: [{ kind: 'iter', epoch: 0, iter: 20, loss: 7.087004, throughput: 3988.891, time: 1597933942.9863544 }],
    },
    {
      text: 'train: epoch 0, iter 40, loss: 5.736447, top_1: 0.020313, top_k: 0.117578, samples/s: 385.628',
      expected: [{ kind: 'iter', epoch: 0, iter: 40, loss: 5.736447, throughput: 385.628 }],
    },
    { text: 'validation: epoch 0, iter 100, top_1: 0.074620, top_k: 0.194120, samples/s: 2014.683', expected: undefined },
    { text: 'batch_size_per_device = 128', expected: [{ kind: 'meta', fields: { batch_size_per_device: 128 } }] },
    { text: 'model = resnet50', expected: [{ kind: 'meta', fields: { model: 'resnet50' } }] },
  ],
};

