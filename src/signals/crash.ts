/**
 * `crashed`: a process of the run died (spec/formats.md §5).
 *
 * Process-level deaths are confirmed: torch elastic `ChildFailedError` / `failed (exitcode: -9)` /
 * `Signal 9 (SIGKILL) received by PID`, a bare shell `Killed`, `Segmentation fault`, `core dumped`,
 * `*** Process received signal ***`, C++ `terminate called after throwing…`, glog `*** Check failure
 * stack trace ***`, Open MPI `MPI_ABORT was invoked on rank`, `Primary job  terminated normally, but 1
 * process returned a non-zero exit code`, `mpirun noticed that process rank … exited on signal`, and
 * DeepSpeed's launcher `sigkill_handler] Killing subprocess`.
 *
 * A Python traceback is only suspected: the detector sees lines, not whether training went on
 * afterwards, so the run model must drop or downgrade the flag when iterations continue after its
 * `line`/`time`. Its evidence is the exception line that ends the traceback (`RuntimeError: …`);
 * tracebacks are followed per stream (node, file, rank — `[rank3]:` prefixes included), chained
 * tracebacks fold into the first, `Exception ignored in: …` tracebacks are skipped, and one that
 * has no exception line within {@link MAX_TRACEBACK_LINES} lines keeps the `Traceback` line.
 */
import type { Flag, LineEvent } from '../core/types.ts';
import type { UnwrappedLine } from '../formats/unwrap.ts';
import { addNote, type Confidence, type Finding, FindingBook, flagOf, foldKey, sightingOf, type Sighting } from './evidence.ts';
import type { LineDetector, LineDetectorFactory } from './types.ts';

/** Lines of one stream a traceback may span before we stop waiting for its exception line. */
export const MAX_TRACEBACK_LINES = 200;

/**
 * Cheap gate: every signature below contains one of `Traceback`, `Exception ignored`, `During
 * handling`, `The above exception`, `ChildFailedError`, `exitcode`, `received by PID`, `Killed`,
 * `Segmentation fault`, `core dumped`, `*** `, `Fatal Python`, `terminate called`, `MPI_ABORT`,
 * `Primary job`, `mpirun `, `sigkill_handler`. Written as first letter + rest, which V8 runs
 * about twice as fast as the plain alternation (it may pass a few extra lines; that is fine).
 */
const GATE =
  /[TEDCerKSc*FtMPms](?:raceback|xception ignored|uring handling|he above exception|hildFailedError|xitcode|eceived by PID|illed|egmentation fault|ore dumped|\*\* |atal Python|erminate called|PI_ABORT|rimary job|pirun |igkill_handler)/;

/** Process-level signatures, checked in order; the first that matches names the finding. */
const PROCESS: ReadonlyArray<{ key: string; re: RegExp; text: string }> = [
  {
    key: 'mpi',
    re: /MPI_ABORT was invoked on rank|Primary job\s+terminated normally, but \d+ process(?:es)? returned|mpirun noticed that process rank \d+.* exited on signal|mpirun detected that one or more processes exited with non-zero status/,
    text: 'Open MPI job aborted',
  },
  {
    key: 'elastic',
    re: /ChildFailedError|failed \(exitcode: -?[1-9]\d*\)|Signal \d+ \(SIG\w+\) received by PID/,
    text: 'torch elastic: a worker process failed',
  },
  { key: 'deepspeed', re: /sigkill_handler\]/, text: 'DeepSpeed launcher killed its workers' },
  { key: 'killed', re: /^\s*Killed(?:\s|$)|: line \d+:\s+\d+\s+Killed\b/, text: 'process killed (SIGKILL, often the host OOM killer)' },
  {
    key: 'signal',
    re: /Segmentation fault|core dumped|\*\*\* Process received signal \*\*\*|\*\*\* (?:SIGSEGV|SIGABRT|SIGBUS|SIGFPE|SIGILL)\b|Fatal Python error/,
    text: 'process died on a signal',
  },
  {
    key: 'abort',
    re: /terminate called after throwing an instance of|\*\*\* Check failure stack trace/,
    text: 'native abort (uncaught C++ exception / failed CHECK)',
  },
];

