import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { enumerateInputs } from '../../src/sources/inputs.ts';

/**
 * Builds compare test sets from real log text: copies every member of an input (e.g. a demo
 * archive) into a directory, passing each line of each log through `line(text, ctx)`. The
 * transforms below rewrite what the parsers read (dllogger timestamps and the figures printed with
 * them), as a slower or noisier cluster would have printed them.
 */
export interface LineContext {
  /** Member path, e.g. logs/ngc/pytorch/2n8g/node1/r50_b256_amp_3.log */
  member: string;
  /** The run the file belongs to: its path without the node folder (every node of a run shares it). */
  run: string;
  state: Record<string, unknown>;
}

export async function copyTransformed(input: string, outDir: string, line: (text: string, ctx: LineContext) => string | null, keep: (member: string) => boolean = () => true): Promise<string> {
  for await (const item of enumerateInputs([input])) {
    if (item.type !== 'file') continue;
    const member = item.file.path;
    if (!keep(member)) {
      for await (const _ of item.file.chunks()) void _;
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const c of item.file.chunks()) chunks.push(c);
    const ctx: LineContext = { member, run: member.replace(/\/node\d+\//, '/'), state: {} };
    const text = Buffer.concat(chunks).toString('utf8');
    const out = member.endsWith('.log') ? text.split('\n').map((l) => line(l, ctx)).filter((l): l is string => l !== null).join('\n') : text;
    const dest = path.join(outDir, member);
    mkdirSync(path.dirname(dest), { recursive: true });
    writeFileSync(dest, out);
  }
  return outDir;
}

const DLL = /^DLL (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6}) - /;

function dllMicros(m: RegExpExecArray): number {
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) * 1000 + +m[7]!;
}

function fmtMicros(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(Math.round(us % 1_000_000), 6)}`;
}

/**
 * NGC dllogger lines as a cluster `factor` times slower would print them: every timestamp's
 * distance from the file's first DLL line stretched by `factor`, `train.total_ips` divided by it
 * and `train.compute_time` multiplied by it (so the two throughput methods still agree).
 */
export function stretchDll(text: string, ctx: LineContext, factor: number): string {
  const m = DLL.exec(text);
  if (!m) return text;
  const t = dllMicros(m);
  const t0 = (ctx.state.t0 as number | undefined) ?? t;
  ctx.state.t0 = t0;
  const stretched = t0 + Math.round((t - t0) * factor);
  return text
    .replace(DLL, `DLL ${fmtMicros(stretched)} - `)
    .replace(/(train\.total_ips : )([0-9.]+)/, (_, k: string, v: string) => `${k}${(Number(v) / factor).toFixed(2)}`)
    .replace(/(train\.compute_time : )([0-9.]+)/, (_, k: string, v: string) => `${k}${(Number(v) * factor).toFixed(4)}`);
}

/** A small fixed-seed PRNG (mulberry32), so a jittered copy is the same every time. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One factor per run, drawn uniformly from [1 − rel, 1 + rel] (the same for every node of the run). */
export function perRunFactor(rel: number, seed: number): (run: string) => number {
  const rand = rng(seed);
  const factors = new Map<string, number>();
  return (run) => {
    let f = factors.get(run);
    if (f === undefined) factors.set(run, (f = 1 - rel + 2 * rel * rand()));
    return f;
  };
}
