import { describe, expect, it } from 'vitest';
import { ncclError } from '../../../src/signals/nccl-error.ts';
import { ctx, feed } from './feed.ts';

const DLL = 'DLL 2022-06-09 09:15:32.489218 - Training Epoch: 0 Training Iteration: 22  average_loss : 8.306463068181818  step_loss : 8.3203125';

function run(lines: string[]) {
  const d = ncclError.create();
  const live = feed(d, lines);
  return { live, flags: d.evaluate(ctx(2)) };
}

describe('nccl-error: NCCL WARN lines (spec §4.5, several NCCL versions)', () => {
  it.each([
    [
      'hostname-test:984:1357 [4] ib_plugin.c:1615 NCCL WARN NET/IB : Got completion from peer 172.36.143.59<44206> with status=12 opcode=129 len=65536 vendor err 129 (Recv) localGid ::ffff:29.87.88.182 remoteGids::ffff:29.87.4.221',
    ],
    ['kp-ddp-worker-0:3468:3905 [4] ib_plugin.c:1615 NCCL WARN NET/IB : Got completion from peer 10.216.210.236<54862> with status=12 opcode=0 len=0 vendor err 129 (Recv)'],
    ['transport/net_ib.cc:1295 NCCL WARN NET/IB : Got completion from peer with error 4, opcode 0, len 0, vendor err 81 (Send) localGid ::ffff: remoteGid ::ffff:'],
    ['NCCL WARN NET/IB : Got completion with error 12, opcode 0, len 0, vendor err 129'],
    ['misc/ibvwrap.cc:187 NCCL WARN Call to ibv_modify_qp failed with error Network is unreachable'],
    ['<cluster_name>:922:1149 [3] misc/socket.cc:49 NCCL WARN socketProgress: Connection closed by remote peer <cluster_name>.ibnet<53735>'],
    ['[1,4]<stdout>:gpu7:4105:4372 [0] include/socket.h:318 NCCL WARN Net : Socket creation failed : Address family not supported by protocol'],
    ['<cluster_name>:922:1158 [3] proxy.cc:1485 NCCL WARN [Service thread] Error encountered progressing operation=Connect, res=2, closing connection'],
  ])('%s → confirmed nccl_error', (raw) => {
    const { live, flags } = run([DLL, raw, DLL]);
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ kind: 'nccl_error', confidence: 'confirmed', line: 2, time: 2000, node: 'node0', file: 'node0.log' });
    expect(flags[0]!.evidence).toContain('NCCL WARN');
    expect(flags[0]!.evidence.startsWith('[1,')).toBe(false); // mpirun tag stripped
  });

  it('folds the same WARN from 8 local ranks into one finding with a count', () => {
    const lines = Array.from(
      { length: 8 },
      (_, i) => `[1,${i}]<stdout>:gpu7:${4105 + i}:${4372 + i} [${i}] misc/socket.cc:49 NCCL WARN socketProgress: Connection closed by remote peer gpu6.ibnet<5373${i}>`,
    );
    const { live, flags } = run(lines);
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]!.line).toBe(1);
    expect(flags[0]!.detail).toContain('seen 8 times');
  });

  it('attaches `-> N` error-trail lines to the preceding WARN', () => {
    const { live, flags } = run([
      'node1:919:1150 [0] transport/net_ib.cc:1295 NCCL WARN NET/IB : Got completion from peer with error 12, opcode 0, len 0, vendor err 129',
      'node1:919:1150 [0] NCCL INFO transport/net.cc:1298 -> 6',
      'node1:919:1150 [0] NCCL INFO proxy.cc:698 -> 6',
      'node1:919:919 [0] NCCL INFO init.cu:915 -> 2',
    ]);
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]!.detail).toContain('transport/net.cc:1298 -> 6 (remote error)');
    expect(flags[0]!.detail).toContain('init.cu:915 -> 2 (system error)');
  });

  it('does not flag trail lines alone', () => {
    expect(run(['node1:919:919 [0] NCCL INFO init.cu:915 -> 2', 'node1:919:919 [0] NCCL INFO transport/net.cc:1298 -> 6']).flags).toEqual([]);
  });

  it('marks WARNs that only say IB is unavailable as suspected', () => {
    const { flags } = run(['[1,0]<stdout>:ptv-gpu01:11007:11098 [0] misc/ibvwrap.cu:63 NCCL WARN Failed to open libibverbs.so[.1]']);
    expect(flags[0]).toMatchObject({ kind: 'nccl_error', confidence: 'suspected' });
  });
});

