import { describe, expect, it } from 'vitest';
import {
  describeTransport,
  ibFallback,
  ibFallbackOf,
  IbFallbackDetector,
  transportOf,
} from '../../../src/signals/ib-fallback.ts';
import { createLineDetectors } from '../../../src/signals/registry.ts';
import { ctx, feed, fixture, interleave, onNode } from './feed.ts';

function detector(): IbFallbackDetector {
  return ibFallback.create() as IbFallbackDetector;
}

const DLL = 'DLL 2020-09-15 14:29:13.473765 - Epoch: 0 Iteration: 1  train.loss : 7.09304  train.total_ips : 267.44 img/s';

describe('ib-fallback: confirmed from the transport NCCL used', () => {
  it('flags a multi-node run whose NCCL says `Using network Socket`, with that line as evidence', () => {
    const d = detector();
    const live = feed(d, fixture('nccl24-socket-mpirun-4n.log'), { node: 'node0', file: 'bert_4n8g.log' });
    expect(live).toEqual([]); // lines only collect; evaluate decides
    const flags = d.evaluate(ctx(4));
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      kind: 'ib_fallback',
      confidence: 'confirmed',
      evidence: 'user:852750:852802 [0] NCCL INFO Using network Socket',
      line: 6,
      file: 'bert_4n8g.log',
      node: 'node0',
      time: 6000,
    });
    expect(flags[0]!.detail).toContain('over TCP sockets, not IB/RDMA: Socket (3 lines)');
    expect(flags[0]!.detail).toContain('NCCL_IB_DISABLE=1');
    expect(d.transport(ctx(4))).toBe('socket');
    expect(d.report(ctx(4)).label).toBe('sockets');
  });

  it('confirms from NCCL 2.3 `Using internal Network Socket` (horovod/horovod#969 wording)', () => {
    const d = detector();
    feed(d, [
      '[1,0]<stdout>:ptv-gpu01:11007:11098 [0] misc/ibvwrap.cu:63 NCCL WARN Failed to open libibverbs.so[.1]',
      '[1,1]<stdout>:Epoch 1/90',
      '[1,0]<stdout>:ptv-gpu01:11007:11098 [0] NCCL INFO Using internal Network Socket',
    ]);
    const [flag] = d.evaluate(ctx(2));
    expect(flag).toMatchObject({ confidence: 'confirmed', line: 3, evidence: 'ptv-gpu01:11007:11098 [0] NCCL INFO Using internal Network Socket' });
  });

  it('confirms from a 2.7+ channel line `via NET/Socket/0` alone', () => {
    const d = detector();
    feed(d, ['<cluster_name>:919:1150 [0] NCCL INFO Channel 00/0 : 0[0] -> 8[0] [receive] via NET/Socket/0']);
    const [flag] = d.evaluate(ctx(2));
    expect(flag?.confidence).toBe('confirmed');
    expect(flag?.evidence).toContain('via NET/Socket/0');
  });

  it('confirms from the Google FastSocket plugin', () => {
    const d = detector();
    feed(d, ['a3-node-1:3111:3190 [0] NCCL INFO NET/FastSocket : Using [0]eth0:10.128.0.21<0>']);
    expect(d.evaluate(ctx(2))[0]?.confidence).toBe('confirmed');
    expect(d.transport(ctx(2))).toBe('socket');
  });

  it('treats IPoIB (`NET/Socket : Using [0]ib0`) plus `Using network Socket` as a fallback', () => {
    const d = detector();
    feed(d, [
      'user:852750:852802 [0] NCCL INFO NET/Socket : Using [0]ibs85f0:192.168.1.14<0> [1]ib0:192.168.1.15<0>',
      'user:852750:852802 [0] NCCL INFO Using network Socket',
    ]);
    expect(d.evaluate(ctx(2))[0]?.confidence).toBe('confirmed');
  });

  it('flags when one node uses sockets although another shows IB, and says so', () => {
    const d = detector();
    feed(
      d,
      interleave(
        onNode('gpu6', ['gpu6:1408:1597 [1] NCCL INFO Ring 00 : 1 -> 4 [send] via NET/IB/1/GDRDMA']),
        onNode('gpu7', ['gpu7:4105:4372 [0] NCCL INFO Channel 00 : 3[1e0] -> 4[1b0] [receive] via NET/Socket/0']),
      ),
    );
    const [flag] = d.evaluate(ctx(2, ['gpu6', 'gpu7']));
    expect(flag).toMatchObject({ confidence: 'confirmed', node: 'gpu7' });
    expect(flag!.detail).toContain('RDMA was seen elsewhere');
    expect(d.transport(ctx(2, ['gpu6', 'gpu7']), 'gpu6')).toBe('ib');
    expect(d.transport(ctx(2, ['gpu6', 'gpu7']), 'gpu7')).toBe('socket');
  });
});

