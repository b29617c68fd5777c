import { parseAbslUs } from './timestamps.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F10 — TensorFlow 2 official models BERT (`official/nlp/bert/model_training_utils.py`, r2.3):
 * `logging.info('Train Step: %d/%d  / loss = %s', current_step, total_training_steps, train_loss)` with the absl prefix:
 * `I0826 18:06:39.031755 140540494919424 model_training_utils.py:444] Train Step: 20/120  / loss = 9.8612`
 * No throughput field. DLPerf (TensorFlow/bert/extract_tensorflow_logs_time.py): counted `Train Step:`
 * lines 20 → 120, total batch / ((t120 − t20) / 100) from the absl time of day, rounded to 2.
 */
const LINE = /Train Step: (\d+)\/(\d+)\s+\/ loss = (\S+)/;

export const tf2Bert: LogFormat = {
  id: 'tf2-bert',
  title: 'TensorFlow 2 official models BERT (Train Step)',
  framework: 'tensorflow',
  model: 'bert_base',
  unit: 'sequences/s',
  detect: (p) => p.includes('Train Step: ') && LINE.test(p),
  window: { unit: 'line', start: 20, end: 120, itersPerLine: 1, roundTo: 2 },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        const m = LINE.exec(p);
        const us = /^[IWEF]\d{4} /.test(p) ? parseAbslUs(p) : undefined;
        if (!m) return us !== undefined ? { kind: 'clock', time: us / 1e6 } : undefined;
        const rec: ParsedRecord = { kind: 'iter', iter: Number(m[1]), loss: Number(m[3]) };
        if (us !== undefined) {
          rec.timeUs = us;
          rec.time = us / 1e6;
        }
        return rec;
      },
    };
  },
  samples: [
    {
      text: 'I0826 18:06:39.031755 140540494919424 model_training_utils.py:444] Train Step: 20/120  / loss = 9.8612',
      expected: [{ kind: 'iter', iter: 20, loss: 9.8612, timeUs: 967313199031755, time: 967313199.031755 }],
    },
  ],
};
