import { describe, expect, it } from 'vitest';
import { stripEscapes, unwrap } from '../../../src/formats/unwrap.ts';

describe('unwrap', () => {
  it('removes an mpirun tag with its ctime prefix and keeps the rank', () => {
    const u = unwrap('Wed Jun  1 10:54:47 2022[1,3]<stdout>:DLL 2022-06-01 10:54:47.073847 - Epoch: 0 Iteration: 1  train.loss : 7.09693');
    expect(u.payload).toBe('DLL 2022-06-01 10:54:47.073847 - Epoch: 0 Iteration: 1  train.loss : 7.09693');
    expect(u.rank).toBe(3);
  });
  it('finds the payload glued after a tqdm bar', () => {
    const raw = 'Iteration:   7%|▋         | 78/1147 [00:14<03:10,  5.62it/s]Thu Jun  9 09:15:32 2022[1,0]<stdout>:DLL 2022-06-09 09:15:32.489218 - Training Epoch: 0 Training Iteration: 22  average_loss : 8.3';
    expect(unwrap(raw).payload).toBe('DLL 2022-06-09 09:15:32.489218 - Training Epoch: 0 Training Iteration: 22  average_loss : 8.3');
  });
  it('keeps the last carriage-return segment', () => {
    expect(unwrap('10%|#  |\r20%|## |\rstep: 19, throughput: 1.0').payload).toBe('step: 19, throughput: 1.0');
  });
  it('strips ANSI colours, OSC titles and control bytes', () => {
    expect(stripEscapes('\u001b[32m[2023-07-27 12:44:45,566] [    INFO]\u001b[0m - ok\u001b]0;title\u0007\u0008')).toBe('[2023-07-27 12:44:45,566] [    INFO] - ok');
  });
  it('removes srun labels and pdsh host prefixes', () => {
    expect(unwrap(' 0: :::MLLOG {"key": "x"}')).toEqual({ payload: ':::MLLOG {"key": "x"}', rank: 0 });
    const u = unwrap('rdma-gpu-train-worker-0: rdma-gpu-train-worker-0:19487:21056 [3] NCCL INFO Using network IBext');
    expect(u.host).toBe('rdma-gpu-train-worker-0');
    expect(u.payload).toBe('rdma-gpu-train-worker-0:19487:21056 [3] NCCL INFO Using network IBext');
  });
  it('leaves OneFlow header lines alone', () => {
    expect(unwrap('num_nodes = 2').payload).toBe('num_nodes = 2');
  });
});
