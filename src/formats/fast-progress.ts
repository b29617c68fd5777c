/**
 * Byte-level parsers for the progress lines of the dllogger formats (the bulk of DLPerf archives),
 * used by summary once a file's format is locked (pipeline/byte-feed.ts). They read a line where
 * it lies in its chunk, `S[s, e)` with `S` the chunk decoded as latin1 (char i = byte i, one
 * decode per chunk instead of a string per line), by char code, with no per-line string.
 *
 * Contract: a parser returns a record only when it can prove that the string path
 * (`unwrap` → `format.createParser().parse` → the detectors) would make exactly this record of
 * the line and nothing else: every byte of the line is accounted for by a strict grammar (so the
 * line is printable ASCII, holds no escape, `\r`, `<std` tag other than a leading Open MPI one,
 * and no `nan`/`inf` in any case, the only thing the detectors that read progress lines look
 * for). Anything else (another field order, a non-ASCII byte, a value that is not a plain number,
 * a PARAMETER line) returns undefined and takes the string path. Numbers are converted exactly as
 * `Number(text)` does (test/unit/formats/fast-progress*.test.ts compares both paths record by
 * record on random lines).
 */

import type { IterRecord } from './types.ts';

/**
 * Parses the line `S[s, e)`; undefined: not provably a plain progress line, use the string path.
 * `B`, `d`: where the caller has the bytes S was decoded from, `B[i + d] === S.charCodeAt(i)`.
 */
export type FastProgressParser = (S: string, s: number, e: number, B?: Uint8Array, d?: number) => IterRecord | undefined;

import { C_LT, C_SPACE, ctimeAt, digitsEnd, isDigit, lower, numTok, numTokB, plainTail, tokEnd, uint, uintB, upper } from './fast-chars.ts';

export { plainTail };


/**
 * Where the payload `DLL …` starts: at `s`, or after a leading Open MPI tag `[1,0]<stdout>:`
 * (optionally after its ctime), which unwrap strips. -1 for anything else.
 */
function dllStart(S: string, s: number, e: number): number {
  if (S.startsWith('DLL ', s)) return s;
  let p = s;
  if (e - p > 24 && ctimeAt(S, p)) p += 24;
  if (S.charCodeAt(p) !== 91) return -1;
  uint(S, p + 1, e);
  if (digitsEnd === p + 1 || S.charCodeAt(digitsEnd) !== 44) return -1;
  p = digitsEnd + 1;
  uint(S, p, e);
  if (digitsEnd === p || !S.startsWith(']<std', digitsEnd)) return -1;
  p = digitsEnd + 5;
  if (!S.startsWith('out>:DLL ', p) && !S.startsWith('err>:DLL ', p)) return -1;
  return p + 5;
}

/** The DLL head and step of a line, as parseDllLine reads them. Reused (single-threaded, consumed at once). */
interface Head {
  timeUs: number;
  /** 0: `Epoch: E Iteration: I`, 1: `Training Epoch: E Training Iteration: I`, 2: `Iteration: I`, 3: `(E, I)`. */
  step: number;
  epoch: number;
  iter: number;
  /** Index of the rest (after the step and its single space). */
  rest: number;
}
const head: Head = { timeUs: 0, step: 0, epoch: 0, iter: 0, rest: 0 };

/** 1 when the char at i is not a digit. */
const nd = (S: string, i: number): number => ((S.charCodeAt(i) - 48) >>> 0 > 9 ? 1 : 0);