const RANK_PREFIX = /^\[rank(\d+)\]:\s?/;
const EXC_LINE = /^(?:[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Failure)|StopIteration|GeneratorExit)(?::|\s*$)/;
const CHAIN = /^(?:During handling of the above exception|The above exception was the direct cause)/;
const MAX_OPEN_PER_STREAM = 64;

interface OpenTraceback {
  start: Sighting;
  lines: number;
  ignored: boolean;
  chainTo?: Finding;
}

interface StreamState {
  open: OpenTraceback[];
  /** The last traceback finding that ended here, and where, for chained tracebacks. */
  ended?: { finding: Finding | undefined; lineNo: number };
  chainTo?: Finding | undefined;
  chainPending: boolean;
  ignoredAt?: number;
}

const NONE: ReadonlyMap<never, never> = new Map<never, never>();
const DESCRIBE = new Map(PROCESS.map((p) => [p.key, p.text]));

export class CrashDetector implements LineDetector {
  private readonly book = new FindingBook('crashed', 8);
  /** Maps made on first use (most runs never need them; empty Maps add up over 100k runs). */
  private streamMap: Map<string, StreamState> | null = null;
  private get streams(): ReadonlyMap<string, StreamState> {
    return this.streamMap ?? NONE;
  }
  private openCount = 0;
  private startMap: Map<Finding, Sighting> | null = null;

  /** The last text (after a rank prefix) that failed GATE. */
  private gateMiss: string | null = null;

  onLine(line: UnwrappedLine, ev: LineEvent): Flag[] | undefined {
    const payload = line.payload;
    let p = payload;
    let rank = line.rank;
    if (p.startsWith('[rank')) {
      const m = RANK_PREFIX.exec(p);
      if (m) {
        rank ??= Number(m[1]);
        p = p.slice(m[0].length);
      }
    }
    if (this.openCount > 0) {
      const st = this.streams.get(streamKey(ev, rank));
      if (st && st.open.length > 0) {
        const out = this.inTraceback(st, p, payload, ev);
        if (out !== 'continue') return out;
        // Traceback body (`  File …`, source lines) never names a process death itself.
        if (p.startsWith(' ')) return undefined;
      }
    }
    // GATE reads the text alone: the text that failed it last time fails it again (repeated lines).
    if (p === this.gateMiss) return undefined;
    if (!GATE.test(p)) {
      this.gateMiss = p;
      return undefined;
    }
    if (p.includes('Traceback (most recent call last)')) {
      this.startTraceback(this.stream(streamKey(ev, rank)), payload, ev);
      return undefined;
    }
    if (p.startsWith('Exception ignored in')) {
      this.stream(streamKey(ev, rank)).ignoredAt = ev.lineNo;
      return undefined;
    }
    if (CHAIN.test(p)) {
      const st = this.streams.get(streamKey(ev, rank));
      if (st?.ended && ev.lineNo - st.ended.lineNo <= 4) {
        st.chainPending = true;
        st.chainTo = st.ended.finding;
      }
      return undefined;
    }
    for (const sig of PROCESS) {
      if (sig.re.test(p)) return this.raise(sig.key, payload, ev, 'confirmed', sig.text);
    }
    return undefined;
  }

  evaluate(): Flag[] {
    const flags = this.book.findings().map((f) => this.book.flag(f, this.describe(f)));
    for (const st of this.streams.values()) {
      const tb = st.open.find((t) => !t.ignored && !t.chainTo);
      if (tb) flags.push(flagOf('crashed', tb.start, 'suspected', 'Python traceback with no exception line (yet)'));
    }
    return flags;
  }

  private describe(f: Finding): string {
    const start = this.startMap?.get(f);
    if (!f.key.startsWith('traceback:')) return DESCRIBE.get(f.key) ?? 'crash';
    if (!start) return 'Python traceback with no exception line: a crash unless training went on afterwards';
    return `Python traceback from line ${start.line}: a crash unless training went on afterwards`;
  }

