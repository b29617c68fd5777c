import { describe, expect, it } from 'vitest';
import { crash, MAX_TRACEBACK_LINES } from '../../../src/signals/crash.ts';
import { ctx, feed, fixture, type RawLine } from './feed.ts';

function run(lines: ReadonlyArray<string | RawLine>) {
  const d = crash.create();
  const live = feed(d, lines);
  return { live, flags: d.evaluate(ctx(1)) };
}

const DLL = 'DLL 2020-09-15 14:29:18.553769 - Epoch: 0 Iteration: 12  train.loss : 6.67351  train.total_ips : 10393.54 img/s';

const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "/workspace/rn50/main.py", line 513, in <module>',
  '    main(args)',
  '  File "/workspace/rn50/image_classification/training.py", line 210, in train',
  '    loss.backward()',
  'RuntimeError: CUDA out of memory. Tried to allocate 12.50 MiB (GPU 0; 10.92 GiB total capacity; 8.57 MiB already allocated; 9.28 GiB free; 4.68 MiB cached)',
];

describe('crash: Python tracebacks (suspected; the run model decides)', () => {
  it('takes the exception line that ends the traceback as evidence', () => {
    const { live, flags } = run([DLL, ...TRACEBACK]);
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      kind: 'crashed',
      confidence: 'suspected',
      line: 7,
      time: 7000,
      evidence: TRACEBACK[5],
    });
    expect(flags[0]!.detail).toContain('traceback from line 2');
  });

  it('follows tracebacks per mpirun rank when ranks interleave', () => {
    const r1 = TRACEBACK.map((l) => `[1,1]<stderr>:${l}`);
    const r5 = [
      '[1,5]<stderr>:Traceback (most recent call last):',
      '[1,5]<stderr>:  File "train.py", line 3, in <module>',
      "[1,5]<stderr>:KeyError: 'missing'",
    ];
    const lines = [r1[0]!, r5[0]!, r1[1]!, r5[1]!, `[1,0]<stdout>:${DLL}`, r5[2]!, ...r1.slice(2)];
    const { flags } = run(lines);
    expect(flags.map((f) => f.evidence).sort()).toEqual([TRACEBACK[5], "KeyError: 'missing'"].sort());
    const keyError = flags.find((f) => f.evidence.startsWith('KeyError'))!;
    expect(keyError.line).toBe(6);
    expect(keyError.detail).toContain('traceback from line 2');
  });

  it('reads torch 2.x `[rankN]:` prefixed tracebacks', () => {
    const { flags } = run(TRACEBACK.map((l) => `[rank3]: ${l}`));
    expect(flags).toHaveLength(1);
    expect(flags[0]!.evidence).toBe(`[rank3]: ${TRACEBACK[5]}`);
  });

  it('folds the same traceback from 8 ranks sharing stdout into one finding', () => {
    const lines: string[] = [];
    for (const l of TRACEBACK) for (let r = 0; r < 8; r++) lines.push(l.replace('GPU 0', `GPU ${r}`));
    const { live, flags } = run(lines);
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]!.detail).toContain('seen 8 times');
  });

  it('folds a chained traceback into the first and notes the final exception', () => {
    const { live, flags } = run([
      'Traceback (most recent call last):',
      '  File "train.py", line 10, in step',
      "KeyError: 'loss'",
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "train.py", line 20, in <module>',
      'RuntimeError: step failed',
    ]);
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]!.evidence).toBe("KeyError: 'loss'");
    expect(flags[0]!.detail).toContain('RuntimeError: step failed');
  });

  it('ignores `Exception ignored in:` tracebacks at interpreter exit', () => {
    const { flags } = run([
      'Exception ignored in: <function _MultiProcessingDataLoaderIter.__del__ at 0x7f3b2c1e4d30>',
      'Traceback (most recent call last):',
      '  File "/usr/lib/python3.8/site-packages/torch/utils/data/dataloader.py", line 1328, in __del__',
      'AttributeError: \'_MultiProcessingDataLoaderIter\' object has no attribute \'_shutdown\'',
    ]);
    expect(flags).toEqual([]);
  });

  it('keeps a traceback that never shows its exception line (process killed mid-print)', () => {
    const { live, flags } = run([DLL, 'Traceback (most recent call last):', '  File "train.py", line 1, in <module>']);
    expect(live).toEqual([]);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ confidence: 'suspected', line: 2, evidence: 'Traceback (most recent call last):' });
  });

  it(`gives up waiting after ${MAX_TRACEBACK_LINES} lines and raises with the Traceback line`, () => {
    const lines = ['Traceback (most recent call last):', ...Array.from({ length: MAX_TRACEBACK_LINES + 1 }, () => DLL)];
    const { live, flags } = run(lines);
    expect(live).toHaveLength(1);
    expect(live[0]!.line).toBe(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]!.detail).toContain('no exception line');
  });
});