describe('nccl-error: benign NCCL INFO lines are not errors', () => {
  it.each([
    ['ip-172-31-0-11:45384:45384 [0] NCCL INFO NET/IB : No device found.'],
    ['gpu-a3:47021:47088 [0] NCCL INFO Failed to initialize NET plugin IB'],
    ['node2:14159:14159 [0] NCCL INFO NET/Plugin : Plugin load (libnccl-net.so) returned 2 : libnccl-net.so: cannot open shared object file: No such file or directory'],
    ['node2:14159:14159 [0] NCCL INFO Call to connect returned Connection refused, retrying'],
    ['hostname1:25668:27396 [0] NCCL INFO NET/IB : GPU Direct RDMA Disabled for HCA 0 \'mlx5_0\''],
    ['NCCL version 2.18.5+cuda12.0'],
    ['curl: (7) Failed to connect to localhost port 8080: Connection refused'],
    [DLL],
  ])('%s → no flag', (raw) => {
    const { live, flags } = run([raw]);
    expect(live).toEqual([]);
    expect(flags).toEqual([]);
  });
});

describe('nccl-error: collective-layer failures', () => {
  it('torch 2.x watchdog timeout (with its follow-up line folded in)', () => {
    const { live, flags } = run([
      '[rank0]:[E321 02:07:08.408271257 ProcessGroupNCCL.cpp:607] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=1580, OpType=ALLREDUCE, NumelIn=466119168, NumelOut=466119168, Timeout(ms)=600000) ran for 600060 milliseconds before timing out.',
      '[rank0]:[E321 02:07:08.408700000 ProcessGroupNCCL.cpp:1664] [PG 1 Rank 0] Exception (either an error or timeout) detected by watchdog at work: 1580, last enqueued NCCL work: 1582, last completed NCCL work: 1579.',
    ]);
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ confidence: 'confirmed', line: 1 });
    expect(flags[0]!.detail).toContain('watchdog');
    expect(flags[0]!.detail).toContain('seen 2 times');
  });

  it('torch 1.x watchdog timeout', () => {
    const { flags } = run([
      '[E ProcessGroupNCCL.cpp:737] [Rank 1] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=469508, OpType=ALLREDUCE, Timeout(ms)=1800000) ran for 1802212 milliseconds before timing out.',
    ]);
    expect(flags[0]).toMatchObject({ kind: 'nccl_error', confidence: 'confirmed' });
  });

  it('PyTorch `NCCL error in: … unhandled system error` and `ncclSystemError` are one finding', () => {
    const { live, flags } = run([
      'RuntimeError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1191, unhandled system error, NCCL version 2.14.3',
      "ncclSystemError: System call (e.g. socket, malloc) or external library call failed or device error. It can be also caused by unexpected exit of a remote peer, you can check NCCL warnings for failure reason and see if there is connection closure by a peer.",
    ]);
    expect(live).toHaveLength(1);
    expect(flags).toHaveLength(1);
    expect(flags[0]!.line).toBe(1);
  });

  it('remote and internal errors are findings of their own', () => {
    const { flags } = run([
      'torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/NCCLUtils.hpp:219, remote process exited or there was a network error, NCCL version 2.19.3',
      'ncclRemoteError: A call failed possibly due to a network error or a remote process exiting prematurely.',
      'ncclInternalError: Internal check failed.',
    ]);
    expect(flags.map((f) => f.line)).toEqual([1, 3]);
    expect(flags[0]!.detail).toContain('seen 2 times');
  });

  it('c10d client connect failure (errno 111) is suspected: c10d retries', () => {
    const { flags } = run([
      '[W socket.cpp:558] [c10d] The client socket has failed to connect to [::ffff:0.0.0.5]:40323 (errno: 111 - Connection refused).',
    ]);
    expect(flags[0]).toMatchObject({ kind: 'nccl_error', confidence: 'suspected' });
  });

  it.each([
    ['[E socket.cpp:860] [c10d] The client socket has timed out after 60s while trying to connect to 192.0.0.1:1234'],
    ['torch.distributed.elastic.rendezvous.api.RendezvousConnectionError: The connection to the C10d store has failed. See inner exception for details.'],
    ['  what():  [../third_party/gloo/gloo/transport/tcp/pair.cc:799] connect [127.0.1.1]:60817: Connection refused'],
    ['[enforce fail at /opt/conda/conda-bld/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:598] Connection closed by peer [10.0.0.3]:4012: Connection reset by peer'],
  ])('%s → confirmed', (raw) => {
    const { flags } = run([raw]);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ confidence: 'confirmed', evidence: raw });
  });

  it('raises each new finding once from onLine and keeps all in evaluate', () => {
    const { live, flags } = run([
      'misc/ibvwrap.cc:187 NCCL WARN Call to ibv_modify_qp failed with error Network is unreachable',
      DLL,
      'misc/ibvwrap.cc:187 NCCL WARN Call to ibv_modify_qp failed with error Network is unreachable',
      '[E ProcessGroupNCCL.cpp:737] [Rank 1] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=469508, OpType=ALLREDUCE, Timeout(ms)=1800000) ran for 1802212 milliseconds before timing out.',
    ]);
    expect(live.map((f) => f.line)).toEqual([1, 4]);
    expect(flags.map((f) => f.line)).toEqual([1, 4]);
  });
});
