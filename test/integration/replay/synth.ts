/** Small synthetic logs for replay tests (dllogger PyTorch ResNet50 lines, Megatron without datetime). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const T0 = Date.UTC(2021, 2, 15, 1, 0, 0);

function stamp(ms: number): string {
  const d = new Date(Math.floor(ms));
  const us = String(Math.round((ms - Math.floor(ms / 1000) * 1000) * 1000)).padStart(6, '0');
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}.${us}`;
}

export interface DllRunSpec {
  /** Log time of the first line (ms). */
  start: number;
  iters?: number;
  /** Seconds per iteration. */
  gapS?: number;
  worldSize: number;
  /** Extra delay of this node's lines (s). */
  lagS?: number;
}

/** The text of one node's dllogger log. */
export function dllLog(s: DllRunSpec): string {
  const iters = s.iters ?? 130;
  const gap = (s.gapS ?? 0.3) * 1000;
  let t = s.start + (s.lagS ?? 0) * 1000;
  const out: string[] = [];
  out.push(`+ python /workspace/rn50/multiproc.py --nproc_per_node 8 main.py -b 256 --amp`);
  out.push(`DLL ${stamp(t)} - PARAMETER data : /data/image  arch : resnet50  batch_size : 256  amp : True  world_size : ${s.worldSize} `);
  out.push('RUNNING EPOCHS FROM 0 TO 1');
  for (let i = 1; i <= iters; i++) {
    t += i <= 5 ? gap * 3 : gap + ((i * 37) % 11) - 5;
    const ips = ((256 * s.worldSize) / (gap / 1000)).toFixed(2);
    out.push(`DLL ${stamp(t)} - Epoch: 0 Iteration: ${i}  train.loss : ${(7 - i / 1000).toFixed(5)}  train.total_ips : ${ips} img/s`);
    if (i % 20 === 0) out.push(`node:1:1 [0] NCCL INFO some chatter ${i}`);
  }
  t += gap;
  out.push(`DLL ${stamp(t)} - Epoch: 0  train.loss : 6.9  train.total_ips : 1000.00 img/s`);
  out.push(`DLL ${stamp(t + 10)} - Summary: train.loss : 6.9  train.total_ips : 1000.00 img/s`);
  return out.join('\n') + '\n';
}

export function write(dir: string, rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

/**
 * Three runs whose path order differs from their time order:
 *  - `logs/pytorch/4n8g/...` (one node file set of 2 for brevity: node1/node2) starts first,
 *  - `logs/pytorch/1n8g/r50_b256_amp_1.log` second,
 *  - `logs/pytorch/1n1g/r50_b256_amp_1.log` third.
 */
export function writeThreeRuns(dir: string): { order: string[]; keys: string[] } {
  write(dir, 'logs/pytorch/2n8g/node1/r50_b256_amp_1.log', dllLog({ start: T0, worldSize: 16 }));
  write(dir, 'logs/pytorch/2n8g/node2/r50_b256_amp_1.log', dllLog({ start: T0, worldSize: 16, lagS: 0.05 }));
  write(dir, 'logs/pytorch/1n8g/r50_b256_amp_1.log', dllLog({ start: T0 + 120_000, worldSize: 8, gapS: 0.31 }));
  write(dir, 'logs/pytorch/1n1g/r50_b256_amp_1.log', dllLog({ start: T0 + 240_000, worldSize: 1, gapS: 0.32 }));
  const keys = ['logs/pytorch/2n8g/r50_b256_amp_1', 'logs/pytorch/1n8g/r50_b256_amp_1', 'logs/pytorch/1n1g/r50_b256_amp_1'];
  return { order: keys, keys };
}

export const megatronIter = (iter: number, total: number, ms: number, gbs: number) =>
  ` iteration ${String(iter).padStart(8)}/${String(total).padStart(8)} | consumed samples: ${String(iter * gbs).padStart(12)} | elapsed time per iteration (ms): ${ms.toFixed(1)} | learning rate: 1.000E-04 | global batch size: ${String(gbs).padStart(5)} | lm loss: 9.500000E+00 | loss scale: 1.0 | grad norm: 1.2 | number of skipped iterations:   0 | number of nan iterations:   0 |`;

/** A Megatron log with no datetime line at all: pacing can only come from its step times. */
export function megatronNoClock(iters = 100, interval = 10): string {
  const out = ['using world size: 8, data-parallel-size: 8, tensor-model-parallel size: 1, pipeline-model-parallel size: 1'];
  out.push('------------------------ arguments ------------------------');
  out.push(`  log_interval .................................... ${interval}`);
  out.push('  micro_batch_size ................................ 2');
  out.push('  global_batch_size ............................... 16');
  out.push('  fp16 ............................................ True');
  out.push('-------------------- end of arguments ---------------------');
  for (let i = interval; i <= iters; i += interval) {
    out.push(megatronIter(i, iters, 400 + (i % 30), 16));
    out.push(` time (ms) | forward-compute: 120.5 | backward-compute: 250.1 | optimizer: 20.3`);
  }
  return out.join('\n') + '\n';
}

const dt = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * A 2-node Megatron run as DLPerf's scripts write it: node 0's log has the argument dump and the
 * `datetime:` lines but no iteration line; node 1's (the last pipeline stage) has the iterations.
 */
export function megatronTwoNodes(start: number, iters = 100, interval = 10): { node0: string; node1: string; trainStart: number; trainEnd: number } {
  const stepMs = 400;
  const trainStart = start + 5000;
  const trainEnd = trainStart + iters * stepMs + 1000;
  const node0 = [
    'using world size: 16, data-parallel-size: 16, tensor-model-parallel size: 1, pipeline-model-parallel size: 1',
    `  log_interval .................................... ${interval}`,
    '  global_batch_size ............................... 32',
    `[after megatron is initialized] datetime: ${dt(start)} `,
    `[before the start of training step] datetime: ${dt(trainStart)} `,
    '[Rank 0] (after 10 iterations) memory (MB) | allocated: 3527.89 | max allocated: 10757.47',
    `[after training is done] datetime: ${dt(trainEnd)} `,
  ].join('\n') + '\n';
  const n1: string[] = ['using world size: 16'];
  for (let i = interval; i <= iters; i += interval) n1.push(megatronIter(i, iters, stepMs, 32));
  return { node0, node1: n1.join('\n') + '\n', trainStart, trainEnd };
}