/** `YYYY-MM-DD HH:MM:SS.ffffff` at `t`, every char checked; then stampUs. -1 when not that shape. */
function checkedStampUs(S: string, t: number): number {
  if (
    S.charCodeAt(t + 4) !== 45 || S.charCodeAt(t + 7) !== 45 || S.charCodeAt(t + 10) !== C_SPACE || S.charCodeAt(t + 13) !== 58 || S.charCodeAt(t + 16) !== 58 || S.charCodeAt(t + 19) !== 46 ||
    (nd(S, t) | nd(S, t + 1) | nd(S, t + 2) | nd(S, t + 3) | nd(S, t + 5) | nd(S, t + 6) | nd(S, t + 8) | nd(S, t + 9) |
      nd(S, t + 11) | nd(S, t + 12) | nd(S, t + 14) | nd(S, t + 15) | nd(S, t + 17) | nd(S, t + 18) |
      nd(S, t + 20) | nd(S, t + 21) | nd(S, t + 22) | nd(S, t + 23) | nd(S, t + 24) | nd(S, t + 25)) !== 0
  ) return -1;
  return stampUs(S, t);
}

let dayKey = -1;
let dayMs = 0;
let minuteKey = -1;
let minuteMs = 0;

/**
 * A checked `YYYY-MM-DD HH:MM:SS.ffffff` at `t` in whole microseconds, exactly as fastDateTimeUs
 * computes it: the same integers (all exact below 2^53), the start of the day and of the minute
 * cached (consecutive lines mostly share them). Char codes are summed with their '0' offsets
 * taken out at the end (48·11 = 528, 48·1111 = 53328, 48·111111 = 5333328). The minute's key is
 * day·10^4 + minutes: both paths take any two digits an hour (`96:00` is 5760 minutes, up to 6039),
 * and day·1440 + minutes gave 2021-01-98 96:00 and 2021-02-02 00:00 one key (one cached minute).
 */
function stampUs(S: string, t: number): number {
  const y = ((S.charCodeAt(t) * 10 + S.charCodeAt(t + 1)) * 10 + S.charCodeAt(t + 2)) * 10 + S.charCodeAt(t + 3) - 53328;
  const mo = S.charCodeAt(t + 5) * 10 + S.charCodeAt(t + 6) - 528;
  const dd = S.charCodeAt(t + 8) * 10 + S.charCodeAt(t + 9) - 528;
  const hm = (S.charCodeAt(t + 11) * 10 + S.charCodeAt(t + 12) - 528) * 60 + S.charCodeAt(t + 14) * 10 + S.charCodeAt(t + 15) - 528;
  const day = (y * 100 + mo) * 100 + dd;
  const key = day * 10000 + hm;
  if (key !== minuteKey) {
    if (day !== dayKey) {
      const ms = Date.UTC(y, mo - 1, dd);
      if (Number.isNaN(ms)) return -1;
      dayKey = day;
      dayMs = ms;
    }
    minuteKey = key;
    minuteMs = dayMs + hm * 60000;
  }
  const se = S.charCodeAt(t + 17) * 10 + S.charCodeAt(t + 18) - 528;
  const frac = ((((S.charCodeAt(t + 20) * 10 + S.charCodeAt(t + 21)) * 10 + S.charCodeAt(t + 22)) * 10 + S.charCodeAt(t + 23)) * 10 + S.charCodeAt(t + 24)) * 10 + S.charCodeAt(t + 25) - 5333328;
  return (minuteMs + se * 1000) * 1000 + frac;
}

/** stampUs over bytes (see rn50): the same integers, the same caches. */
function stampUsB(B: Uint8Array, t: number): number {
  const y = ((B[t]! * 10 + B[t + 1]!) * 10 + B[t + 2]!) * 10 + B[t + 3]! - 53328;
  const mo = B[t + 5]! * 10 + B[t + 6]! - 528;
  const dd = B[t + 8]! * 10 + B[t + 9]! - 528;
  const hm = (B[t + 11]! * 10 + B[t + 12]! - 528) * 60 + B[t + 14]! * 10 + B[t + 15]! - 528;
  const day = (y * 100 + mo) * 100 + dd;
  const key = day * 10000 + hm;
  if (key !== minuteKey) {
    if (day !== dayKey) {
      const ms = Date.UTC(y, mo - 1, dd);
      if (Number.isNaN(ms)) return -1;
      dayKey = day;
      dayMs = ms;
    }
    minuteKey = key;
    minuteMs = dayMs + hm * 60000;
  }
  const se = B[t + 17]! * 10 + B[t + 18]! - 528;
  const frac = ((((B[t + 20]! * 10 + B[t + 21]!) * 10 + B[t + 22]!) * 10 + B[t + 23]!) * 10 + B[t + 24]!) * 10 + B[t + 25]! - 5333328;
  return (minuteMs + se * 1000) * 1000 + frac;
}

