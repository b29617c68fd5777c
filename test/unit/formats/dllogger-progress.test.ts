/**
 * LogFormat.progressLike of the dllogger formats (formats/common/dllogger-progress.ts): every real
 * progress line (formats.md F4, verbatim) is one and parses to an iteration; the real lines that
 * share its markers but are not progress are not; the damaged shapes a tester met (two ranks' output
 * glued on one line under mpirun, a TAB, a non-ASCII byte) are, although the parser gives them no
 * iteration: RunSet counts those (unreadable_progress).
 */
import { describe, expect, it } from 'vitest';
import { dlloggerMxnet } from '../../../src/formats/dllogger-mxnet.ts';
import { dlloggerPytorch } from '../../../src/formats/dllogger-pytorch.ts';
import { dlloggerTfBert, dlloggerTfRn50 } from '../../../src/formats/dllogger-tf.ts';
import { toArray, type LogFormat } from '../../../src/formats/types.ts';
import { unwrap } from '../../../src/formats/unwrap.ts';

const givesIter = (f: LogFormat, line: string) => toArray(f.createParser().parse(unwrap(line).payload)).some((r) => r.kind === 'iter');
const like = (f: LogFormat, line: string) => f.progressLike!(line);

const REAL: [LogFormat, string][] = [
  [dlloggerPytorch, 'DLL 2020-09-15 14:29:18.553769 - Epoch: 0 Iteration: 12  train.loss : 6.67351  train.total_ips : 10393.54 img/s'],
  [dlloggerPytorch, 'Wed Jun  1 10:54:47 2022[1,0]<stdout>:DLL 2022-06-01 10:54:47.073847 - Epoch: 0 Iteration: 1  train.loss : 7.09693  train.total_ips : 829.74 img/s'],
  [dlloggerPytorch, 'DLL 2023-07-28 15:18:37.138251 - Training Epoch: 0 Training Iteration: 1  average_loss : 0.0  learning_rate : 0.0  skipped_steps : 0 '],
  [dlloggerPytorch, 'Iteration:   7%|▋         | 78/1147 [00:14<03:10,  5.62it/s]Thu Jun  9 09:15:32 2022[1,0]<stdout>:DLL 2022-06-09 09:15:32.489218 - Training Epoch: 0 Training Iteration: 22  average_loss : 8.306463068181818  step_loss : 8.3203125  learning_rate : 0.003098386676965934 '],
  [dlloggerTfRn50, 'DLL 2022-11-24 04:11:31.352262 - (0, 200) total_ips : 9360.806356242965 '],
  [dlloggerTfRn50, 'Tue Jun 14 15:39:05 2022[1,0]<stdout>:DLL 2022-06-14 15:39:05.754763 - (0, 200) total_ips : 33925.09011346627 '],
  [dlloggerTfBert, 'Sun May 29 09:24:41 2022[1,0]<stdout>:DLL 2022-05-29 09:24:41.946833 - Iteration: 1  throughput_train : 16817.724 seq/s mlm_loss : 10.3849  nsp_loss : 0.7301  total_loss : 11.1150  avg_loss_step : 11.1076  learning_rate : 0.0  loss_scaler : 2147483648 '],
  [dlloggerTfBert, 'DLL 2023-08-01 06:00:14.239981 - Iteration: 46  throughput_train : 4191.303 sequences/s mlm_loss : 9.8308  nsp_loss : 0.6876  total_loss : 10.5183  avg_loss_step : 10.4814  learning_rate : 0.000132  loss_scaler : 8388608 '],
  [dlloggerMxnet, '[1,0]<stdout>:DLL 2023-07-31 06:25:54.436868 - Epoch: 0 Iteration: 39  train.loss : 6.67905101776123  train.ips : 11677.433381196674 images/s train.lr : 0.9984 '],
];

