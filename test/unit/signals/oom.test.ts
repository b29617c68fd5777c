import { describe, expect, it } from 'vitest';
import { oom } from '../../../src/signals/oom.ts';
import { ctx, feed } from './feed.ts';

function run(lines: string[]) {
  const d = oom.create();
  const live = feed(d, lines);
  return { live, flags: d.evaluate(ctx(1)) };
}

describe('oom: out-of-memory shapes', () => {
  it.each([
    [
      'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 22.00 MiB. GPU 0 has a total capacity of 23.65 GiB of which 11.06 MiB is free. Including non-PyTorch memory, this process has 23.60 GiB memory in use.',
    ],
    ['RuntimeError: CUDA out of memory. Tried to allocate 12.50 MiB (GPU 0; 10.92 GiB total capacity; 8.57 MiB already allocated; 9.28 GiB free; 4.68 MiB cached)'],
    ['RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 7.79 GiB total capacty; 6.60 GiB already allocated; 3.25 MiB free; 6.68 GiB reserved in total by PyTorch)'],
    ['ResourceExhaustedError (see above for traceback): OOM when allocating tensor with shape[256,112,112,64]'],
    ['  (0) Resource exhausted: OOM when allocating tensor with shape[16,112,112,147] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc'],
    ['RuntimeError: CUDA error: out of memory'],
    ['RuntimeError: CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`'],
    ['F0808 14:02:36.887184 29334 cuda_util.cpp:88] Check failed: error == cudaSuccess (2 vs. 0) out of memory'],
    ['  what():  Error: CUDA out of memory. Tried to allocate 114.0 MB'],
    ['  what():  Error: out of memory '],
    ['Error Type: oneflow.ErrorProto.out_of_memory_error'],
    ['ResourceExhaustedError: Out of memory error on GPU 0. Cannot allocate 1.187500GB memory on GPU 0, 14.750000GB memory has been allocated and available memory is only 1.010010GB.'],
    // (with its `mxnet.base.MXNetError: ` head, unwrap() takes the line for a pdsh prefix)
    ['src/storage/./pooled_storage_manager.h:157: cudaMalloc failed: out of memory'],
    ["gpu1:100:100 [1] misc/utils.cc:112 NCCL WARN Cuda failure 'out of memory'"],
    ['jaxlib.xla_extension.XlaRuntimeError: RESOURCE_EXHAUSTED: Out of memory while trying to allocate 4294967296 bytes.'],
  ])('%s → oom', (raw) => {
    const { live, flags } = run(['DLL 2020-09-15 14:29:13.473765 - Epoch: 0 Iteration: 1  train.loss : 7.09304', `[1,3]<stderr>:${raw}`]);
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ kind: 'oom', confidence: 'confirmed', evidence: raw.trimEnd(), line: 2, time: 2000 });
  });

  it('one finding for an OOM on every rank, counted in detail', () => {
    const lines = Array.from(
      { length: 8 },
      (_, i) => `[1,${i}]<stderr>:RuntimeError: CUDA out of memory. Tried to allocate 12.50 MiB (GPU ${i}; 10.92 GiB total capacity; 8.57 MiB already allocated; 9.28 GiB free; 4.68 MiB cached)`,
    );
    const { live, flags } = run(lines);
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]!.detail).toContain('seen 8 times');
    expect(flags[0]!.evidence).toContain('GPU 0;');
  });

  it.each([
    ['memory.used [MiB], memory.total [MiB], utilization.gpu [%]'],
    ['If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.'],
    ['[2024-07-17 19:44:06,945] [INFO] [loss_scaler.py:183:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 65536, reducing to 32768'],
    ['bsz = 224 or 256 both encounters OOM'],
    ['Zoom and room and bloom'],
    ['[2023-07-25 21:03:17,269] [INFO] [timer.py:215:stop] epoch=0/micro_step=10/global_step=10, MemAllocated=2.1GB, MaxMemAllocated=9.8GB'],
  ])('%s → no flag', (raw) => {
    const { live, flags } = run([raw]);
    expect(live).toEqual([]);
    expect(flags).toEqual([]);
  });
});
