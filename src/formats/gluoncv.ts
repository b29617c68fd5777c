import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F13a — MXNet gluon-cv `scripts/classification/imagenet/train_horovod.py` (DLPerf `MxNet/Classification/RN50v1b`):
 * rank 0 logs `logging.info('Epoch[%d] Batch[%d]\tSpeed: %.2f samples/sec', epoch, nbatch, batch_speed)`
 * with batch_speed = num_workers × batch_size × log_interval / elapsed (global). No timestamp.
 * DLPerf (MxNet/Classification/RN50v1b/extract_mxnet_logs.py): lines with `Epoch[0] Batch[`,
 * Speed rounded to 2 decimals, mean over lines [20:120], rounded to 2 decimals.
 */
const LINE = /Epoch\[(\d+)\] Batch\[(\d+)\]\s+Speed: (\d+.\d+) samples\/sec/;

export const gluoncv: LogFormat = {
  id: 'gluoncv',
  title: 'MXNet gluon-cv (train_horovod.py)',
  framework: 'mxnet',
  detect: (p) => p.includes('] Batch[') && LINE.test(p),
  window: { unit: 'line', start: 20, end: 120, roundTo: 2, preferReported: true },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        const m = LINE.exec(p);
        if (!m) return undefined;
        return { kind: 'iter', iter: Number(m[2]), epoch: Number(m[1]), throughput: Math.round(Number(m[3]) * 100) / 100 };
      },
    };
  },
  samples: [{ text: 'INFO:root:Epoch[0] Batch[20]\tSpeed: 2459.77 samples/sec', expected: [{ kind: 'iter', iter: 20, epoch: 0, throughput: 2459.77 }] }],
};
