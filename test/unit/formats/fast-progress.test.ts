import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastProgressParsers, plainTail } from '../../../src/formats/fast-progress.ts';
import { formatById } from '../../../src/formats/registry.ts';
import { toArray, type IterRecord } from '../../../src/formats/types.ts';
import { unwrap } from '../../../src/formats/unwrap.ts';
import { nanLoss } from '../../../src/signals/nan-loss.ts';
import { randomLine, rng } from '../../helpers/dll-lines.ts';

// The byte parsers must give, for every line they accept, exactly the record the string path
// (unwrap → the format's parser) gives, and only for lines no progress-line detector reacts to.

const ids = Object.keys(fastProgressParsers);

/** Same keys in the same order, each value Object.is-equal (NaN, -0 and the last bit count). */
function sameRecord(a: IterRecord, b: unknown): string | null {
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  if (ka.join() !== kb.join()) return `keys ${ka.join()} vs ${kb.join()}`;
  for (const k of ka) if (!Object.is((a as unknown as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return `${k}: ${String((a as unknown as Record<string, unknown>)[k])} vs ${String((b as Record<string, unknown>)[k])}`;
  return null;
}

/** Checks one line for one format; returns whether the byte parser took it. */
function check(id: string, text: string): boolean {
  const bytes = Buffer.from(text);
  // The line inside a chunk, between other lines, as the splitter offers it.
  const chunk = Buffer.concat([Buffer.from('noise line\n'), bytes, Buffer.from('\nDLL 2020-01-01 00:00:00.000000 - next')]);
  const S = chunk.toString('latin1');
  const fast = fastProgressParsers[id]!(S, 11, 11 + bytes.length);
  const alone = fastProgressParsers[id]!(bytes.toString('latin1'), 0, bytes.length);
  expect(alone === undefined, `${id} alone vs in a chunk: ${JSON.stringify(text)}`).toBe(fast === undefined);
  if (fast === undefined) return false;
  const u = unwrap(text);
  const slow = toArray(formatById(id)!.createParser().parse(u.payload));
  expect(slow.length, `${id}: ${JSON.stringify(text)}`).toBe(1);
  expect(sameRecord(fast, slow[0]), `${id}: ${JSON.stringify(text)}`).toBeNull();
  expect(sameRecord(alone!, slow[0])).toBeNull();
  const ev = { node: 'n', file: 'f', offset: 0, lineNo: 1, text, time: 0 };
  expect(nanLoss.create().onLine(u, ev), `nan-loss would react: ${JSON.stringify(text)}`).toBeUndefined();
  return true;
}

describe('byte-level progress parsers vs the string path', () => {
  it('agree on every line of random mixes (every format, 20,000 lines each)', () => {
    for (const id of ids) {
      const r = rng(id.length * 7919);
      let taken = 0;
      let t = Date.UTC(2021, 2, 15, 23, 59, 30) * 1000;
      for (let i = 0; i < 20000; i++) {
        t += Math.floor(r() * 2e6);
        if (check(id, randomLine(r, 1 + Math.floor(r() * 5000), t))) taken++;
      }
      // The mix must exercise the byte path, not only the fallback.
      expect(taken, id).toBeGreaterThan(100);
    }
  });

  it('agree on every line of the real logs, and take the bulk of their progress lines', () => {
    const dir = '/work/shared/public-log-samples';
    const local = new URL('../../fixtures/signals/', import.meta.url).pathname;
    const files = [
      ...(() => {
        try {
          return readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => join(dir, f));
        } catch {
          return [];
        }
      })(),
      ...readdirSync(local).filter((f) => f.endsWith('.log')).map((f) => join(local, f)),
    ];
    const rates: Record<string, string> = {};
    for (const f of files) {
      for (const id of ids) {
        const fmt = formatById(id)!;
        let progress = 0;
        let taken = 0;
        for (const line of readFileSync(f, 'utf8').split('\n')) {
          const text = line.endsWith('\r') ? line.slice(0, -1) : line;
          const isIter = toArray(fmt.createParser().parse(unwrap(text).payload)).some((x) => x.kind === 'iter');
          if (isIter) progress++;
          if (check(id, text)) taken++;
        }
        if (progress > 0) rates[`${f.split('/').pop()} ${id}`] = `${taken}/${progress}`;
      }
    }
    // The NGC logs of the formats the byte path knows: nearly all of their progress lines go through it.
    for (const [k, v] of Object.entries(rates)) {
      const [taken, progress] = v.split('/').map(Number) as [number, number];
      if (/ngc-pytorch-rn50.*dllogger-pytorch|ngc-mxnet.*dllogger-mxnet|ngc-tf-bert.*dllogger-tf-bert|ngc-pytorch-bert-dll-1n8g.*dllogger-pytorch/.test(k)) expect(taken / progress, `${k}: ${v}`).toBeGreaterThan(0.9);
    }
  });

  it('read numbers exactly as Number() does', () => {
    const tpl = (v: string) => `DLL 2020-09-15 14:29:18.553769 - Epoch: 0 Iteration: 12  train.loss : ${v}  train.total_ips : ${v} img/s`;
    const values = ['0', '-0', '-0.0', '1e5', '2.5E-3', '.5', '5.', '+3', '00012', '-7.25', '0.1', '0.3', '123456789012345', '1234567890123456', '9007199254740993', '3.14159265358979323846', '6.67351', '10393.54', '1e400', '-', '.', '1.2.3'];
    let taken = 0;
    for (const v of values) if (check('dllogger-pytorch', tpl(v))) taken++;
    expect(taken).toBeGreaterThan(15);
  });

  it('read impossible stamps as the string path does, line after line (the minute cache must not mix them up)', () => {
    // Both paths take any two digits for a field (day 98, hour 96): the byte path's minute cache was
    // keyed day·1440 + minutes, and 2021-01-98 96:00 (5760 minutes) shared its key with 2021-02-02 00:00.
    for (const id of ids) {
      const step = id === 'dllogger-tf-rn50' ? '(0, 5)' : id === 'dllogger-tf-bert' ? 'Iteration: 5' : 'Epoch: 0 Iteration: 5';
      const tail = id.startsWith('dllogger-tf') ? ' total_ips : 100 throughput_train : 100 ' : id === 'dllogger-mxnet' ? ' train.loss : 1  train.ips : 100 images/s' : ' train.loss : 1  train.total_ips : 100 img/s';
      let taken = 0;
      for (const stamp of ['2021-01-98 96:00:00.000000', '2021-02-02 00:00:00.000000', '2021-02-01 24:00:00.000000', '2021-02-02 00:00:00.000001']) if (check(id, `DLL ${stamp} - ${step} ${tail}`)) taken++;
      expect(taken, id).toBe(4);
    }
  });

  it('plainTail refuses what unwrap or nan-loss would see', () => {
    const ok = (t: string) => plainTail(t, 0, t.length);
    expect(ok('  step_loss : 8.3  learning_rate : 0.003 ')).toBe(true);
    for (const bad of ['x nan', 'NaN', 'iNf', 'a\tb', 'a\rb', '\u001b[0m', '<stdout>', 'é']) expect(ok(Buffer.from(bad).toString('latin1')), bad).toBe(false);
  });
});