/** `DLL YYYY-MM-DD HH:MM:SS.ffffff - <step> ` at the payload start `p`; false when not exactly that. */
function readHead(S: string, p: number, e: number): boolean {
  if (e - p < 34 || S.charCodeAt(p + 34 - 4) !== C_SPACE || S.charCodeAt(p + 31) !== 45 || S.charCodeAt(p + 32) !== C_SPACE) return false;
  const us = checkedStampUs(S, p + 4);
  if (us < 0) return false;
  head.timeUs = us;
  let b = p + 33;
  let training = false;
  if (S.startsWith('Training Epoch: ', b)) {
    b += 16;
    training = true;
  } else if (S.startsWith('Epoch: ', b)) b += 7;
  else if (S.startsWith('Iteration: ', b)) {
    head.step = 2;
    head.epoch = NaN;
    head.iter = uint(S, b + 11, e);
    if (Number.isNaN(head.iter) || S.charCodeAt(digitsEnd) !== C_SPACE) return false;
    head.rest = digitsEnd + 1;
    return head.rest <= e;
  } else if (S.charCodeAt(b) === 40) {
    head.step = 3;
    head.epoch = uint(S, b + 1, e);
    if (Number.isNaN(head.epoch) || !S.startsWith(', ', digitsEnd)) return false;
    head.iter = uint(S, digitsEnd + 2, e);
    if (Number.isNaN(head.iter) || !S.startsWith(') ', digitsEnd)) return false;
    head.rest = digitsEnd + 2;
    return head.rest <= e;
  } else return false;
  head.step = training ? 1 : 0;
  head.epoch = uint(S, b, e);
  if (Number.isNaN(head.epoch)) return false;
  const lit = training ? ' Training Iteration: ' : ' Iteration: ';
  if (!S.startsWith(lit, digitsEnd)) return false;
  head.iter = uint(S, digitsEnd + lit.length, e);
  if (Number.isNaN(head.iter) || S.charCodeAt(digitsEnd) !== C_SPACE) return false;
  head.rest = digitsEnd + 1;
  return head.rest <= e;
}

function iterRecord(h: Head): IterRecord {
  return { kind: 'iter', iter: h.iter, timeUs: h.timeUs, time: h.timeUs / 1e6 };
}

/** Non-negative seconds as the PyTorch parser's `seconds()` reads them. */
function seconds(v: number): number | undefined {
  return v >= 0 ? v : undefined;
}

/**
 * dllogger-pytorch: ResNet50 `… Iteration: I  train.loss : L  train.total_ips : T img/s[  train.data_time : D s
 * train.compute_time : C s]` exactly, and BERT `… Training Iteration: I  average_loss : L …` (rest checked plain).
 */
const NUM = '[-+.\\deE]+';
/**
 * The whole NGC PyTorch ResNet50 progress line (after an optional Open MPI tag), checked natively
 * in one sticky test: irregexp validates the ~110 chars several times faster than a char-code loop.
 */
const RN50_LINE = new RegExp(
  '(?:(?:[A-Z][a-z]{2} [A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4})?\\[\\d+,\\d+\\]<std(?:out|err)>:)?' +
    'DLL \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} - (?:Epoch: \\d+ Iteration: |Training Epoch: \\d+ Training Iteration: |Iteration: )\\d+ ' +
    ` train\\.loss : ${NUM}  train\\.total_ips : ${NUM} img/s(?:  train\\.data_time : ${NUM} s  train\\.compute_time : ${NUM} s)?`,
  'y',
);

