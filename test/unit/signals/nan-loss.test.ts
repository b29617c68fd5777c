import { describe, expect, it } from 'vitest';
import { nanLoss } from '../../../src/signals/nan-loss.ts';
import { ctx, feed, fixture } from './feed.ts';

function run(lines: string[]) {
  const d = nanLoss.create();
  const live = feed(d, lines);
  return { live, flags: d.evaluate(ctx(1)) };
}

describe('nan-loss: the public NGC Transformer excerpt', () => {
  it('raises suspected at the tensorboard warning, then confirmed at `avg loss nan`', () => {
    const { live, flags } = run(fixture('transformer-nan-excerpt.log'));
    expect(live.map((f) => [f.line, f.confidence])).toEqual([
      [3, 'suspected'],
      [6, 'confirmed'],
    ]);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      kind: 'nan_loss',
      confidence: 'confirmed',
      line: 6,
      evidence: 'Transformer | epoch 0 | step 26930 |avg loss nan |avg tokens 4433.600 |tokens/s 33040.697 |walltime 3768.566 |',
    });
    expect(flags[0]!.detail).toContain('loss is NaN/Inf (5 lines)');
    expect(flags[0]!.detail).toContain("'NaN or Inf found in input tensor.' (17 lines)");
  });
});

describe('nan-loss: loss fields with nan/inf', () => {
  it.each([
    ['Train Epoch: 3 [1280/60000 (2%)]\tLoss: nan'],
    ['step 100 | loss : nan | lr 0.1'],
    [' iteration      130/  250000 | consumed samples:       133120 | elapsed time per iteration (ms): 86545.2 | learning rate: 9.150E-06 | global batch size:  1024 | lm loss: nan | loss scale: 1.0 |'],
    ['[2022/06/02 16:18:11] ppcls INFO: [Train][Epoch 1/120][Iter: 10/1251]lr: 0.10000, top1: 0.00000, CELoss: nan, loss: nan, batch_cost: 0.33s'],
    ['DLL 2022-05-29 09:24:26.407978 - Iteration: 7  throughput_train : 1537.697 seq/s mlm_loss : 10.3920  nsp_loss : 0.6799  total_loss : nan  avg_loss_step : 11.1088  learning_rate : 0.0'],
    ['DLL 2022-06-09 09:15:32.489218 - Training Epoch: 0 Training Iteration: 22  average_loss : nan  step_loss : nan  learning_rate : 0.003098386676965934'],
    ['DLL 2020-09-15 14:29:14.427490 - Epoch: 0 Iteration: 2  train.loss : inf  train.total_ips : 4294.91 img/s'],
    ["{'loss': nan, 'grad_norm': nan, 'learning_rate': 1.2462789068320016e-05, 'epoch': 0.42}"],
    ['INFO:tensorflow:loss = nan, step = 100'],
    ['Train loss: tensor(nan, device=\'cuda:0\')'],
    ['tensorflow.python.training.basic_session_run_hooks.NanLossDuringTrainingError: NaN loss during training.'],
    ['FloatingPointError: Loss became infinite or NaN at iteration=55!'],
  ])('%s → confirmed nan_loss', (raw) => {
    const { flags } = run([`[1,0]<stdout>:${raw}`]);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ kind: 'nan_loss', confidence: 'confirmed', evidence: raw, line: 1 });
  });

  it('Megatron `grad norm: nan` is a NaN signal even with `number of nan iterations:   0`', () => {
    const line =
      ' iteration     5426/  250000 | consumed samples:        43408 | consumed tokens:     88899584 | elapsed time per iteration (ms): 4247.9 | learning rate: 2.999E-04 | global batch size:     8 | loss scale: 1.0 | grad norm: nan | actual seqlen:  2048 | number of skipped iterations:   0 | number of nan iterations:   0 | samples per second: 1.883 | TFLOPs: 78.36 |';
    const { flags } = run([line]);
    expect(flags).toHaveLength(1);
    expect(flags[0]!.detail).toBe('gradient norm is NaN/Inf');
  });

  it('Megatron `number of nan iterations: N` with N > 0', () => {
    const line =
      ' iteration       20/ 1000000 | consumed samples:           80 | elapsed time per iteration (ms): 140.6 | learning rate: 2.020E-08 | global batch size:     4 | lm loss: 1.005022E+01 | loss scale: 32768.0 | grad norm: 217.199 | number of skipped iterations:   0 | number of nan iterations:   3 |';
    const { flags } = run([line]);
    expect(flags[0]).toMatchObject({ confidence: 'confirmed' });
    expect(flags[0]!.detail).toContain('NaN iterations');
  });

  it('one flag for many NaN lines, first line as evidence', () => {
    const lines = [10, 20, 30].map((s) => `Transformer | epoch 0 | step ${s} |avg loss nan |avg tokens 4433.600 |`);
    const { live, flags } = run(lines);
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]!.line).toBe(1);
    expect(flags[0]!.detail).toContain('3 lines');
  });
});

describe('nan-loss: must not fire', () => {
  it.each([
    ['DLL 2022-05-29 09:24:26.407978 - PARAMETER final_loss : 8.56 None'],
    ['DLL 2022-05-29 09:24:26.407978 - Iteration: 1  throughput_train : 1537.697 seq/s total_loss : 11.0719  avg_loss_step : 11.1088  learning_rate : 0.0  loss_scaler : 4294967296 '],
    [' iteration      122/  250000 | lm loss: 2.504220E+00 | loss scale: 1.0 | grad norm: 0.231 | number of skipped iterations:   0 | number of nan iterations:   0 |'],
    ['elapsed nanosec per step loss: 2.31'],
    ['Financial loss dataset loaded; loss: 0.93'],
    ['loss nanny: 3'],
    ['INFO:tensorflow:loss = 7.123, step = 100 (12.3 sec) info: nan-free'],
    ['loss_scale: inf'],
    ['[deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 65536, reducing to 32768'],
    ['best_loss: inf'],
    ['Validation loss decreased (inf --> 0.654321).  Saving model ...'],
    ["{'loss': 1.0238, 'learning_rate': 0.0, 'epoch': 0.42}"],
  ])('%s → no flag', (raw) => {
    const { live, flags } = run([raw]);
    expect(live).toEqual([]);
    expect(flags).toEqual([]);
  });
});
