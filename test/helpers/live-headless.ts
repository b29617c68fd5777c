import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every `.log` file under `dir`, in name order. */
export function logsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...logsUnder(p));
    else if (e.endsWith('.log')) out.push(p);
  }
  return out;
}

/** `live --headless --exit-when-done` (the real binary `bin`) on `files`; killed after 60 s. */
export function liveHeadless(bin: string, cwd: string, files: string[]): Promise<{ out: string; err: string; code: number | null }> {
  const child = spawn(process.execPath, [bin, 'live', '--headless', '--interval', '0.2', '--exit-when-done', '--idle', '0.5', ...files], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((r) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(t);
      r({ out, err, code });
    });
  });
}