/**
 * A line RN50_LINE accepted: every char is known, only the fields are read (same records as below),
 * from the bytes: `B[i + d]` is `S.charCodeAt(i)` (the chunk the window was decoded from, or the
 * line's own latin1 bytes).
 */
function rn50(S: string, s: number, e: number, B: Uint8Array, d: number): IterRecord | undefined {
  const p = (S.charCodeAt(s) === 68 && S.charCodeAt(s + 1) === 76 ? s : S.indexOf(':DLL ', s) + 1) + d;
  e += d;
  const us = stampUsB(B, p + 4);
  if (us < 0) return undefined;
  let b = p + 33;
  let step: number;
  let epoch = 0;
  const c = B[b];
  if (c === 73 /* I */) {
    step = 2;
    b += 11;
  } else {
    step = c === 84 /* T */ ? 1 : 0;
    epoch = uintB(B, step === 1 ? b + 16 : b + 7, e, S, d);
    b = digitsEnd + (step === 1 ? 21 : 12);
  }
  const iter = uintB(B, b, e, S, d);
  const loss = numTokB(B, digitsEnd + 15, e, S, d);
  const ips = numTokB(B, tokEnd + 20, e, S, d);
  let rec: IterRecord;
  // Built whole in the common case (same keys, same order as the string path's record).
  if (step !== 2 && Number.isFinite(ips)) rec = { kind: 'iter', iter, timeUs: us, time: us / 1e6, epoch, loss, throughput: ips };
  else {
    rec = { kind: 'iter', iter, timeUs: us, time: us / 1e6 };
    if (step !== 2) rec.epoch = epoch;
    rec.loss = loss;
    // As the string path: a printed value that is not a possible number is kept (the run model flags it).
    rec.throughput = ips;
  }
  if (tokEnd + 6 !== e) {
    const data = numTokB(B, tokEnd + 26, e, S, d);
    const cs = seconds(numTokB(B, tokEnd + 25, e, S, d));
    if (cs !== undefined) {
      rec.computeS = cs;
      const dt = seconds(data);
      if (dt !== undefined) rec.dataS = dt;
    }
  }
  return rec;
}

const pytorch: FastProgressParser = (S, s, e, B, d) => {
  RN50_LINE.lastIndex = s;
  if (RN50_LINE.test(S) && RN50_LINE.lastIndex === e) return B ? rn50(S, s, e, B, d!) : rn50(S, s, e, Buffer.from(S.slice(s, e), 'latin1'), -s);
  const p = dllStart(S, s, e);
  if (p < 0 || !readHead(S, p, e) || head.step !== 1) return undefined;
  const r = head.rest;
  if (S.startsWith(' average_loss : ', r)) {
    const loss = numTok(S, r + 16, e);
    if (tokEnd < 0 || !plainTail(S, tokEnd, e)) return undefined;
    const rec = iterRecord(head);
    rec.epoch = head.epoch;
    rec.loss = loss;
    return rec;
  }
  return undefined;
};

/** Value spans of the keys a parser reads, from the strict `key : value[ unit]` scan (last one wins, as in a Map). */
const spans = new Int32Array(8);

/**
 * Scans `S[a, e)` as dllPairs' regex reads it, strictly: `key : value[ unit]` pairs separated by
 * spaces, nothing else. Records the value span of `keys[k]` at spans[2k], spans[2k+1] (-1: absent).
 * False when the text is anything but such pairs (the string path then decides).
 */
