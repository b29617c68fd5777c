import { fieldAfter, leadingDateTime } from './common/fields.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * torchtitan (pytorch/torchtitan `torchtitan/components/metrics.py`), verbatim (pytorch/torchtitan#1287):
 * `[rank0]:[titan] 2025-06-16 22:30:50,322 - root - INFO - step: 200  loss:  6.1384  memory: 49.66GiB(52.28%)  tps: 5,856  tflops: 339.16  mfu: 34.29%`
 * `tps` is tokens/s PER DEVICE (thousands separators), `tflops` per device: the run's figure is
 * tps × world size. Without `[rankN]:` tags every rank's copy of the line lands in the file (#2389
 * shows 8 identical `step:  4` lines): one step counts once, rank 0's where tagged. World size from
 * `Building 2-D device mesh with ['dp_shard', 'tp'], [4, 2]` (the product) or the path; batch and
 * sequence length from `Training starts at step 1, with local batch size 1, global batch size 8,
 * sequence length 8192, …`. No DLPerf method: auto window, reported method.
 */
const STEP = /\bstep:\s*(\d+)\s+loss:\s*(\S+)\s.*\btps:\s*([\d,]+)/;

export const torchtitan: LogFormat = {
  id: 'torchtitan',
  title: 'torchtitan',
  framework: 'pytorch',
  unit: 'tokens/s',
  detect: (p) => p.includes(' tps: ') && p.includes('step:') && STEP.test(p),
  window: { unit: 'iter', start: 'auto', end: null, perDevice: true, preferReported: true },
  createParser() {
    let lastStep = -1;
    return {
      parse(p): ParsedRecord | ParsedRecord[] | undefined {
        const rank = /^\[(?:rank|default)(\d+)\]:/.exec(p);
        const t = leadingDateTime(p);
        const clock: ParsedRecord | undefined = t ? { kind: 'clock', time: t.s } : undefined;
        const m = p.includes(' tps: ') ? STEP.exec(p) : null;
        if (m) {
          const step = Number(m[1]);
          if ((rank && rank[1] !== '0') || step === lastStep) return clock;
          lastStep = step;
          const rec: ParsedRecord = { kind: 'iter', iter: step, throughput: Number(m[3]!.replace(/,/g, '')) };
          const loss = Number(m[2]);
          if (Number.isFinite(loss) || /nan/i.test(m[2]!)) rec.loss = loss;
          const tf = fieldAfter(p, ' tflops:');
          if (tf !== undefined) rec.tflops = tf;
          if (t) {
            rec.time = t.s;
            rec.timeUs = t.us;
          }
          const mem = /\bmemory:\s*([\d.]+)GiB/.exec(p);
          return mem ? [rec, { kind: 'memory', mib: Math.round(Number(mem[1]) * 1024) }] : rec;
        }
        let x: RegExpExecArray | null;
        if ((x = /Training starts at step \d+, with local batch size (\d+), global batch size (\d+), sequence length (\d+)/.exec(p))) {
          return { kind: 'meta', fields: { batch_size_per_device: Number(x[1]), global_batch_size: Number(x[2]), seq_length: Number(x[3]) } };
        }
        if ((x = /Building \d+-D device mesh with \[[^\]]*\], \[([\d, ]+)\]/.exec(p))) {
          const ws = x[1]!.split(',').reduce((a, v) => a * Number(v), 1);
          if (Number.isInteger(ws) && ws > 0) return { kind: 'meta', fields: { world_size: ws } };
        }
        if ((x = /Model (\S+) (\S+) size: /.exec(p))) return { kind: 'meta', fields: { model: `${x[1]}-${x[2]}`.toLowerCase() } };
        return clock;
      },
    };
  },
  samples: [
    {
      text: '[rank0]:[titan] 2025-06-16 22:30:50,322 - root - INFO - step: 200  loss:  6.1384  memory: 49.66GiB(52.28%)  tps: 5,856  tflops: 339.16  mfu: 34.29%',
      expected: [
        { kind: 'iter', iter: 200, throughput: 5856, loss: 6.1384, tflops: 339.16, time: 1750113050.322, timeUs: 1750113050322000 },
        { kind: 'memory', mib: 50852 },
      ],
    },
    {
      text: '[titan] 2026-02-24 19:46:17,508 - root - INFO - step:  4  loss:  7.62585  grad_norm: 26.6250  memory: 66.91GiB(37.51%)  tps: 10,050  tflops: 314.71  mfu: 13.99%',
      expected: [
        { kind: 'iter', iter: 4, throughput: 10050, loss: 7.62585, tflops: 314.71, time: 1771962377.508, timeUs: 1771962377508000 },
        { kind: 'memory', mib: 68516 },
      ],
    },
    {
      text: '[rank0]:2025-02-13 11:33:29,482 - root - INFO - Training starts at step 1, with local batch size 1, global batch size 8, sequence length 8192, total steps 100 (warmup 200)',
      expected: [{ kind: 'meta', fields: { batch_size_per_device: 1, global_batch_size: 8, seq_length: 8192 } }],
    },
  ],
};
