/**
 * `nccl_error`: NCCL or the collective layer above it reported a failure
 * (spec/formats.md §4.5 and the watchdog / rendezvous rows of §5).
 *
 * - every `NCCL WARN` line (confirmed, except a few WARNs that only say IB is unavailable,
 *   which are suspected: `Failed to open libibverbs`, `Could not find any optimal provider`);
 * - `NCCL error` (PyTorch `NCCL error in: …, unhandled system error`), `ncclSystemError`,
 *   `ncclInternalError`, `ncclRemoteError`…, `unhandled system error`, `NCCL ERROR`;
 * - PyTorch ProcessGroupNCCL watchdog timeouts (torch 1.x `[E ProcessGroupNCCL.cpp:737] …` and
 *   2.x `[rank0]:[E321 …] … Watchdog caught collective operation timeout`);
 * - connection failures in NCCL/c10d/gloo context (`Connection refused|reset by peer|closed by
 *   remote peer|timed out`, `[c10d] The client socket has failed to connect`, which is suspected
 *   because c10d retries, `RendezvousConnectionError`).
 * `NCCL INFO` lines are never flagged (not `NET/IB : No device found`, not `Failed to initialize
 * NET plugin IB`, not bootstrap `Connection refused, retrying`); `NCCL INFO file.cc:123 -> N`
 * error-trail lines are attached to the preceding WARN from the same file.
 */
import type { Flag, LineEvent } from '../core/types.ts';
import type { UnwrappedLine } from '../formats/unwrap.ts';
import { addNote, type Confidence, type Finding, FindingBook, foldKey } from './evidence.ts';
import { NCCL_RESULTS, parseNcclLine } from './nccl-line.ts';
import type { LineDetector, LineDetectorFactory } from './types.ts';

const BENIGN_WARN = /Failed to open libibverbs|Could not find any optimal provider/;
const TRAIL = /^(\S+:\d+) -> (\d+)\b/;
const RESULT_ERROR = /\bnccl(?:System|Internal|Remote|UnhandledCuda|InvalidUsage|InvalidArgument)Error\b|unhandled (?:system|cuda) error|\bNCCL (?:error|ERROR)\b/;
/** The ncclResult_t class a line names, so PyTorch's `NCCL error in: …` and `ncclXxxError: …` fold together. */
const RESULT_CLASS: ReadonlyArray<[string, RegExp]> = [
  ['system', /ncclSystemError|unhandled system error/],
  ['cuda', /ncclUnhandledCudaError|unhandled cuda error/],
  ['remote', /ncclRemoteError|remote process exited or there was a network error/],
  ['internal', /ncclInternalError|internal error/],
  ['usage', /ncclInvalidUsage|invalid usage/],
  ['argument', /ncclInvalidArgument|invalid argument/],
];
const WATCHDOG =
  /Watchdog caught collective operation timeout|detected by watchdog|Some NCCL operations have failed or timed out|NCCL watchdog thread terminated/;
const CONNECTION =
  /Connection refused|Connection reset by peer|Connection closed by remote peer|Connection timed out|connection to the C10d store has failed|client socket has (?:failed to connect|timed out)/;
const CONNECTION_CONTEXT = /NCCL|nccl|c10d|C10d|gloo|pair\.cc|socketProgress|ProcessGroup|TCPStore|[Rr]endezvous|torch\.distributed/;

const DESCRIBE: Readonly<Record<string, string>> = {
  warn: 'NCCL warning',
  result: 'NCCL call failed',
  watchdog: 'collective timed out (NCCL watchdog)',
  connection: 'connection failure between ranks',
};

function category(key: string): string {
  const i = key.indexOf(':');
  return i < 0 ? key : key.slice(0, i);
}

/** Cheap gate: every signature contains one of these. */
const GATE = /NCCL|nccl|atchdog|unhandled|onnect|C10d/;

export class NcclErrorDetector implements LineDetector {
  private readonly book = new FindingBook('nccl_error', 8);
  /** Last WARN finding per file, for `-> N` trail lines. */
  private lastWarn: Map<string, Finding> | null = null;

  /** The last payload known to do nothing here (see onLine). */
  private quiet: string | null = null;

  onLine(line: UnwrappedLine, ev: LineEvent): Flag[] | undefined {
    const p = line.payload;
    // An INFO line without an error trail does nothing, whatever came before: its text repeated
    // (NCCL prints the same INFO line thousands of times) is skipped at once.
    if (p === this.quiet || !GATE.test(p)) return undefined;
    if (p.includes('NCCL')) {
      const nccl = parseNcclLine(p);
      if (nccl?.level === 'INFO') {
        const t = TRAIL.exec(nccl.message);
        if (!t) this.quiet = p;
        const warn = t ? this.lastWarn?.get(ev.file) : undefined;
        if (t && warn) addNote(warn, `${t[1]} -> ${t[2]} (${NCCL_RESULTS[t[2]!] ?? 'error'})`);
        return undefined;
      }
      if (nccl) {
        const confidence = BENIGN_WARN.test(nccl.message) ? 'suspected' : 'confirmed';
        return this.raise(`warn:${foldKey(nccl.message)}`, p, ev, confidence, true);
      }
    }
    if (p.includes('atchdog') || p.includes('Some NCCL operations')) {
      if (WATCHDOG.test(p)) return this.raise('watchdog', p, ev, 'confirmed');
    }
    if (p.includes('NCCL') || p.includes('nccl') || p.includes('unhandled')) {
      if (RESULT_ERROR.test(p)) {
        const cls = RESULT_CLASS.find(([, re]) => re.test(p))?.[0] ?? foldKey(p, 80);
        return this.raise(`result:${cls}`, p, ev, 'confirmed');
      }
    }
    if (p.includes('onnect') || p.includes('C10d')) {
      const m = CONNECTION.exec(p);
      if (m && CONNECTION_CONTEXT.test(p)) {
        const confidence = m[0] === 'client socket has failed to connect' ? 'suspected' : 'confirmed';
        return this.raise(`connection:${m[0]}`, p, ev, confidence);
      }
    }
    return undefined;
  }

  evaluate(): Flag[] {
    return this.book.findings().map((f) => this.book.flag(f, DESCRIBE[category(f.key)]));
  }

  private raise(key: string, p: string, ev: LineEvent, confidence: Confidence, isWarn = false): Flag[] | undefined {
    const r = this.book.note(key, p, ev, confidence);
    if (!r) return undefined;
    if (isWarn) (this.lastWarn ??= new Map()).set(ev.file, r.finding);
    if (!r.isNew) return undefined;
    return [this.book.flag(r.finding, DESCRIBE[category(key)])];
  }
}

export const ncclError: LineDetectorFactory = {
  id: 'nccl-error',
  create: () => new NcclErrorDetector(),
};
