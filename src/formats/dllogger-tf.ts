import { dllPairs, dllParameterRecord, parseDllLine } from './common/dllogger-line.ts';
import { DLL_STEP, dllProgressLike } from './common/dllogger-progress.ts';
import type { LogFormat, LineParser, ParsedRecord } from './types.ts';

function tfParser(): LineParser {
  return {
    parse(p): ParsedRecord | undefined {
      const d = parseDllLine(p);
      if (!d) return undefined;
      const s = d.step;
      if (s.type === 'parameter') {
        return dllParameterRecord(d, (f, kv) => {
          if (kv.get('amp') === 'True' || kv.get('use_amp') === 'True') f['precision'] = 'amp';
        });
      }
      if (s.type === 'tuple' || (s.type === 'iteration' && s.epoch === undefined)) {
        const kv = dllPairs(d.rest);
        const text = kv.get('total_ips') ?? kv.get('imgs_per_sec') ?? kv.get('throughput_train');
        // A printed value that is not a possible number (nan, negative) is kept: the run model flags it.
        if (!text) return { kind: 'clock', time: d.timeUs / 1e6 };
        const v = Number(text);
        const rec: ParsedRecord = { kind: 'iter', iter: s.iter, timeUs: d.timeUs, time: d.timeUs / 1e6, throughput: v };
        if (s.type === 'tuple') rec.epoch = s.epoch;
        const loss = kv.get('total_loss');
        if (loss !== undefined) rec.loss = Number(loss);
        return rec;
      }
      return { kind: 'clock', time: d.timeUs / 1e6 };
    },
  };
}

/**
 * F4c — NVIDIA TensorFlow 1 ResNet50: `DLL … - (0, 200) total_ips : 9360.8` (older: `imgs_per_sec`).
 * The hook logs only after its 20 warmup steps. DLPerf's README table is extract_tensorflow_logs.py:
 * the mean of the logged values [0:100] (each rounded to 2 decimals first), the default; its time
 * script (`--method timestamps`) divides the samples between logged lines 1 and 100 by their wall time.
 * Samples are counted from the iteration numbers (DLPerf assumes one step per logged line).
 */
export const dlloggerTfRn50: LogFormat = {
  id: 'dllogger-tf-rn50',
  title: 'NVIDIA DeepLearningExamples TensorFlow ResNet50 (dllogger)',
  framework: 'tensorflow',
  model: 'resnet50',
  detect: (p) => p.includes('DLL ') && / - \(\d+, \d+\) (total_ips|imgs_per_sec) : /.test(p),
  progressLike: dllProgressLike({ step: DLL_STEP.tuple, keys: ['total_ips', 'imgs_per_sec', 'total_loss'] }),
  window: { unit: 'line', start: 1, end: 100, roundTo: 2, published: 'reported', reportedIncludesStart: true, roundEachTo: 2 },
  createParser: tfParser,
  samples: [
    {
      text: 'DLL 2022-11-24 04:11:31.352262 - (0, 200) total_ips : 9360.806356242965 ',
      expected: [{ kind: 'iter', iter: 200, epoch: 0, timeUs: 1669263091352262, time: 1669263091.352262, throughput: 9360.806356242965 }],
    },
  ],
};

/**
 * F4d — NVIDIA TensorFlow 1 BERT: `DLL … - Iteration: 46  throughput_train : 4191.303 sequences/s …`.
 * DLPerf's README table is extract_tensorflow_logs_time.py: timestamps of `Iteration: 20` → `Iteration: 120`,
 * starting at the LAST line printing iteration 20 (it repeats while the loss scaler backs off) and
 * ending at the first printing 120. `--method reported`: the mean printed throughput of the same window.
 */
export const dlloggerTfBert: LogFormat = {
  id: 'dllogger-tf-bert',
  title: 'NVIDIA DeepLearningExamples TensorFlow BERT (dllogger)',
  framework: 'tensorflow',
  model: 'bert_base',
  detect: (p) => p.includes('DLL ') && / - Iteration: \d+ {2}throughput_train : /.test(p),
  progressLike: dllProgressLike({ step: DLL_STEP.iteration, keys: ['throughput_train', 'total_loss'] }),
  window: { unit: 'iter', start: 20, end: 120, roundTo: 2, published: 'timestamps', startAtLastRepeat: true },
  createParser: tfParser,
  samples: [
    {
      text: 'Sun May 29 09:24:41 2022[1,0]<stdout>:DLL 2022-05-29 09:24:41.946833 - Iteration: 1  throughput_train : 16817.724 seq/s mlm_loss : 10.3849  nsp_loss : 0.7301  total_loss : 11.1150  avg_loss_step : 11.1076  learning_rate : 0.0  loss_scaler : 2147483648 ',
      expected: [{ kind: 'iter', iter: 1, timeUs: 1653816281946833, time: 1653816281.946833, throughput: 16817.724, loss: 11.115 }],
    },
  ],
};
