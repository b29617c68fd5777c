import { fastDateTimeUs, parseDateTimeUs } from '../timestamps.ts';
import type { ClockRecord, MetaRecord } from '../types.ts';
import { normaliseModel } from './name-value-header.ts';

/**
 * The dllogger text backend's line (formats.md F4):
 * `DLL <YYYY-MM-DD HH:MM:SS.ffffff> - <step> <key> : <value>[ <unit>]  <key> : <value> …`
 * where <step> is PARAMETER, `Epoch: 0 Iteration: 12`, `Training Epoch: 0 Training Iteration: 22`,
 * `Iteration: 1`, a tuple `(0, 200)`, `Epoch: 0` (epoch summary), `Summary:` or nothing.
 */
export type DllStep =
  | { type: 'parameter' }
  | { type: 'iteration'; epoch?: number; iter: number; training?: boolean }
  | { type: 'tuple'; epoch: number; iter: number }
  | { type: 'epoch'; epoch: number }
  | { type: 'summary' }
  | { type: 'none' };

export interface DllLine {
  timeUs: number;
  step: DllStep;
  /** Text after the step, holding `key : value` pairs. */
  rest: string;
}

const HEAD = /DLL (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{1,6}) - /;

export function parseDllLine(payload: string): DllLine | undefined {
  const at = payload.indexOf('DLL ');
  if (at < 0) return undefined;
  let timeUs: number | undefined;
  let body: string;
  // Fast path: `DLL YYYY-MM-DD HH:MM:SS.ffffff - ` at fixed offsets.
  if (payload.charCodeAt(at + 30) === 32 && payload.charCodeAt(at + 31) === 45 && payload.charCodeAt(at + 32) === 32 && (timeUs = fastDateTimeUs(payload, at + 4)) !== undefined) {
    body = payload.slice(at + 33);
  } else {
    const h = HEAD.exec(at === 0 ? payload : payload.slice(at));
    if (!h) return undefined;
    timeUs = parseDateTimeUs(h[1]!);
    if (timeUs === undefined) return undefined;
    body = (at === 0 ? payload : payload.slice(at)).slice(h.index + h[0].length);
  }
  let m: RegExpExecArray | null;
  if (body.startsWith('PARAMETER ')) return { timeUs, step: { type: 'parameter' }, rest: body.slice(10) };
  if ((m = /^Training Epoch: (\d+) Training Iteration: (\d+) /.exec(body)))
    return { timeUs, step: { type: 'iteration', epoch: +m[1]!, iter: +m[2]!, training: true }, rest: body.slice(m[0].length) };
  if ((m = /^Epoch: (\d+) Iteration: (\d+) /.exec(body)))
    return { timeUs, step: { type: 'iteration', epoch: +m[1]!, iter: +m[2]! }, rest: body.slice(m[0].length) };
  if ((m = /^Iteration: (\d+) /.exec(body))) return { timeUs, step: { type: 'iteration', iter: +m[1]! }, rest: body.slice(m[0].length) };
  if ((m = /^\((\d+), (\d+)\) /.exec(body))) return { timeUs, step: { type: 'tuple', epoch: +m[1]!, iter: +m[2]! }, rest: body.slice(m[0].length) };
  if ((m = /^(?:Training )?Epoch: (\d+) /.exec(body))) return { timeUs, step: { type: 'epoch', epoch: +m[1]! }, rest: body.slice(m[0].length) };
  if (body.startsWith('Summary:')) return { timeUs, step: { type: 'summary' }, rest: body.slice(8) };
  return { timeUs, step: { type: 'none' }, rest: body };
}

const KV = /([A-Za-z_][\w.]*) : (\S*)(?: ([A-Za-z/]+)(?! :))?(?=\s|$)/g;

/** The value of one `key : value` pair, found without building the whole map (hot path). */
export function dllValue(rest: string, key: string): string | undefined {
  let i = rest.indexOf(key + ' : ');
  // The key must start a pair: preceded by a space (or the start).
  while (i > 0 && rest.charCodeAt(i - 1) !== 32) i = rest.indexOf(key + ' : ', i + 1);
  if (i < 0) return undefined;
  const start = i + key.length + 3;
  let end = rest.indexOf(' ', start);
  if (end < 0) end = rest.length;
  return rest.slice(start, end);
}

/** `key : value [unit]` pairs, in order. Values stay strings (units dropped). */
export function dllPairs(rest: string): Map<string, string> {
  const out = new Map<string, string>();
  KV.lastIndex = 0;
  for (let m = KV.exec(rest); m; m = KV.exec(rest)) out.set(m[1]!, m[2]!);
  return out;
}

/** Run identity from a PARAMETER line (several keys across NGC versions). */
export function dllParameterFields(pairs: Map<string, string>): Record<string, number | string> {
  const f: Record<string, number | string> = {};
  const num = (k: string) => {
    const v = pairs.get(k);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const bs = num('batch_size') ?? num('batch_size_per_gpu') ?? num('train_batch_size');
  if (bs !== undefined) f['batch_size_per_device'] = bs;
  const ws = num('world_size');
  if (ws !== undefined) f['world_size'] = ws;
  const arch = pairs.get('arch');
  if (arch && arch !== 'None') f['model'] = arch;
  const truthy = (k: string) => /^true$/i.test(pairs.get(k) ?? '');
  const falsy = (k: string) => /^false$/i.test(pairs.get(k) ?? '');
  if (truthy('amp') || truthy('fp16') || truthy('use_amp') || truthy('use_fp16')) f['precision'] = 'amp';
  else if (falsy('amp') && !truthy('fp16')) f['precision'] = 'fp32';
  const prec = pairs.get('precision');
  if (prec && /^(fp16|amp|mixed|fp32|tf32|bf16)$/i.test(prec)) f['precision'] = prec.toLowerCase();
  return f;
}

/**
 * The record of a PARAMETER line: its run identity (`adjust` adds what one framework's keys say,
 * before the model name is normalised), or only its clock when it names nothing we use.
 */
export function dllParameterRecord(d: DllLine, adjust?: (fields: Record<string, number | string>, pairs: Map<string, string>) => void): MetaRecord | ClockRecord {
  const kv = dllPairs(d.rest);
  const f = dllParameterFields(kv);
  adjust?.(f, kv);
  if (typeof f['model'] === 'string') f['model'] = normaliseModel(f['model']);
  return Object.keys(f).length ? { kind: 'meta', fields: f } : { kind: 'clock', time: d.timeUs / 1e6 };
}
