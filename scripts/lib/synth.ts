/**
 * Small deterministic helpers shared by the synthetic-log generators
 * (test/fixtures/generate-seed-logs.ts, scripts/generate-demo-archives.ts).
 * No Math.random, no Date.now: every value derives from a fixed seed.
 * Also the formatting both share (Megatron-style arguments block) and their run-as-script check.
 */

import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** mulberry32: a tiny 32-bit PRNG; same seed, same sequence, on every platform. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    /** Approximately normal (sum of 4 uniforms), mean 0, sd 1. */
    gauss: () => (next() + next() + next() + next() - 2) * Math.sqrt(3),
    pick: <T>(xs: readonly T[]): T => {
      if (xs.length === 0) throw new Error('pick from empty list');
      return xs[Math.floor(next() * xs.length)] as T;
    },
  };
}

export interface Rng {
  next(): number;
  uniform(lo: number, hi: number): number;
  int(lo: number, hi: number): number;
  gauss(): number;
  pick<T>(xs: readonly T[]): T;
}

/** Derive an independent seed from a base seed and a label (FNV-1a). */
export function seedFor(base: number, label: string): number {
  let h = (0x811c9dc5 ^ base) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * Split an integer `total` into `weights.length` non-negative integers proportional to the
 * weights whose sum is exactly `total` (largest-remainder rounding, deterministic).
 */
export function splitInteger(total: number, weights: readonly number[]): number[] {
  if (!Number.isInteger(total)) throw new Error(`splitInteger: ${total} is not an integer`);
  const sum = weights.reduce((s, w) => s + w, 0);
  const raw = weights.map((w) => (total * w) / sum);
  const out = raw.map((x) => Math.floor(x));
  let rest = total - out.reduce((s, x) => s + x, 0);
  const order = raw.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((p, q) => q.frac - p.frac || p.i - q.i);
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) out[order[k]!.i]! += 1;
  return out;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) from whole microseconds since the Unix epoch. */
export function fmtDllTime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  const micro = ((us % 1_000_000) + 1_000_000) % 1_000_000;
  return `${fmtDate(d)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(micro, 6)}`;
}

/** `YYYY-MM-DD HH:MM:SS` (UTC) from milliseconds since the Unix epoch. */
export function fmtDateTime(ms: number): string {
  const d = new Date(ms);
  return `${fmtDate(d)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
}

/** `YYYY-MM-DD-HH:MM:SS` (OneFlow `Time stamp:`), UTC shifted by `tzHours`. */
export function fmtOneflowStamp(ms: number, tzHours: number): string {
  const d = new Date(ms + tzHours * 3_600_000);
  return `${fmtDate(d)}-${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
}

function fmtDate(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/**
 * A Unix time with 7 decimals (OneFlow prints `time.time()`, e.g. `1597933942.9863544`),
 * kept as whole seconds + ticks of 100 ns so that no precision is lost in JS numbers.
 */
export interface Tick7 {
  sec: number;
  ticks: number; // 0 ≤ ticks < 1e7
}

export const TICKS = 10_000_000;

export function addTicks(t: Tick7, ticks: number): Tick7 {
  const total = t.ticks + Math.round(ticks);
  const carry = Math.floor(total / TICKS);
  return { sec: t.sec + carry, ticks: total - carry * TICKS };
}

export const fmtTick7 = (t: Tick7): string => `${t.sec}.${pad(t.ticks, 7)}`;

/** The value Python's float() gives for the printed time (same IEEE-754 double as Number()). */
export const tick7Float = (t: Tick7): number => Number(fmtTick7(t));

export const tick7Ms = (t: Tick7): number => t.sec * 1000 + Math.floor(t.ticks / 10_000);

/** Python-compatible `'{}'.format(list)` for a list of strings: `['a', 'b']`. */
export const pyStrList = (xs: readonly string[]): string => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

/**
 * The arguments block Megatron-LM's `_print_args` writes (OneFlow's GPT trainer prints the same):
 * a banner, one `  name ..... value` line per argument (dots pad the name to 48 columns), sorted
 * case-insensitively, and a closing banner.
 */
export function megatronArgsBlock(args: Readonly<Record<string, string>>): string[] {
  const lines = Object.entries(args).map(([k, v]) => `  ${k} ${'.'.repeat(48 - k.length)} ${v}`);
  lines.sort((x, y) => (x.toLowerCase() < y.toLowerCase() ? -1 : x.toLowerCase() > y.toLowerCase() ? 1 : 0));
  return ['------------------------ arguments ------------------------', ...lines, '-------------------- end of arguments ---------------------'];
}

/** Whether the module whose `import.meta.url` this is was run as the script (`node … <file>`). */
export const isMainModule = (metaUrl: string): boolean =>
  process.argv[1] !== undefined && metaUrl === pathToFileURL(path.resolve(process.argv[1])).href;
