import { parseDateTimeUs } from './timestamps.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F4e (NGC 20.03) — NVIDIA DeepLearningExamples MXNet ResNet50 `fit.py` (the version DLPerf ran):
 * Python logging `'{asctime}:{levelname}: {message}'` and
 * `logging.info('Epoch[{}] Batch [{}-{}]\tSpeed: {} samples/sec\tLR: {}\t{}'…)` printed by EVERY
 * Horovod rank into the one log (Speed = the global samples/s that rank measured). Shape (from the
 * source, NVIDIA/DeepLearningExamples:MxNet/Classification/RN50v1.5/fit.py@e470c215):
 * `2020-09-10 12:34:56,789:INFO: Epoch[0] Batch [20-21]\tSpeed: 3008.12 samples/sec\tLR: 0.000213\t…`
 * DLPerf (NVIDIADeepLearningExamples/MxNet/Classification/RN50v1.5/extract_mxnet_logs_time.py, the
 * method behind its published README): counted lines 20·ranks → 120·ranks, total batch × 100 / Δt,
 * rounded to 2 decimals; the consecutive lines of one batch are one report whose clock is its
 * last line's. `--method reported` is extract_mxnet_logs.py: per batch the median of the ranks'
 * Speeds (each rounded to 2 decimals), mean over batches [20:120].
 */
const LINE = /^(\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2},\d{1,6}):\w+: Epoch\[(\d+)\] Batch \[(\d+)-(\d+)\]\tSpeed: (\d+.\d+) samples\/sec/;

export const mxnetNgc: LogFormat = {
  id: 'mxnet-ngc',
  title: 'NVIDIA DeepLearningExamples MXNet 20.03 (fit.py Speed lines)',
  framework: 'mxnet',
  detect: (p) => p.includes(' Batch [') && p.includes('Speed: ') && LINE.test(p),
  window: { unit: 'line', start: 20, end: 120, itersPerLine: 1, roundTo: 2, acrossRanks: 'median' },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        const m = LINE.exec(p);
        if (!m) return undefined;
        const us = parseDateTimeUs(m[1]!)!;
        return { kind: 'iter', iter: Number(m[4]), epoch: Number(m[2]), time: us / 1e6, timeUs: us, throughput: Math.round(Number(m[5]) * 100) / 100 };
      },
    };
  },
  samples: [
    {
      text: '2020-09-10 12:34:56,789:INFO: Epoch[0] Batch [20-21]\tSpeed: 3008.12 samples/sec\tLR: 0.000213\tacc=0.001953',
      expected: [{ kind: 'iter', iter: 21, epoch: 0, time: 1599741296.789, timeUs: 1599741296789000, throughput: 3008.12 }],
    },
  ],
};
