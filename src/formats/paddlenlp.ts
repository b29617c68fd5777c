import { fieldAfter, leadingDateTime } from './common/fields.ts';
import { paddleLaunchMeta } from './paddle-launch.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F12d — PaddleNLP 2.x pretraining (BERT, …), verbatim (PaddlePaddle/Perf:Bert/logs/V100_LOG/PaddleNLP_bert_base_seqlen128_bs96_fp16_DP_N1C8_log):
 * `total step: 20, epoch: 0, batch: 19, loss: 11.090787, avg_reader_cost: 0.00011 sec, avg_batch_cost: 0.14243 sec, avg_samples: 96.00000, ips: 673.51948 sequences/sec`
 * `ips` = avg_samples / avg_batch_cost of ONE card (96 / 0.1424): × world size. (The newer Trainer's
 * `interval_samples_per_second` is the job's figure: format `paddlenlp-trainer` below.) The argument dump `Namespace(… batch_size=96, … use_amp=True …)`
 * gives batch and precision; `--gpus=0,…,7` the GPUs of the node. No clock on the line: auto
 * window, reported method.
 */
const LINE = /^total step: (\d+), epoch: (\d+), batch: (\d+), .*\bips: ([\d.]+) (?:sequences|samples)\/sec/;
const TRAINER = /\bglobal_step: (\d+), .*interval_samples_per_second: ([\d.]+)/;

export const paddlenlp: LogFormat = {
  id: 'paddlenlp',
  title: 'PaddleNLP 2.x',
  framework: 'paddle',
  unit: 'sequences/s',
  detect: (p) => p.startsWith('total step: ') && LINE.test(p),
  window: { unit: 'iter', start: 'auto', end: null, perDevice: true, preferReported: true },
  createParser() {
    return {
      parse(p): ParsedRecord | ParsedRecord[] | undefined {
        let m = LINE.exec(p);
        if (m) {
          const rec: ParsedRecord = { kind: 'iter', iter: Number(m[1]), epoch: Number(m[2]), throughput: Number(m[4]) };
          const cost = fieldAfter(p, 'avg_batch_cost:');
          if (cost !== undefined && cost > 0) rec.latencyS = cost;
          const loss = fieldAfter(p, ' loss:');
          if (loss !== undefined) rec.loss = loss;
          return rec;
        }
        if (p.startsWith('Namespace(')) {
          const fields: Record<string, unknown> = {};
          const bs = /[(\s]batch_size=(\d+)/.exec(p);
          if (bs) fields['batch_size_per_device'] = Number(bs[1]);
          const model = /model_type='([^']+)'/.exec(p);
          if (model) fields['model'] = model[1] === 'bert' && /bert-base/.test(p) ? 'bert_base' : model[1];
          if (/use_amp=True|use_pure_fp16=True/.test(p)) fields['precision'] = 'amp';
          else if (/use_amp=False/.test(p)) fields['precision'] = 'fp32';
          return Object.keys(fields).length ? { kind: 'meta', fields } : undefined;
        }
        const launch = paddleLaunchMeta(p);
        if (launch) return launch;
        const t = /^\[\d{4}-/.test(p) ? leadingDateTime(p) : undefined;
        return t ? { kind: 'clock', time: t.s } : undefined;
      },
    };
  },
  samples: [
    {
      text: 'total step: 20, epoch: 0, batch: 19, loss: 11.090787, avg_reader_cost: 0.00011 sec, avg_batch_cost: 0.14243 sec, avg_samples: 96.00000, ips: 673.51948 sequences/sec',
      expected: [{ kind: 'iter', iter: 20, epoch: 0, throughput: 673.51948, latencyS: 0.14243, loss: 11.090787 }],
    },
    {
      text: "Namespace(adam_epsilon=1e-08, batch_size=96, device='gpu', enable_addto=False, fuse_transformer=True, gradient_merge_steps=88, input_dir='./data/wikicorpus_en_seqlen128', learning_rate=5e-05, logging_steps=10, max_grad_norm=1.0, max_predictions_per_seq=80, max_steps=500, model_name_or_path='bert-base-uncased', model_type='bert', output_dir='./tmp2/', profiler_options=None, save_steps=20000, scale_loss=32768, seed=42, use_amp=True, use_pure_fp16=False, warmup_steps=0, weight_decay=0.0)",
      expected: [{ kind: 'meta', fields: { batch_size_per_device: 96, model: 'bert_base', precision: 'amp' } }],
    },
    {
      text: 'python -m paddle.distributed.launch --log_dir=./mylog --gpus=0,1,2,3,4,5,6,7 ../examples/language_model/bert/static//run_pretrain.py --max_predictions_per_seq 80 --batch_size 96',
      expected: [{ kind: 'meta', fields: { gpu_num_per_node: 8 } }],
    },
    { text: '\u001b[32m[2023-07-27 12:44:45,566] [    INFO]\u001b[0m - Already cached /root/.paddlenlp/models/bert-base-uncased/bert-base-uncased-vocab.txt\u001b[0m', expected: [{ kind: 'clock', time: 1690461885.566 }] },
  ],
};

/**
 * PaddleNLP `Trainer` (paddlenlp/trainer), verbatim (a public PaddleNLP README found via find_string):
 * `[2022-08-31 16:19:16,008] [    INFO] - loss: 3.25806541, learning_rate: 2.999206349206349e-05, global_step: 10, interval_runtime: 2.2591, interval_samples_per_second: 3.541, interval_steps_per_second: 4.427, epoch: 0.0265`
 * `interval_samples_per_second` comes from `speed_metrics` over the logging interval with the total
 * train batch: the job's figure (the same log names per-device figures `…_per_device`). No DLPerf
 * method: auto window, reported method.
 */
export const paddlenlpTrainer: LogFormat = {
  id: 'paddlenlp-trainer',
  title: 'PaddleNLP Trainer',
  framework: 'paddle',
  detect: (p) => p.includes('interval_samples_per_second: ') && TRAINER.test(p),
  window: { unit: 'iter', start: 'auto', end: null, preferReported: true },
  createParser() {
    return {
      parse(p): ParsedRecord | ParsedRecord[] | undefined {
        const m = TRAINER.exec(p);
        const t = /^\[\d{4}-/.test(p) ? leadingDateTime(p) : undefined;
        if (!m) {
          const launch = paddleLaunchMeta(p);
          if (launch) return launch;
          return t ? { kind: 'clock', time: t.s } : undefined;
        }
        const rec: ParsedRecord = { kind: 'iter', iter: Number(m[1]), throughput: Number(m[2]) };
        const loss = fieldAfter(p, '- loss:');
        if (loss !== undefined) rec.loss = loss;
        const rt = fieldAfter(p, 'interval_runtime:');
        const sps = fieldAfter(p, 'interval_steps_per_second:');
        if (sps !== undefined && sps > 0) rec.latencyS = 1 / sps;
        else if (rt !== undefined) rec.latencyS = rt;
        if (t) {
          rec.time = t.s;
          rec.timeUs = t.us;
        }
        return rec;
      },
    };
  },
  samples: [
    {
      text: '[2022-08-31 16:19:16,008] [    INFO] - loss: 3.25806541, learning_rate: 2.999206349206349e-05, global_step: 10, interval_runtime: 2.2591, interval_samples_per_second: 3.541, interval_steps_per_second: 4.427, epoch: 0.0265',
      expected: [{ kind: 'iter', iter: 10, throughput: 3.541, loss: 3.25806541, latencyS: 1 / 4.427, time: 1661962756.008, timeUs: 1661962756008000 }],
    },
  ],
};
