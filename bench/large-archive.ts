import { existsSync, statSync, createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { createTarWriter } from '../src/sources/tar-writer.ts';

/**
 * A large, realistic archive for the benchmarks: NGC PyTorch ResNet50 dllogger logs in DLPerf's
 * layout, with launcher noise, NCCL INFO lines and DLL iteration lines, ~`totalMiB` of text.
 * Deterministic, cached under bench/out/ (re-generated only when missing).
 */
export async function ensureLargeArchive(path: string, totalMiB = 1100): Promise<{ path: string; bytes: number; textBytes: number }> {
  const textBytes = totalMiB * 1024 * 1024;
  if (existsSync(path)) return { path, bytes: statSync(path).size, textBytes };
  await mkdir(new URL('.', `file://${path}`).pathname, { recursive: true });
  const configs = [
    [1, 1], [1, 8], [2, 8], [4, 8],
  ] as const;
  const repeats = 5;
  const perRun = Math.ceil(textBytes / (configs.length * repeats));
  const tmp = `${path}.tmp`;
  const gz = createGzip({ level: 1 });
  const done = pipeline(gz, createWriteStream(tmp));
  const tar = createTarWriter(gz);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (const [n, g] of configs) {
    for (let r = 1; r <= repeats; r++) {
      const parts: string[] = [];
      let size = 0;
      const push = (s: string) => {
        parts.push(s);
        size += Buffer.byteLength(s);
      };
      push(`+ python /workspace/rn50/multiproc.py --nnodes ${n} --node_rank 0 --nproc_per_node ${g} /workspace/rn50/main.py -b 256 --amp\n`);
      push(`DLL 2020-09-15 14:28:53.498443 - PARAMETER data : /data/image  arch : resnet50  batch_size : 256  amp : True  world_size : ${n * g} \n`);
      let t = Date.UTC(2020, 8, 15, 14, 29, 0) * 1000 + r * 3_600_000_000;
      const perIterUs = Math.round((256 * n * g * 1e6) / (800 * n * g * 0.95));
      let i = 1;
      while (size < perRun) {
        t += perIterUs + Math.round((rnd() - 0.5) * perIterUs * 0.02);
        const d = new Date(Math.floor(t / 1000));
        const ts = `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}.${String(t % 1_000_000).padStart(6, '0')}`;
        push(`DLL ${ts} - Epoch: 0 Iteration: ${i}  train.loss : ${(7 - i * 1e-5).toFixed(5)}  train.total_ips : ${(800 * n * g * (0.95 + rnd() * 0.01)).toFixed(2)} img/s\n`);
        if (i % 50 === 0) push(`node1:1234:1290 [0] NCCL INFO Channel 00/0 : 8[0] -> 0[0] [receive] via NET/IB/0/GDRDMA\n`);
        if (i % 200 === 0) push(`[W pthreadpool-cpp.cc:99] Warning: Leaking Caffe2 thread-pool after fork. (function pthreadpool)\n`);
        i++;
      }
      await tar.addFile(`logs/ngc/pytorch/${n}n${g}g/r50_b256_amp_${r}.log`, parts.join(''));
    }
  }
  await tar.finish();
  await done;
  await rename(tmp, path);
  return { path, bytes: statSync(path).size, textBytes };
}