/** Real lines with the markers' words that are not progress lines (DLPerf's regexes skip them too). */
const NOT_PROGRESS: [LogFormat, string][] = [
  [dlloggerPytorch, 'Wed Jun  1 10:55:29 2022[1,0]<stdout>:DLL 2022-06-01 10:55:29.927306 - Epoch: 0  train.loss : 6.67479  train.total_ips : 21259.81 img/s'],
  [dlloggerPytorch, 'Wed Jun  1 10:55:29 2022[1,0]<stdout>:DLL 2022-06-01 10:55:29.927470 - Epoch: 0  lr : 0.1  train.compute_ips : 21332.24 img/s train.data_time : 0.00132 s train.compute_time : 0.47581 s'],
  [dlloggerPytorch, 'Wed Jun  1 10:55:30 2022[1,0]<stdout>:DLL 2022-06-01 10:55:30.379795 - Summary: train.loss : 6.67479  train.total_ips : 21259.81 img/s'],
  [dlloggerPytorch, 'DLL 2023-07-28 15:25:05.249086 - Training Epoch: 0 Training Iteration: 20  final_loss : 8.566617012023926 None'],
  [dlloggerPytorch, 'DLL 2023-07-28 15:25:07.507816 -  e2e_train_time : 428.120445728302 s training_sequences_per_second : 5055.566265125031 sequences/s final_loss : 8.566617012023926 None raw_train_time : 400.4394154548645 s'],
  [dlloggerPytorch, 'DLL 2023-07-28 15:18:50.582885 - PARAMETER loss_scale : 262144.0 '],
  [dlloggerPytorch, 'DLL 2020-09-15 14:28:53.498443 - PARAMETER data : /data/image  data_backend : dali-cpu  arch : resnet50  batch_size : 128  fp16 : False  amp : False  local_rank : 0  gpu : 8  world_size : 16 '],
  [dlloggerPytorch, 'DLL 2020-09-15 14:40:01.000000 - Epoch: 0 Iteration: 12  val.loss : 6.9  val.top1 : 0.2  val.total_ips : 9000.1 img/s'],
  [dlloggerTfBert, 'DLL 2023-08-01 06:00:18.884316 -  throughput_train : 3353.673 sequences/s'],
  [dlloggerTfRn50, 'DLL 2022-11-24 04:09:31.727199 - PARAMETER arch : resnet50  mode : training_benchmark  batch_size : 256  num_iter : 500  warmup_steps : 200  display_every : 10 '],
  [dlloggerMxnet, '[1,0]<stdout>:DLL 2023-07-31 06:27:15.674897 - Epoch: 0  train.loss : 6.406660691261291  train.ips : 11596.010326494568 images/s'],
  [dlloggerMxnet, '[1,0]<stdout>:DLL 2023-07-31 06:30:36.590096 - Summary: train.loss : 6.0501141948699955  train.ips : 10756.764885816618 images/s'],
];

/** Real lines, damaged the ways the tester met: the parser gives no iteration. */
const DAMAGED: [LogFormat, string][] = [
  // Two ranks' output on one line (mpirun): the unwrap keeps the last rank's text only.
  [dlloggerTfRn50, 'DLL 2022-11-24 04:11:31.352262 - (0, 200) total_ips : 9360.806356242965 [1,1]<stderr>:2022-11-24 04:11:31.352900: W tensorflow/core/kernels/data/generator_dataset_op.cc:107] Error occurred'],
  [dlloggerPytorch, 'Wed Jun  1 10:54:47 2022[1,0]<stdout>:DLL 2022-06-01 10:54:47.073847 - Epoch: 0 Iteration: 1  train.loss : 7.09693  train.total_ips : 829.74 img/sWed Jun  1 10:54:47 2022[1,3]<stderr>:libibverbs: Warning: no userspace device-specific driver found'],
  // A TAB inside.
  [dlloggerTfRn50, 'DLL 2022-11-24 04:11:31.352262 - (0, 200) total_ips :\t9360.806356242965 '],
  [dlloggerPytorch, 'DLL 2020-09-15 14:29:18.553769 - Epoch: 0 Iteration: 12\ttrain.loss : 6.67351  train.total_ips : 10393.54 img/s'],
  [dlloggerTfBert, 'DLL 2023-08-01 06:00:14.239981 - Iteration:\t46  throughput_train : 4191.303 sequences/s mlm_loss : 9.8308  nsp_loss : 0.6876  total_loss : 10.5183 '],
  // A non-ASCII byte (read as U+FFFD, or a no-break space) inside.
  [dlloggerPytorch, 'DLL 2023-07-28 15:20:36.855508 - Training Epoch: 0 Training Iteration: 2\u00a0 average_loss : 11.182528409090908  learning_rate : 0.0010552234016358852  skipped_steps : 8 '],
  [dlloggerMxnet, '[1,0]<stdout>:DLL 2023-07-31 06:25:54.436868 - Epoch: 0 Iteration: 3\ufffd9  train.loss : 6.67905101776123  train.ips : 11677.433381196674 images/s train.lr : 0.9984 '],
  [dlloggerTfRn50, 'DLL 2022-11-24 04:11:3\ufffd.352262 - (0, 200) total_ips : 9360.806356242965 '],
  [dlloggerTfBert, 'DLL 2023-08-01 06:00:14.239981 - Iteration: 46  throughput_tr\ufffdin : 4191.303 sequences/s mlm_loss : 9.8308  nsp_loss : 0.6876  total_loss : 10.5183 '],
];

describe('dllogger progressLike: the progress marker, however damaged the line', () => {
  it.each(REAL)('%# a real progress line is one, and parses to an iteration', (f, line) => {
    expect(like(f, line)).toBe(true);
    expect(givesIter(f, line)).toBe(true);
  });

  it.each(NOT_PROGRESS)('%# a real line that shares the markers is not one', (f, line) => {
    expect(like(f, line)).toBe(false);
    expect(givesIter(f, line)).toBe(false);
  });

  it.each(DAMAGED)('%# a damaged progress line is one, though the parser gives it no iteration', (f, line) => {
    expect(givesIter(f, line)).toBe(false);
    expect(like(f, line)).toBe(true);
  });

  it("one format's marker is not another's", () => {
    expect(like(dlloggerTfBert, REAL[4]![1])).toBe(false); // a TF ResNet50 tuple line
    expect(like(dlloggerTfRn50, REAL[7]![1])).toBe(false); // a TF BERT line
  });
});
