import { dllParameterRecord, dllValue, parseDllLine } from './common/dllogger-line.ts';
import { DLL_STEP, dllProgressLike } from './common/dllogger-progress.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/** A non-negative number from a `key : value` pair, or undefined. */
function seconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  return v >= 0 ? v : undefined;
}

/**
 * F4a/F4b — NVIDIA DeepLearningExamples PyTorch (ResNet50 `main.py`, BERT `run_pretraining.py`).
 * DLPerf (extract_pytorch_logs_time.py): iteration lines are those matching
 * `Iteration: (.*)  train.loss :` (ResNet) or `Training Iteration: (.*)  average_loss` (BERT);
 * iterations ≤ 5 are skipped; counting the rest from 1, the window runs from counted line 20 to
 * counted line 120; throughput = total batch / ((t_end − t_start) / 100), rounded to 2 decimals.
 * BERT's repeated iteration numbers (fp16 overflow skips) are counted as lines, as DLPerf does.
 * Epoch-summary (`Epoch: 0  train.loss …`) and `Summary:` lines are not iterations.
 */
export const dlloggerPytorch: LogFormat = {
  id: 'dllogger-pytorch',
  title: 'NVIDIA DeepLearningExamples PyTorch (dllogger)',
  framework: 'pytorch',
  detect: (p) =>
    p.includes('DLL ') && (/ - Epoch: \d+ Iteration: \d+ {2}train\.loss : /.test(p) && p.includes('total_ips') || / - Training Epoch: \d+ Training Iteration: \d+ {2}average_loss : /.test(p)),
  progressLike: dllProgressLike({ step: DLL_STEP.epochIteration, keys: ['train.loss', 'train.total_ips'] }, { step: DLL_STEP.trainingIteration, keys: ['average_loss'] }),
  window: { unit: 'line', start: 20, end: 120, skipIterAtMost: 5, itersPerLine: 1, roundTo: 2 },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        const d = parseDllLine(p);
        if (!d) return undefined;
        const s = d.step;
        if (s.type === 'parameter') return dllParameterRecord(d);
        if (s.type === 'iteration') {
          const isRn = d.rest.startsWith(' train.loss : ');
          const isBert = s.training === true && d.rest.startsWith(' average_loss : ');
          if (!isRn && !isBert) return { kind: 'clock', time: d.timeUs / 1e6 };
          const rec: ParsedRecord = { kind: 'iter', iter: s.iter, timeUs: d.timeUs, time: d.timeUs / 1e6 };
          if (s.epoch !== undefined) rec.epoch = s.epoch;
          const lossText = dllValue(d.rest, isRn ? 'train.loss' : 'average_loss');
          if (lossText !== undefined) rec.loss = Number(lossText);
          // A printed value that is not a possible number (nan, negative) is kept: the run model flags it.
          const ipsText = isRn ? dllValue(d.rest, 'train.total_ips') : undefined;
          if (ipsText !== undefined && ipsText !== '') rec.throughput = Number(ipsText);
          // Per-rank times (seconds) of the printing rank: what differs between nodes when img/s does not.
          // NGC prints the times after the throughput (`… img/s  train.data_time : 0.0013 s  train.compute_time :
          // 0.2912 s`), both or neither: a line that ends with the throughput's `…/s` unit has none (no search).
          const r = d.rest;
          const c = isRn && !(r.charCodeAt(r.length - 1) === 115 && r.charCodeAt(r.length - 2) === 47) ? seconds(dllValue(r, 'train.compute_time')) : undefined;
          if (c !== undefined) {
            rec.computeS = c;
            const dt = seconds(dllValue(r, 'train.data_time'));
            if (dt !== undefined) rec.dataS = dt;
          }
          return rec;
        }
        return { kind: 'clock', time: d.timeUs / 1e6 };
      },
    };
  },
  samples: [
    {
      text: 'DLL 2020-09-15 14:29:18.553769 - Epoch: 0 Iteration: 12  train.loss : 6.67351  train.total_ips : 10393.54 img/s',
      expected: [{ kind: 'iter', iter: 12, epoch: 0, timeUs: 1600180158553769, time: 1600180158.553769, loss: 6.67351, throughput: 10393.54 }],
    },
    {
      text: 'DLL 2021-03-15 01:21:56.433783 - Epoch: 0 Iteration: 40  train.loss : 6.69501  train.total_ips : 10771.21 img/s  train.data_time : 0.0014 s  train.compute_time : 0.3271 s',
      expected: [{ kind: 'iter', iter: 40, epoch: 0, timeUs: 1615771316433783, time: 1615771316.433783, loss: 6.69501, throughput: 10771.21, dataS: 0.0014, computeS: 0.3271 }],
    },
    {
      text: 'Wed Jun  1 10:55:29 2022[1,0]<stdout>:DLL 2022-06-01 10:55:29.927306 - Epoch: 0  train.loss : 6.67479  train.total_ips : 21259.81 img/s',
      expected: [{ kind: 'clock', time: 1654080929.927306 }],
    },
    {
      text: 'DLL 2023-07-28 15:25:05.249086 - Training Epoch: 0 Training Iteration: 20  final_loss : 8.566617012023926 None',
      expected: [{ kind: 'clock', time: 1690557905.249086 }],
    },
    {
      text: 'DLL 2022-06-09 09:15:32.489218 - Training Epoch: 0 Training Iteration: 22  average_loss : 8.306463068181818  step_loss : 8.3203125  learning_rate : 0.003098386676965934 ',
      expected: [{ kind: 'iter', iter: 22, epoch: 0, timeUs: 1654766132489218, time: 1654766132.489218, loss: 8.306463068181818 }],
    },
    {
      text: 'DLL 2020-09-15 14:28:53.498443 - PARAMETER data : /data/image  data_backend : dali-cpu  arch : resnet50  batch_size : 128  fp16 : False  amp : False  local_rank : 0  gpu : 8  world_size : 16 ',
      expected: [{ kind: 'meta', fields: { batch_size_per_device: 128, world_size: 16, model: 'resnet50', precision: 'fp32' } }],
    },
  ],
};