describe('ib-fallback: suspected from hints when no transport line decides', () => {
  it('flags a multi-node NGC run with only libibverbs warnings: one piece of evidence, count in detail', () => {
    const d = detector();
    const lines = fixture('ngc-pytorch-rn50-4n8g-libibverbs.log');
    expect(lines.filter((l) => l.startsWith('libibverbs')).length).toBe(8);
    feed(d, lines, { node: 'node0', file: 'r50_b128_fp32_5.log' });
    const flags = d.evaluate(ctx(4));
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      kind: 'ib_fallback',
      confidence: 'suspected',
      evidence: 'libibverbs: Warning: no userspace device-specific driver found for /sys/class/infiniband_verbs/uverbs0',
      line: 13,
      file: 'r50_b128_fp32_5.log',
    });
    expect(flags[0]!.detail).toContain('8 lines');
    expect(flags[0]!.detail).toContain('NCCL_DEBUG=INFO not set');
    expect(d.transport(ctx(4))).toBe('suspected_socket');
  });

  it('does not flag the same libibverbs warnings on a single-node run', () => {
    const d = detector();
    feed(d, fixture('ngc-pytorch-rn50-4n8g-libibverbs.log'));
    expect(d.evaluate(ctx(1))).toEqual([]);
    expect(d.transport(ctx(1))).toBe('not_visible');
  });

  it('suspects from `NCCL_IB_DISABLE set by environment to 1.` when nothing shows the network', () => {
    const d = detector();
    feed(d, [
      'user:852750:852802 [0] NCCL INFO NCCL_IB_DISABLE set by environment to 1.',
      'user:852750:852802 [0] NCCL INFO NET/Socket : Using [0]ibs85f0:192.168.1.14<0> [1]ib0:192.168.1.15<0>',
    ]);
    const [flag] = d.evaluate(ctx(2));
    expect(flag).toMatchObject({ confidence: 'suspected', line: 1 });
    expect(flag!.detail).toContain('no `Using network`');
  });

  it('suspects from `NET/IB : No device found.` (2.4, NVIDIA/nccl#226) on a multi-node run', () => {
    const d = detector();
    feed(d, [
      'ip-172-31-10-182:45407:45407 [0] NCCL INFO NET/Plugin : No plugin found (libnccl-net.so).',
      'ip-172-31-0-11:45384:45384 [0] NCCL INFO NET/IB : No device found.',
      'ip-172-31-10-182:45407:45407 [0] NCCL INFO NET/Socket : Using [0]ens3:172.31.10.182<0>',
    ]);
    expect(d.evaluate(ctx(2))[0]).toMatchObject({ confidence: 'suspected', line: 2 });
  });

  it('suspects from the Open MPI openib block (mpirun stderr tags stripped)', () => {
    const d = detector();
    const wrapped = fixture('openmpi-openib-block.log').map((l) => (l.includes('<stdout>') ? l : `[1,6]<stderr>:${l}`));
    feed(d, wrapped, { file: 'tf_bert_gpu32.log' });
    const [flag] = d.evaluate(ctx(4));
    expect(flag).toMatchObject({ confidence: 'suspected', evidence: 'Module: OpenFabrics (openib)', line: 5 });
    expect(flag!.detail).toContain('Open MPI openib');
  });

  it('prefers the strongest hint as evidence and lists the others', () => {
    const d = detector();
    feed(d, [
      'libibverbs: Warning: no userspace device-specific driver found for /sys/class/infiniband_verbs/uverbs0',
      '[1,0]<stdout>:ptv-gpu01:11007:11098 [0] misc/ibvwrap.cu:63 NCCL WARN Failed to open libibverbs.so[.1]',
    ]);
    const [flag] = d.evaluate(ctx(2));
    expect(flag?.line).toBe(2);
    expect(flag?.detail).toContain('libibverbs has no userspace driver');
  });
});

