import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enumerateInputs } from '../../src/sources/inputs.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A long run for progress tests: the demo's 1n1g repeat-1 log (real NGC dllogger text) with its
 * iteration lines repeated `times` times (iteration numbers and timestamps continued), packed as
 * a .tgz with the system tar. Returns the archive path.
 */
export async function bigArchive(dir: string, times: number): Promise<string> {
  let text = '';
  for await (const item of enumerateInputs([join(ROOT, 'replays/resnet50-scaling-demo.tgz')])) {
    if (item.type !== 'file') continue;
    const chunks: Buffer[] = [];
    for await (const c of item.file.chunks()) chunks.push(c);
    if (item.file.path.endsWith('1n1g/r50_b256_amp_1.log')) text = Buffer.concat(chunks).toString('utf8');
  }
  const lines = text.split('\n');
  const iterLines = lines.filter((l) => / - Epoch: 0 Iteration: \d+ /.test(l));
  const head = lines.slice(0, lines.indexOf(iterLines[0]!));
  const out: string[] = [...head];
  let iter = 0;
  let t = Date.UTC(2021, 2, 15, 1, 0, 0) * 1000;
  for (let k = 0; k < times; k++) {
    for (const l of iterLines) {
      iter++;
      t += 320_000 + (iter % 7) * 1000;
      const d = new Date(t / 1000).toISOString().replace('T', ' ').replace('Z', '');
      out.push(l.replace(/^DLL \S+ \S+ - Epoch: 0 Iteration: \d+ /, `DLL ${d}${String(t % 1000).padStart(3, '0')} - Epoch: 0 Iteration: ${iter} `));
    }
  }
  const member = join(dir, 'src/logs/ngc/pytorch/1n1g/r50_b256_amp_1.log');
  mkdirSync(dirname(member), { recursive: true });
  writeFileSync(member, out.join('\n') + '\n');
  const tgz = join(dir, 'big.tgz');
  execFileSync('tar', ['-czf', tgz, '-C', join(dir, 'src'), 'logs']);
  return tgz;
}