describe('crash: process deaths (confirmed)', () => {
  it('torch elastic worker SIGKILLed: one finding for exitcode -9, ChildFailedError and Signal 9', () => {
    const { live, flags } = run(fixture('torch-elastic-sigkill.log'));
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      kind: 'crashed',
      confidence: 'confirmed',
      line: 3,
      evidence: 'ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: -9) local_rank: 3 (pid: 812917) of binary: /usr/bin/python3',
    });
    expect(flags[0]!.detail).toContain('seen 3 times');
  });

  it.each([
    ['E0325 20:57:27.620000 2606 site-packages/torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: -9) local_rank: 5 (pid: 2630)', 'elastic'],
    ['  traceback : Signal 9 (SIGKILL) received by PID 14750', 'elastic'],
    ['Killed', 'SIGKILL'],
    ['/workspace/run.sh: line 12: 20410 Killed                  python3 train.py --bs 256', 'SIGKILL'],
    ['Segmentation fault (core dumped)', 'signal'],
    ['Aborted (core dumped)', 'signal'],
    ['[gpu01:12345] *** Process received signal ***', 'signal'],
    ['Fatal Python error: Segmentation fault', 'signal'],
    ["terminate called after throwing an instance of 'oneflow::RuntimeException'", 'native abort'],
    ['*** Check failure stack trace: ***', 'native abort'],
    ['MPI_ABORT was invoked on rank 3 in communicator MPI_COMM_WORLD', 'Open MPI'],
    ['Primary job  terminated normally, but 1 process returned', 'Open MPI'],
    ['mpirun noticed that process rank 7 with PID 0 on node gpu07 exited on signal 9 (Killed).', 'Open MPI'],
    ['[f35a2cc1] 172.31.42.141: [INFO] [launch.py:178:sigkill_handler] Killing subprocess 190', 'DeepSpeed'],
  ])('%s → crashed (%s)', (raw, what) => {
    const { live, flags } = run([DLL, `[1,2]<stderr>:${raw}`, DLL]);
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ kind: 'crashed', confidence: 'confirmed', line: 2, evidence: raw });
    expect(flags[0]!.detail).toContain(what);
  });

  it('keeps separate findings for separate kinds of death', () => {
    const { flags } = run(['Segmentation fault (core dumped)', 'MPI_ABORT was invoked on rank 0 in communicator MPI_COMM_WORLD']);
    expect(flags.map((f) => f.line)).toEqual([1, 2]);
  });
});

describe('crash: must not fire', () => {
  it.each([
    ['Iteration:   0%|          | 0/1147 [00:00<?, ?it/s]Thu Jun  9 09:15:17 2022[1,1]<stdout>:[W pthreadpool-cpp.cc:99] Warning: Leaking Caffe2 thread-pool after fork. (function pthreadpool)'],
    ['WARNING:torch.distributed.elastic.multiprocessing.api:Sending process 812914 closing signal SIGTERM'],
    ['INFO:torch.distributed.elastic.agent.server.api:[default] worker group successfully finished. Waiting 300 seconds for other agents to finish.'],
    ['a skilled worker was Killed in the story'],
    ['failed (exitcode: 0)'],
    ['RuntimeError: this line is not part of a traceback'],
    ['*** WARNING: skipping one batch ***'],
    [DLL],
  ])('%s → no flag', (raw) => {
    const { live, flags } = run([raw]);
    expect(live).toEqual([]);
    expect(flags).toEqual([]);
  });
});