describe('ib-fallback: IB in use (no flag, transport ib)', () => {
  it('2.4 ring era: `NET/IB : Using [0]mlx5_0:1/IB` + `via NET/IB/1/GDRDMA`, bootstrap NET/Socket ignored', () => {
    const d = detector();
    feed(d, fixture('nccl24-ib-ring-mpirun-2n.log'));
    expect(d.evaluate(ctx(2))).toEqual([]);
    const r = d.report(ctx(2));
    expect(r.transport).toBe('ib');
    expect(r.label).toBe('IB confirmed');
    expect(r.evidence?.evidence).toBe('gpu6:1408:1597 [1] NCCL INFO Ring 00 : 1 -> 4 [send] via NET/IB/1/GDRDMA');
    expect(r.evidence?.line).toBe(5);
  });

  it('2.7+ channel era: `NET/IB : Using [0]mlx5_0:1/IB` + `via NET/IB/0/GDRDMA`', () => {
    const d = detector();
    feed(d, [
      'leader-h2nng:523:523 [0] NCCL INFO NET/IB : Using [0]mlx5_0:1/IB ; OOB eth0:10.244.1.5<0>',
      'leader-h2nng:523:564 [0] NCCL INFO Channel 00/0 : 9[1] -> 0[0] [receive] via NET/IB/0/GDRDMA',
    ]);
    expect(d.evaluate(ctx(2))).toEqual([]);
    expect(d.transport(ctx(2))).toBe('ib');
  });

  it('IB without GDRDMA still counts as IB', () => {
    const d = detector();
    feed(d, ['node1:100:200 [0] NCCL INFO Channel 00/0 : 8[0] -> 0[0] [receive] via NET/IB/0']);
    expect(d.evaluate(ctx(2))).toEqual([]);
    expect(d.transport(ctx(2))).toBe('ib');
  });

  it('HPC-X IBext in use although NCCL_IB_DISABLE=1 is echoed (pdsh prefixes)', () => {
    const d = detector();
    feed(d, fixture('nccl-ibext-pdsh-2n.log'), { node: 'launcher' });
    expect(d.evaluate(ctx(2))).toEqual([]);
    const r = d.report(ctx(2));
    expect(r.transport).toBe('ib');
    expect(r.evidence?.evidence).toBe('rdma-gpu-train-worker-0:19487:21056 [3] NCCL INFO Using network IBext');
  });

  it.each([
    ['hostname1:25668:27396 [0] NCCL INFO Using network IB'],
    ['bigo:1884:2298 [0] NCCL INFO Using network IBext_v8'],
    ['8h200-2:6831:6840 [0] NCCL INFO Using network Libfabric'],
    ['[1,7]<stdout>:ip-172-32-38-1:21471:22316 [7] NCCL INFO Ring 00 : 7 -> 8 [send] via NET/AWS Libfabric/0'],
    ['NCCL INFO Channel 01/0 : 6[4f000] -> 3[9d000] [receive] via NET/IBext_v6/1'],
    ['hostname1:25668:27396 [0] NCCL INFO NET/IB : Using [0]mlx5_0:1/RoCE [1]mlx5_1:1/RoCE [RO]; OOB primaryip:10.10.10.10<0>'],
    ['qh100-gpu19:49357:49418 [3] NCCL INFO NET/IB : Using [0]mlx5_0:1/IB/SHARP [1]mlx5_1:1/IB/SHARP [RO]; OOB ibp25s0:10.20.0.119<0>'],
    ['bigo:1884:2298 [0] NCCL INFO NET/IB : Using [0]={[0] mlx5_2:1/RoCE, [1] mlx5_3:1/RoCE} [RO]; OOB bond0.526:169.136.106.9<0>'],
    ["node:1234:1234 [0] NCCL INFO NET/IB: GPU Direct RDMA Enabled for HCA 0 'mlx5_0'"],
    ["node:1234:1234 [0] NCCL INFO NET/IB : GPU Direct RDMA Enabled for HCA 0 'mlx5_0'"],
    ['8h200-3:6310:6318 [0] NCCL INFO NET/OFI Selected Provider is efa (found 16 nics)'],
  ])('%s → transport ib, no flag even with libibverbs warnings around', (line) => {
    const d = detector();
    feed(d, ['libibverbs: Warning: no userspace device-specific driver found for /sys/class/infiniband_verbs/uverbs1', line]);
    expect(d.evaluate(ctx(2))).toEqual([]);
    expect(d.transport(ctx(2))).toBe('ib');
  });
});

