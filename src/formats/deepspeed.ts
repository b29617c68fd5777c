import { fieldAfter, leadingDateTime } from './common/fields.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F6b — DeepSpeed engine `ThroughputTimer` (deepspeedai/DeepSpeed `deepspeed/utils/timer.py`), verbatim:
 * `[2023-04-21 19:36:50,424] [INFO] [timer.py:199:stop] epoch=0/micro_step=52480/global_step=13120, RunningAvgSamplesPerSec=4.5431656108358975, CurrSamplesPerSec=4.584817867742811, MemAllocated=31.36GB, MaxMemAllocated=36.97GB` (deepspeedai/DeepSpeedExamples#381)
 * `[2022-03-11 02:06:58,985] [INFO] [timer.py:189:stop] 0/40, SamplesPerSec=83.48609168106144, MemAllocated=0.26GB, MaxMemAllocated=9.02GB` (deepspeedai/DeepSpeed#1825)
 * The `timer.py:NNN` line number changes across versions. The timer's batch is the engine's
 * `train_batch_size` (global): the figures are global samples/s. `CurrSamplesPerSec` is the last
 * step's; `SamplesPerSec` / `RunningAvgSamplesPerSec` (older forms) a running average since step 2.
 * DLPerf's DeepSpeed branch averages the printed figure over a window: reported method, auto window.
 * Config (`[config.py:…:print]   train_batch_size ….. 16`) and the launcher (`dist_world_size=8`)
 * give batch and world size.
 */
const NEW = /\bepoch=(\d+)\/micro_step=(\d+)\/global_step=(\d+),/;
const OLD = /\[timer\.py:\d+:stop\] (\d+)\/(\d+), /;

export const deepspeed: LogFormat = {
  id: 'deepspeed',
  title: 'DeepSpeed ThroughputTimer',
  framework: 'deepspeed',
  detect: (p) => p.includes('SamplesPerSec=') && (NEW.test(p) || OLD.test(p)),
  window: { unit: 'iter', start: 'auto', end: null, preferReported: true },
  createParser() {
    let last = -1;
    return {
      parse(p): ParsedRecord | ParsedRecord[] | undefined {
        const t = leadingDateTime(p);
        if (p.includes('SamplesPerSec=')) {
          const n = NEW.exec(p);
          const o = n ? null : OLD.exec(p);
          if (n || o) {
            const iter = Number(n ? n[3] : o![2]);
            // Printed again for the same optimizer step (micro steps of gradient accumulation): once.
            if (iter === last) return t ? { kind: 'clock', time: t.s } : undefined;
            last = iter;
            const rec: ParsedRecord = { kind: 'iter', iter, epoch: Number(n ? n[1] : o![1]) };
            const sps = fieldAfter(p, 'CurrSamplesPerSec=') ?? fieldAfter(p, ' SamplesPerSec=') ?? fieldAfter(p, 'RunningAvgSamplesPerSec=');
            if (sps !== undefined) rec.throughput = sps;
            if (t) {
              rec.time = t.s;
              rec.timeUs = t.us;
            }
            const mem = /MaxMemAllocated=([\d.]+)GB/.exec(p);
            return mem ? [rec, { kind: 'memory', mib: Math.round(Number(mem[1]) * 1024) }] : rec;
          }
        }
        let x: RegExpExecArray | null;
        if ((x = /\[config\.py:\d+:print\]\s+(train_batch_size|train_micro_batch_size_per_gpu|world_size|fp16_enabled|bfloat16_enabled)\s\.+\s(\S+)/.exec(p))) {
          const v = x[2]!;
          if (x[1] === 'train_batch_size') return { kind: 'meta', fields: { global_batch_size: Number(v) } };
          if (x[1] === 'train_micro_batch_size_per_gpu') return { kind: 'meta', fields: { batch_size_per_device: Number(v) } };
          if (x[1] === 'world_size') return { kind: 'meta', fields: { world_size: Number(v) } };
          if (v === 'True') return { kind: 'meta', fields: { precision: x[1] === 'fp16_enabled' ? 'amp' : 'bf16' } };
          return undefined;
        }
        if ((x = /\bdist_world_size=(\d+)/.exec(p))) return { kind: 'meta', fields: { world_size: Number(x[1]) } };
        if ((x = /\bnnodes=(\d+), num_local_procs=(\d+)/.exec(p))) return { kind: 'meta', fields: { num_nodes: Number(x[1]), gpu_num_per_node: Number(x[2]) } };
        return t && p.startsWith('[') ? { kind: 'clock', time: t.s } : undefined;
      },
    };
  },
  samples: [
    {
      text: '[2023-04-21 19:36:50,424] [INFO] [timer.py:199:stop] epoch=0/micro_step=52480/global_step=13120, RunningAvgSamplesPerSec=4.5431656108358975, CurrSamplesPerSec=4.584817867742811, MemAllocated=31.36GB, MaxMemAllocated=36.97GB',
      expected: [
        { kind: 'iter', iter: 13120, epoch: 0, throughput: 4.584817867742811, time: 1682105810.424, timeUs: 1682105810424000 },
        { kind: 'memory', mib: 37857 },
      ],
    },
    {
      text: '[2022-03-11 02:06:58,985] [INFO] [timer.py:189:stop] 0/40, SamplesPerSec=83.48609168106144, MemAllocated=0.26GB, MaxMemAllocated=9.02GB',
      expected: [
        { kind: 'iter', iter: 40, epoch: 0, throughput: 83.48609168106144, time: 1646964418.985, timeUs: 1646964418985000 },
        { kind: 'memory', mib: 9236 },
      ],
    },
    { text: '[2022-04-28 04:19:02,152] [INFO] [launch.py:96:main] nnodes=1, num_local_procs=8, node_rank=0', expected: [{ kind: 'meta', fields: { num_nodes: 1, gpu_num_per_node: 8 } }] },
    { text: '[2022-04-28 04:19:03,001] [INFO] [config.py:1000:print]   train_batch_size ............. 256', expected: [{ kind: 'meta', fields: { global_batch_size: 256 } }] },
  ],
};