  private stream(key: string): StreamState {
    let st = this.streams.get(key);
    if (!st) {
      st = { open: [], chainPending: false };
      (this.streamMap ??= new Map()).set(key, st);
    }
    return st;
  }

  private startTraceback(st: StreamState, p: string, ev: LineEvent): void {
    if (st.open.length >= MAX_OPEN_PER_STREAM) return;
    const tb: OpenTraceback = {
      start: sightingOf(p, ev),
      lines: 0,
      ignored: st.ignoredAt !== undefined && ev.lineNo - st.ignoredAt <= 2,
    };
    // A chained traceback belongs to the one before it (or is skipped with it).
    if (st.chainPending) {
      if (st.chainTo) tb.chainTo = st.chainTo;
      else tb.ignored = true;
    }
    st.chainPending = false;
    st.chainTo = undefined;
    st.ignoredAt = undefined;
    st.open.push(tb);
    this.openCount += 1;
  }

  /** A line of a stream with an open traceback: an exception line closes the oldest. */
  private inTraceback(st: StreamState, p: string, payload: string, ev: LineEvent): Flag[] | undefined | 'continue' {
    if (EXC_LINE.test(p)) {
      const tb = st.open.shift()!;
      this.openCount -= 1;
      return this.endTraceback(st, tb, p, payload, ev);
    }
    const tb = st.open[0]!;
    tb.lines += 1;
    if (tb.lines > MAX_TRACEBACK_LINES) {
      st.open.shift();
      this.openCount -= 1;
      if (!tb.ignored && !tb.chainTo) return this.raiseAt('traceback:unterminated', tb.start, 'suspected');
    }
    return 'continue';
  }

  /** `p` is the exception line without a `[rankN]:` prefix (for keys), `payload` the evidence. */
  private endTraceback(st: StreamState, tb: OpenTraceback, p: string, payload: string, ev: LineEvent): Flag[] | undefined {
    if (tb.ignored) {
      st.ended = { finding: undefined, lineNo: ev.lineNo };
      return undefined;
    }
    if (tb.chainTo) {
      addNote(tb.chainTo, p.length > 120 ? `${p.slice(0, 119)}…` : p);
      st.ended = { finding: tb.chainTo, lineNo: ev.lineNo };
      return undefined;
    }
    const elastic = p.includes('ChildFailedError');
    const key = elastic ? 'elastic' : `traceback:${foldKey(p)}`;
    const confidence: Confidence = elastic ? 'confirmed' : 'suspected';
    const r = this.book.note(key, payload, ev, confidence);
    st.ended = { finding: r?.finding, lineNo: ev.lineNo };
    if (!r) return undefined;
    if (r.isNew && !elastic) (this.startMap ??= new Map()).set(r.finding, tb.start);
    return r.isNew ? [this.book.flag(r.finding, this.describe(r.finding))] : undefined;
  }

  private raise(key: string, p: string, ev: LineEvent, confidence: Confidence, text: string): Flag[] | undefined {
    const r = this.book.note(key, p, ev, confidence);
    return r?.isNew ? [this.book.flag(r.finding, text)] : undefined;
  }

  private raiseAt(key: string, s: Sighting, confidence: Confidence): Flag[] | undefined {
    const ev: LineEvent = { node: s.node, file: s.file, offset: 0, lineNo: s.line, text: s.evidence, time: s.time };
    const r = this.book.note(key, s.evidence, ev, confidence);
    return r?.isNew ? [this.book.flag(r.finding, this.describe(r.finding))] : undefined;
  }
}

function streamKey(ev: LineEvent, rank: number | undefined): string {
  return `${ev.node}\u0000${ev.file}\u0000${rank ?? ''}`;
}

export const crash: LineDetectorFactory = {
  id: 'crash',
  create: () => new CrashDetector(),
};
