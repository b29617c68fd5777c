import { parseDateTimeUs } from './timestamps.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F12a — PaddlePaddle 1.8 `PaddleCV/image_classification` (DLPerf `PaddlePaddle/resnet50v1.5`), trainer 0's log:
 * `logger.info("[Pass {0}, train batch {1}] \tloss {2}, acc1 {3}, acc{7} {4}, lr {5}, elapse {6}".format(…, "%2.4f sec" % time_info, …))`
 * with the logger format `%(asctime)s-%(levelname)s: `:
 * `2020-09-10 12:34:56,789-INFO: [Pass 0, train batch 19] \tloss 6.98765, acc1 0.00000, acc5 0.00391, lr 0.10000, elapse 0.3912 sec`
 * `elapse` is this batch's wall time. DLPerf (PaddlePaddle/resnet50v1.5/extract_paddle_logs.py, its
 * README's method): per line total batch / elapse rounded to 4 decimals, mean over lines [20:120],
 * rounded to 2. `--method timestamps` (extract_paddle_logs_time.py): `train batch 19]` → `train batch 119]`.
 */
const LINE = /\[Pass (\d+), train batch (\d+)\].*\belapse ([\d.]+) sec/;

export const paddle18Cv: LogFormat = {
  id: 'paddle18-cv',
  title: 'PaddlePaddle 1.8 image_classification',
  framework: 'paddle',
  detect: (p) => p.includes(', train batch ') && p.includes('elapse') && LINE.test(p),
  window: { unit: 'line', start: 20, end: 120, roundTo: 2, meanOfRates: true, roundLineTo: 4, preferReported: true },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        const m = LINE.exec(p);
        if (!m) return undefined;
        const rec: ParsedRecord = { kind: 'iter', iter: Number(m[2]), epoch: Number(m[1]), latencyS: Number(m[3]) };
        const loss = /\bloss ([\d.]+)/.exec(p);
        if (loss) rec.loss = Number(loss[1]);
        const t = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3})-/.exec(p);
        if (t) {
          const us = parseDateTimeUs(t[1]!)!;
          rec.time = us / 1e6;
          rec.timeUs = us;
        }
        return rec;
      },
    };
  },
  samples: [
    {
      text: '2020-09-10 12:34:56,789-INFO: [Pass 0, train batch 19] \tloss 6.98765, acc1 0.00000, acc5 0.00391, lr 0.10000, elapse 0.3912 sec',
      expected: [{ kind: 'iter', iter: 19, epoch: 0, latencyS: 0.3912, loss: 6.98765, time: 1599741296.789, timeUs: 1599741296789000 }],
    },
  ],
};

/**
 * F12b — PaddlePaddle 1.8 BERT (`PaddleNLP/pretrain_language_models/BERT/train.py`):
 * `"epoch: %d, progress: %d/%d, step: %d, loss: %f, ppl: %f, lm_acc: %f, next_sent_acc: %f, speed: %f steps/s, file: %s"`
 * (static graph: without `epoch:` and `lm_acc`). `speed` is one trainer's steps/s.
 * DLPerf (PaddlePaddle/bert/extract_paddle_logs.py): per line speed × GPUs × batch rounded to 4
 * decimals, mean over lines [20:120], rounded to 2. DLPerf's total batch leaves out the node count
 * (`card_num * batch_size`); ours is nodes × GPUs × batch, so on multi-node logs ours is DLPerf's × nodes.
 */
const BERT = /\bstep: (\d+), loss: ([\d.]+|nan), .*\bspeed: ([0-9]+\.[0-9]+) steps\/s/;

export const paddle18Bert: LogFormat = {
  id: 'paddle18-bert',
  title: 'PaddlePaddle 1.8 BERT',
  framework: 'paddle',
  model: 'bert_base',
  unit: 'sequences/s',
  detect: (p) => p.includes(' steps/s') && p.includes('progress: ') && BERT.test(p),
  window: { unit: 'line', start: 20, end: 120, roundTo: 2, meanOfRates: true, roundLineTo: 4, preferReported: true },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        const m = BERT.exec(p);
        if (!m) return undefined;
        return { kind: 'iter', iter: Number(m[1]), loss: Number(m[2]), latencyS: 1 / Number(m[3]) };
      },
    };
  },
  samples: [
    {
      text: 'epoch: 0, progress: 1/1, step: 20, loss: 10.297571, ppl: 29737.464844, lm_acc: 0.012195, next_sent_acc: 0.500000, speed: 0.163902 steps/s, file: ./data/train/part-00000',
      expected: [{ kind: 'iter', iter: 20, loss: 10.297571, latencyS: 1 / 0.163902 }],
    },
  ],
};
