/**
 * Random dllogger-style lines for the byte-path equivalence tests: well-formed progress lines of
 * every dllogger format (with and without Open MPI tags), then mutations that must send a line to
 * the string path or change its record (odd numbers, nan/inf, escapes, `\r`, tabs, non-ASCII,
 * extra fields, cut lines), mixed with PARAMETER, NCCL and other noise lines.
 */

export type Rnd = () => number;

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): Rnd {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: Rnd, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rnd, n: number): number => Math.floor(r() * n);

/** Numbers as logs print them, and as they should never be (the string path must decide those). */
export function numberText(r: Rnd): string {
  const k = int(r, 20);
  if (k < 8) return (r() * 10 ** int(r, 6)).toFixed(int(r, 7));
  if (k < 10) return String(r() * 10 ** int(r, 5)); // full double precision: > 15 digits
  return pick(r, ['0', '-0', '-0.0', '1e5', '2.5E-3', '.5', '5.', '+3', '00012', '-7.25', '1.2.3', '--1', 'nan', 'NaN', 'inf', '-inf', 'Infinity', 'None', '0x1A', '', '12345678901234567', '9007199254740993', '3.14159265358979323846']);
}

function stamp(r: Rnd, t: number): string {
  const d = new Date(Math.floor(t / 1000));
  const us = String(t % 1_000_000).padStart(6, '0');
  const s = `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}.${us}`;
  return r() < 0.02 ? s.slice(0, 20 + int(r, 6)) : s; // short fractions: the regex path of parseDllLine
}

function prefix(r: Rnd): string {
  const k = int(r, 10);
  if (k < 6) return '';
  if (k < 8) return `[1,${int(r, 32)}]<stdout>:`;
  if (k < 9) return `Wed Jun  1 10:54:${String(10 + int(r, 50))} 2022[1,${int(r, 8)}]<std${r() < 0.8 ? 'out' : 'err'}>:`;
  return pick(r, ['  ', '0: ', '[3] ', 'node1: ', 'Wed Jun 1 10:54:47 2022[1,0]<stdout>:', '[1,0]<stdout>:[1,2]<stdout>:', 'x[1,0]<stdout>:']);
}

function step(r: Rnd, it: number): string {
  const e = int(r, 3);
  return pick(r, [`Epoch: ${e} Iteration: ${it}`, `Epoch: ${e} Iteration: ${it}`, `Training Epoch: ${e} Training Iteration: ${it}`, `Iteration: ${it}`, `(${e}, ${it})`, `Epoch: ${e}`, 'PARAMETER', 'Summary:', `Training Epoch: ${e} Iteration: ${it}`]);
}

function fields(r: Rnd): string {
  const n = numberText;
  switch (int(r, 9)) {
    case 0:
    case 1:
      return ` train.loss : ${n(r)}  train.total_ips : ${n(r)} img/s`;
    case 2:
      return ` train.loss : ${n(r)}  train.total_ips : ${n(r)} img/s  train.data_time : ${n(r)} s  train.compute_time : ${n(r)} s`;
    case 3:
      return ` average_loss : ${n(r)}  step_loss : ${n(r)}  learning_rate : ${n(r)} `;
    case 4:
      return ` throughput_train : ${n(r)} seq/s mlm_loss : ${n(r)}  nsp_loss : ${n(r)}  total_loss : ${n(r)}  avg_loss_step : ${n(r)}  learning_rate : ${n(r)}  loss_scaler : ${n(r)} `;
    case 5:
      return `${pick(r, [' total_ips', ' imgs_per_sec', ' total_ips : 3 total_ips'])} : ${n(r)} `;
    case 6:
      return ` train.loss : ${n(r)}  train.ips : ${n(r)} images/s train.lr : ${n(r)} `;
    case 7:
      return ` final_loss : ${n(r)} None`;
    default:
      return ` data : /data/image  arch : resnet50  batch_size : ${int(r, 300)}  amp : ${pick(r, ['True', 'False'])}  world_size : ${1 + int(r, 32)} `;
  }
}

const NASTY = ['\u001b[0m', '\r', '\t', '<', 'é', '中', '\u009b', 'nan', 'INF', ' ', '  ', ':', 'x', '0', '.', '-', 'e', '\u0000'];

/** One random log line (no terminator). */
export function randomLine(r: Rnd, it: number, t: number): string {
  const k = int(r, 20);
  if (k === 0) return `node1:1234:1290 [0] NCCL INFO Channel 00/0 : 8[0] -> 0[0] [receive] via NET/${pick(r, ['IB/0/GDRDMA', 'Socket/0'])}`;
  if (k === 1) return pick(r, ['[W pthreadpool-cpp.cc:99] Warning: Leaking Caffe2 thread-pool after fork.', 'RuntimeError: CUDA out of memory.', 'Traceback (most recent call last):', '', 'Killed']);
  let line = `${prefix(r)}DLL ${stamp(r, t)} - ${step(r, it)}${r() < 0.9 ? " " : ""}${fields(r)}`;
  const m = int(r, 4);
  for (let i = 0; i < m; i++) {
    const at = int(r, line.length + 1);
    const op = int(r, 3);
    const ins = pick(r, NASTY);
    line = op === 0 ? line.slice(0, at) + ins + line.slice(at) : op === 1 ? line.slice(0, at) + line.slice(at + 1) : line.slice(0, at) + ins + line.slice(at + 1);
  }
  return line;
}

/** A random log file's text: mostly well-formed progress lines, some noise and damage. */
export function randomLog(r: Rnd, lines: number, opts: { mutate?: number } = {}): string {
  const mutate = opts.mutate ?? 0.15;
  const out: string[] = [];
  let t = Date.UTC(2020, 8, 15, 23, 58, 0) * 1000 + int(r, 1e9);
  const fmt = int(r, 4);
  const base = [
    (i: number, ts: string) => `DLL ${ts} - Epoch: 0 Iteration: ${i}  train.loss : ${(7 - i * 1e-3).toFixed(5)}  train.total_ips : ${(800 + r() * 50).toFixed(2)} img/s`,
    (i: number, ts: string) => `[1,0]<stdout>:DLL ${ts} - Epoch: 0 Iteration: ${i}  train.loss : ${r() * 7}  train.ips : ${1000 + r() * 50} images/s train.lr : ${r()} `,
    (i: number, ts: string) => `DLL ${ts} - Iteration: ${i}  throughput_train : ${(1000 + r() * 50).toFixed(3)} seq/s mlm_loss : 10.3849  nsp_loss : 0.7301  total_loss : ${(11 - i * 1e-3).toFixed(4)}  avg_loss_step : 11.1076  learning_rate : 0.0  loss_scaler : 2147483648 `,
    (i: number, ts: string) => `DLL ${ts} - Training Epoch: 0 Training Iteration: ${i}  average_loss : ${8 + r()}  step_loss : 8.3203125  learning_rate : 0.003098386676965934 `,
  ][fmt]!;
  out.push(`DLL 2020-09-15 14:28:53.498443 - PARAMETER data : /data/image  arch : resnet50  batch_size : 128  amp : True  world_size : 8 `);
  for (let i = 1; i <= lines; i++) {
    t += 300_000 + int(r, 20_000);
    const d = new Date(Math.floor(t / 1000));
    const ts = `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}.${String(t % 1_000_000).padStart(6, '0')}`;
    out.push(r() < mutate ? randomLine(r, i, t) : base(i, ts));
  }
  return out.join(r() < 0.1 ? '\r\n' : '\n') + (r() < 0.8 ? '\n' : '');
}
