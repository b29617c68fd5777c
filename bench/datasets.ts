import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Benchmark inputs, generated deterministically and cached under bench/out/: NGC PyTorch ResNet50
 * dllogger logs in DLPerf's layout (`logs/ngc/pytorch/<n>n<g>g/r50_b256_amp_<r>.log`, what DLPerf's
 * extract_pytorch_logs_time.py reads), with launcher noise, NCCL INFO lines and warnings among the
 * DLL iteration lines. Each dataset is a directory and the same directory as a .tgz made by the
 * system `tar` and `gzip` (default level), as archives of real runs are.
 */
export interface Dataset {
  name: string;
  dir: string;
  tgz: string;
  files: number;
  textBytes: number;
  tgzBytes: number;
}

export interface DatasetSpec {
  name: string;
  /** Total log text, MiB. */
  totalMiB: number;
  /** Files per configuration (4 configurations). */
  repeats: number;
}

export const DATASETS = {
  /** The "perfset": ~300 MiB of text in 20 logs. */
  perfset: { name: 'perfset', totalMiB: 300, repeats: 5 },
  /** The same amount of text as 1,000 files. */
  many: { name: 'many-1000', totalMiB: 300, repeats: 250 },
  /** 3,000 small logs (per-file state must not add up). */
  small: { name: 'small-3000', totalMiB: 60, repeats: 750 },
  /** 16,000 logs of ~10 KiB in one .tgz (issue #12: per-file state must not add up in an archive either). */
  archive16k: { name: 'archive-16000', totalMiB: 160, repeats: 4000 },
  /** 1.07 GiB of text in 20 logs. */
  large: { name: 'large-1.07g', totalMiB: 1100, repeats: 5 },
} as const satisfies Record<string, DatasetSpec>;

const CONFIGS = [
  [1, 1],
  [1, 8],
  [2, 8],
  [4, 8],
] as const;

function writeLogs(dir: string, spec: DatasetSpec): number {
  const perFile = Math.ceil((spec.totalMiB * 1024 * 1024) / (CONFIGS.length * spec.repeats));
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let files = 0;
  for (const [n, g] of CONFIGS) {
    const d = join(dir, 'logs', 'ngc', 'pytorch', `${n}n${g}g`);
    mkdirSync(d, { recursive: true });
    for (let r = 1; r <= spec.repeats; r++) {
      const parts: string[] = [];
      let size = 0;
      const push = (s: string) => {
        parts.push(s);
        size += s.length;
      };
      push(`+ python /workspace/rn50/multiproc.py --nnodes ${n} --node_rank 0 --nproc_per_node ${g} /workspace/rn50/main.py -b 256 --amp\n`);
      push(`DLL 2020-09-15 14:28:53.498443 - PARAMETER data : /data/image  arch : resnet50  batch_size : 256  amp : True  world_size : ${n * g} \n`);
      let t = Date.UTC(2020, 8, 15, 14, 29, 0) * 1000 + r * 3_600_000_000;
      const perIterUs = Math.round((256 * n * g * 1e6) / (800 * n * g * 0.95));
      for (let i = 1; size < perFile; i++) {
        t += perIterUs + Math.round((rnd() - 0.5) * perIterUs * 0.02);
        const iso = new Date(Math.floor(t / 1000)).toISOString();
        const ts = `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(t % 1_000_000).padStart(6, '0')}`;
        push(`DLL ${ts} - Epoch: 0 Iteration: ${i}  train.loss : ${(7 - i * 1e-5).toFixed(5)}  train.total_ips : ${(800 * n * g * (0.95 + rnd() * 0.01)).toFixed(2)} img/s\n`);
        if (i % 50 === 0) push(`node1:1234:1290 [0] NCCL INFO Channel 00/0 : 8[0] -> 0[0] [receive] via NET/IB/0/GDRDMA\n`);
        if (i % 200 === 0) push(`[W pthreadpool-cpp.cc:99] Warning: Leaking Caffe2 thread-pool after fork. (function pthreadpool)\n`);
      }
      writeFileSync(join(d, `r50_b256_amp_${r}.log`), parts.join(''));
      files++;
    }
  }
  return files;
}

/** The dataset's directory and .tgz, generated once (bench/out/<name>/ and bench/out/<name>.tgz). */
export function ensureDataset(out: string, spec: DatasetSpec): Dataset {
  const dir = join(out, spec.name);
  const tgz = join(out, `${spec.name}.tgz`);
  if (!existsSync(tgz) || !existsSync(join(dir, 'logs'))) {
    process.stderr.write(`generating ${spec.name} (${spec.totalMiB} MiB of log text, ${CONFIGS.length * spec.repeats} files)…\n`);
    rmSync(dir, { recursive: true, force: true });
    const tmp = `${dir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    writeLogs(tmp, spec);
    renameSync(tmp, dir);
    execFileSync('tar', ['-C', dir, '-czf', `${tgz}.tmp`, 'logs']);
    renameSync(`${tgz}.tmp`, tgz);
  }
  const du = execFileSync('du', ['-sb', join(dir, 'logs')], { encoding: 'utf8' });
  return { name: spec.name, dir, tgz, files: CONFIGS.length * spec.repeats, textBytes: Number(du.split(/\s/)[0]), tgzBytes: statSync(tgz).size };
}