function scanPairs(S: string, a: number, e: number, keys: readonly string[]): boolean {
  spans.fill(-1);
  let i = a;
  for (;;) {
    while (i < e && S.charCodeAt(i) === C_SPACE) i++;
    if (i >= e) return true;
    const k0 = i;
    let c = S.charCodeAt(i);
    if (!(upper(c) || lower(c) || c === 95)) return false;
    for (i++; i < e; i++) {
      c = S.charCodeAt(i);
      if (!(upper(c) || lower(c) || isDigit(c) || c === 95 || c === 46)) break;
    }
    const k1 = i;
    if (!S.startsWith(' : ', k1) || k1 + 3 > e) return false;
    const v0 = k1 + 3;
    for (i = v0; i < e; i++) {
      c = S.charCodeAt(i);
      if (c === C_SPACE) break;
      if (c < 0x21 || c > 0x7e || c === C_LT) return false;
    }
    if (i === v0) return false;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (k1 - k0 === key.length && S.startsWith(key, k0)) {
        spans[2 * k] = v0;
        spans[2 * k + 1] = i;
      }
    }
    // Optional unit: one space, letters and '/', then a space or the end, and not a key (`unit :`).
    if (i + 1 < e && S.charCodeAt(i) === C_SPACE) {
      let j = i + 1;
      while (j < e && (upper((c = S.charCodeAt(j))) || lower(c) || c === 47)) j++;
      if (j > i + 1 && (j === e || (S.charCodeAt(j) === C_SPACE && (j + 1 >= e || S.charCodeAt(j + 1) !== 58)))) i = j;
    }
  }
}

/** `Number(value)` of a pair's value S[a, b) (any non-space token). */
function pairNumber(S: string, a: number, b: number): number {
  const v = numTok(S, a, b);
  return tokEnd === b ? v : Number(S.slice(a, b));
}

const TF_KEYS = ['total_ips', 'imgs_per_sec', 'throughput_train', 'total_loss'] as const;

/** dllogger-tf-rn50 / dllogger-tf-bert: `(E, I) total_ips : …` and `Iteration: I  throughput_train : …`. */
const tensorflow: FastProgressParser = (S, s, e) => {
  const p = dllStart(S, s, e);
  if (p < 0 || !readHead(S, p, e) || (head.step !== 3 && head.step !== 2)) return undefined;
  const r = head.rest;
  if (!scanPairs(S, r, e, TF_KEYS) || !plainTail(S, r, e)) return undefined;
  const k = spans[0]! >= 0 ? 0 : spans[2]! >= 0 ? 1 : spans[4]! >= 0 ? 2 : -1;
  if (k < 0) return undefined;
  const v = pairNumber(S, spans[2 * k]!, spans[2 * k + 1]!);
  if (!Number.isFinite(v)) return undefined;
  const rec = iterRecord(head);
  rec.throughput = v;
  if (head.step === 3) rec.epoch = head.epoch;
  if (spans[6]! >= 0) rec.loss = pairNumber(S, spans[6]!, spans[7]!);
  return rec;
};

const MX_KEYS = ['train.ips', 'train.loss'] as const;

/** dllogger-mxnet: `Epoch: E Iteration: I  train.loss : …  train.ips : … images/s …`. */
const mxnet: FastProgressParser = (S, s, e) => {
  const p = dllStart(S, s, e);
  if (p < 0 || !readHead(S, p, e) || head.step === 3) return undefined;
  const r = head.rest;
  if (!scanPairs(S, r, e, MX_KEYS) || !plainTail(S, r, e) || spans[0]! < 0) return undefined;
  const ips = pairNumber(S, spans[0]!, spans[1]!);
  if (!Number.isFinite(ips)) return undefined;
  const rec = iterRecord(head);
  rec.throughput = ips;
  if (head.step !== 2) rec.epoch = head.epoch;
  if (spans[2]! >= 0) rec.loss = pairNumber(S, spans[2]!, spans[3]!);
  return rec;
};

/** Byte-level parsers by format id (formats without one always take the string path). */
export const fastProgressParsers: Readonly<Record<string, FastProgressParser>> = {
  'dllogger-pytorch': pytorch,
  'dllogger-tf-rn50': tensorflow,
  'dllogger-tf-bert': tensorflow,
  'dllogger-mxnet': mxnet,
};