describe('ib-fallback: single-node runs are never flagged', () => {
  it('NCCL 2.18 without an HCA: `No device found`, `Using network Socket`, P2P/SHM channels → no flag, intra_node', () => {
    const d = detector();
    feed(d, fixture('nccl218-single-node-noib.log'), { node: 'gpu-a3' });
    expect(d.evaluate(ctx(1, ['gpu-a3']))).toEqual([]);
    expect(d.evaluate(ctx(null, ['gpu-a3']))).toEqual([]);
    expect(d.transport(ctx(1, ['gpu-a3']))).toBe('intra_node');
    expect(d.transportEvidence(ctx(1, ['gpu-a3']))?.evidence).toContain('via P2P/IPC');
  });

  it('`NET/IB : No device found.` and `via P2P/IPC` on one node → no flag at all', () => {
    const d = detector();
    feed(d, [
      'server1:100:100 [0] NCCL INFO NET/IB : No device found.',
      'server1:100:120 [0] NCCL INFO Ring 00 : 0[0] -> 1[1] via P2P/IPC',
    ]);
    expect(d.evaluate(ctx(1))).toEqual([]);
    expect(d.evaluate(ctx(null))).toEqual([]);
  });

  it('a single-node run that mentions no IB → no flag', () => {
    const d = detector();
    feed(d, [DLL, 'gpu-a3:47021:47095 [0] NCCL INFO Ring 00 : 0[0] -> 1[1] via P2P/CUMEM', DLL]);
    expect(d.evaluate(ctx(1))).toEqual([]);
    expect(d.transport(ctx(1))).toBe('intra_node');
  });

  it('uses NCCL host names to tell a combined mpirun log spans nodes when the run model does not know', () => {
    const d = detector();
    feed(d, fixture('nccl24-socket-mpirun-4n.log'), { node: 'local' });
    expect(d.evaluate(ctx(null, ['local']))).toHaveLength(1);
    const single = detector();
    feed(single, fixture('nccl218-single-node-noib.log'), { node: 'local' });
    expect(single.evaluate(ctx(null, ['local']))).toEqual([]);
  });

  it('numNodes wins over the node list; nodes.length > 1 counts when numNodes is unknown', () => {
    const d = detector();
    feed(d, ['user:852750:852802 [0] NCCL INFO Using network Socket']);
    expect(d.evaluate(ctx(1, ['a', 'b']))).toEqual([]);
    expect(d.evaluate(ctx(null, ['a', 'b']))).toHaveLength(1);
  });
});

describe('ib-fallback: transport not visible', () => {
  it('multi-node run without NCCL lines or hints → no flag, transport not_visible (never "fine")', () => {
    const d = detector();
    feed(d, [DLL, DLL, '[1,0]<stdout>:Skipping time record for  0  due to checkpoint-saving/warmup overhead']);
    expect(d.evaluate(ctx(4))).toEqual([]);
    const r = d.report(ctx(4));
    expect(r.transport).toBe('not_visible');
    expect(r.ncclInfoSeen).toBe(false);
    expect(r.label).toBe('transport not visible (NCCL_DEBUG not INFO)');
  });

  it('bootstrap `NET/Socket : Using [0]eth0` alone is not proof of fallback', () => {
    const d = detector();
    feed(d, ['ip-172-31-10-182:45407:45407 [0] NCCL INFO NET/Socket : Using [0]ens3:172.31.10.182<0>']);
    expect(d.evaluate(ctx(2))).toEqual([]);
    const r = d.report(ctx(2));
    expect(r.transport).toBe('not_visible');
    expect(r.ncclInfoSeen).toBe(true);
    expect(r.label).toContain('no NCCL transport line');
  });

  it('per node: a node whose log shows nothing is not_visible', () => {
    const d = detector();
    feed(d, interleave(onNode('n0', ['n0:1:2 [0] NCCL INFO Using network IB']), onNode('n1', [DLL])));
    expect(d.transport(ctx(2, ['n0', 'n1']), 'n0')).toBe('ib');
    expect(d.transport(ctx(2, ['n0', 'n1']), 'n1')).toBe('not_visible');
    expect(d.transport(ctx(2, ['n0', 'n1']))).toBe('ib');
  });
});

describe('ib-fallback: helpers', () => {
  it('transportOf finds the detector in a registry set', () => {
    const ds = createLineDetectors();
    expect(transportOf(ds)).toBe('not_visible');
    const ib = ibFallbackOf(ds)!;
    feed(ib, ['n0:1:2 [0] NCCL INFO Using network Socket']);
    expect(transportOf(ds, ctx(2))).toBe('socket');
    expect(transportOf(ib, ctx(2))).toBe('socket');
  });

  it('describeTransport gives UI labels', () => {
    expect(describeTransport('ib')).toBe('IB confirmed');
    expect(describeTransport('socket')).toBe('sockets');
    expect(describeTransport('not_visible')).toBe('transport not visible (NCCL_DEBUG not INFO)');
  });

  it('keeps evidence bounded to ~300 characters', () => {
    const d = detector();
    feed(d, [`user:1:2 [0] NCCL INFO Using network Socket ${'x'.repeat(1000)}`]);
    expect(d.evaluate(ctx(2))[0]!.evidence.length).toBeLessThanOrEqual(300);
  });
});
