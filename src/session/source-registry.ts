/**
 * The sources the user named (each `host:path`, glob, local path, cluster-file entry), each with
 * a state and a reason from the first snapshot on, whether or not it ever sends a line.
 *
 * Sources report in their own terms: an SSH node's connection (file ''), one file's status, a
 * problem with a file or a pattern, lines. The registry maps each report to the named sources
 * it belongs to (each spec says which node/file labels are its own) and derives one state per
 * source in the ndjson.md vocabulary: connecting | waiting | streaming | quiet | stale |
 * reconnecting | ended | error, with a short reason (source-reason.ts). Work is per report,
 * never per line: only a file's first line matters here. Pure: no IO, no clock of its own.
 */
import type { InputProblem } from '../core/types.ts';
import type { NodeState } from '../sources/types.ts';
import { FirstByRank } from './first-by-rank.ts';
import { isWaitingReason, reasonOf } from './source-reason.ts';

export type NamedSourceKind = 'file' | 'glob' | 'directory' | 'remote-file' | 'remote-glob';

export interface NamedSourceSpec {
  /** As shown: the label its file will have (`node2:/logs/x.log`, `logs/x.log`), or the pattern. */
  readonly source: string;
  /** Node label of the row. */
  readonly node: string;
  readonly kind: NamedSourceKind;
  /** Remote sources: the node whose connection states (file '') are this source's too. */
  readonly remoteNode?: string;
  /** Whether a report about (node, file) concerns this source: one of its files, or its own pattern. */
  owns(node: string, file: string): boolean;
}

/** One named source as presenters see it (NDJSON `sources[]`, placeholder rows, the problems view). */
export interface SourceView {
  source: string;
  node: string;
  kind: NamedSourceKind;
  state: NodeState;
  /** Why, in a few words (null while all is well). */
  reason: string | null;
  /** The source's own words behind the reason (full text). */
  message?: string;
  /** Session time (ms) of the last change of state or reason. */
  since: number;
  /** Files followed (a glob's or a directory's matches; 1 for an open file). */
  files: number;
  /** Whether any of its files delivered a line. */
  reporting: boolean;
  /** Lines and bytes of its files (filled in by the store). */
  lines: number;
  bytes: number;
}

export interface SourceChange {
  view: SourceView;
  time: number;
}

interface FileReport {
  state?: NodeState;
  message?: string;
  problem?: string;
  time: number;
}

const UP: ReadonlySet<NodeState> = new Set(['streaming', 'quiet', 'stale']);
/** Which state a multi-file source shows: the liveliest of its reporting files. */
const LIVELINESS: readonly NodeState[] = ['streaming', 'quiet', 'stale', 'reconnecting', 'connecting', 'waiting', 'error', 'ended'];

class Entry {
  view: SourceView;
  nodeReport: FileReport | null = null;
  /** Read-only outside Entry: changed through setFile / deleteFile / addReporting, which keep the counts below. */
  readonly files = new Map<string, FileReport>();
  readonly reporting = new Set<string>();
  /** How many labels `followed()` counts, kept as reports come (derive runs on every report about any of a glob's files). */
  private followedCount = 0;
  /** Reporting labels by liveliness, in reporting order: the liveliest one without a scan. */
  private readonly lively = new FirstByRank(LIVELINESS.length);
  /** Stopped (or deleted) before any line: the last state and reason before that are kept. */
  ended = false;
  /** A glob's own label said it matches now (before any of its files reports). */
  patternMatched = false;

  constructor(readonly spec: NamedSourceSpec, now: number) {
    this.view = { source: spec.source, node: spec.node, kind: spec.kind, state: 'connecting', reason: null, since: now, files: 0, reporting: false, lines: 0, bytes: 0 };
  }

  private get multi(): boolean {
    return this.spec.kind === 'glob' || this.spec.kind === 'directory' || this.spec.kind === 'remote-glob';
  }

  /** Files this source follows: open (streaming status) or delivering lines; the pattern's own label is not one. */
  private followed(): number {
    return this.followedCount;
  }

  private counted(label: string): boolean {
    const r = this.files.get(label);
    if (r === undefined) return this.reporting.has(label);
    // A glob's own label is its pattern, not a file; a file source's label is the file itself.
    return (label !== this.spec.source || !this.multi) && (this.reporting.has(label) || (r.state !== undefined && UP.has(r.state)));
  }

  /** Keeps followedCount and the liveliness index right across one change to `label`. */
  private change(label: string, apply: () => void): void {
    const before = this.counted(label);
    apply();
    this.followedCount += Number(this.counted(label)) - Number(before);
    if (this.reporting.has(label)) this.lively.set(label, LIVELINESS.indexOf(this.files.get(label)?.state ?? 'streaming'));
  }

  setFile(label: string, r: FileReport): void {
    this.change(label, () => this.files.set(label, r));
  }

  deleteFile(label: string): void {
    this.change(label, () => this.files.delete(label));
  }

  addReporting(label: string): void {
    this.change(label, () => this.reporting.add(label));
  }

  /** Files of a glob or directory deleted while followed. */
  private deletedCount(): number {
    let deleted = 0;
    for (const r of this.files.values()) if (r.state === 'ended' && reasonOf(r.message) === 'deleted') deleted++;
    return deleted;
  }

  derive(): { state: NodeState; reason: string | null; message?: string; files: number } {
    const files = this.followed();
    // A deleted file is no longer followed: "following 1 file, 1 deleted", not "following 2 files".
    const deleted = this.multi ? this.deletedCount() : 0;
    const plural = (n: number): string => `${n} file${n === 1 ? '' : 's'}${deleted ? `, ${deleted} deleted` : ''}`;
    const count = `following ${plural(files - deleted)}`;
    if (this.reporting.size > 0) {
      // The liveliest reporting file, the first to report among equals; none livelier than `ended`: ended, no file's words.
      let best: { state: NodeState; r?: FileReport } = { state: 'ended' };
      const first = this.lively.first();
      if (first && first.rank < LIVELINESS.indexOf('ended')) {
        const r = this.files.get(first.key);
        best = { state: LIVELINESS[first.rank]!, ...(r ? { r } : {}) };
      }
      // A one-file source that ended: its file's words (deleted, replaced…), not a bare "ended".
      if (best.state === 'ended' && !best.r && !this.multi) {
        const only = this.files.get(this.reporting.values().next().value!);
        if (only) best = { state: 'ended', r: only };
      }
      const why = best.state === 'streaming' ? null : reasonOf(best.r?.message);
      // Once every file ended, the glob followed them (past tense), and says how many were deleted.
      const told = this.multi && best.state === 'ended' ? `followed ${plural(files - deleted)}` : count;
      const reason = this.multi ? (why ? `${told}; ${why}` : told) : why;
      return { state: best.state, reason, ...(best.r?.message ? { message: best.r.message } : {}), files };
    }
    // Nothing delivered yet: the connection first (an SSH node that is not up says why), then
    // the latest problem or status of the source's files, then what is open.
    const n = this.nodeReport;
    if (n?.state !== undefined && !UP.has(n.state)) {
      return { state: n.state, reason: reasonOf(n.message) ?? (n.state === 'connecting' ? null : n.state), ...(n.message ? { message: n.message } : {}), files };
    }
    let issue: { state: NodeState; message: string; time: number } | null = null;
    let open = false;
    for (const [label, r] of this.files) {
      if (r.problem !== undefined && (!issue || r.time >= issue.time)) {
        const w = isWaitingReason(reasonOf(r.problem));
        issue = { state: w ? 'waiting' : 'error', message: r.problem, time: r.time };
      }
      if (r.state === 'error' && r.message && (!issue || r.time >= issue.time)) issue = { state: 'error', message: r.message, time: r.time };
      // A file not there yet (local sources say so with `connecting` and a message that is a
      // reason); "connecting to node1" is only connecting.
      if (r.state === 'connecting' && r.message && reasonOf(r.message) !== null && r.problem === undefined && (!issue || r.time >= issue.time)) issue = { state: 'waiting', message: r.message, time: r.time };
      if ((label !== this.spec.source || !this.multi) && r.state !== undefined && UP.has(r.state)) open = true;
    }
    if (issue) {
      const said = reasonOf(issue.message) ?? issue.message;
      // A directory is followed through a pattern too, but it is not a glob to the user.
      const why = this.spec.kind === 'directory' && said === 'glob matched nothing yet' ? 'no log file in it yet' : said;
      return { state: issue.state, reason: this.multi && files > 0 ? `${count}; ${why}` : why, message: issue.message, files };
    }
    if (open) return { state: 'waiting', reason: this.multi ? `${count}; no complete line yet` : 'open; no complete line yet', files };
    // A glob that matches files not open yet: it is not "connecting" (and not "matched nothing").
    let matched = 0;
    if (this.multi) for (const label of this.files.keys()) if (label !== this.spec.source) matched++;
    if (matched > 0 || this.patternMatched) return { state: 'waiting', reason: matched > 0 ? `matched ${matched} file${matched === 1 ? '' : 's'}; opening` : 'matched; opening its files', files };
    if (n?.state !== undefined && UP.has(n.state)) return { state: 'waiting', reason: 'connected; looking for the file', files };
    if (this.ended) return { state: 'ended', reason: 'stopped before any line', files };
    return { state: 'connecting', reason: null, files };
  }
}

const gist = (reason: string | null): string | null => (reason === null ? null : reason.replace(/\d+(?:\.\d+)?/g, '#'));

export class SourceRegistry {
  private readonly entries: Entry[];
  /** (node, file) → the entries that own it; reports about the same file are frequent. */
  private readonly owners = new Map<string, Entry[]>();
  private readonly byRemoteNode = new Map<string, Entry[]>();
  private readonly labels = new Set<string>();
  /** Entries with reports not derived yet (flush is per report batch: it touches only these). */
  private readonly dirty = new Set<Entry>();

  constructor(specs: readonly NamedSourceSpec[], now: number) {
    this.entries = [];
    this.add(specs, now);
  }

  /**
   * More named sources (a `launch` case's nodes, registered as the case starts): rows from the
   * next snapshot on, `connecting` until their reports say more. A source named twice is kept once.
   */
  add(specs: readonly NamedSourceSpec[], now: number): void {
    for (const spec of specs) {
      if (this.labels.has(spec.source)) continue;
      const e = new Entry(spec, now);
      this.entries.push(e);
      this.dirty.add(e);
      this.labels.add(spec.source);
      if (spec.remoteNode === undefined) continue;
      const list = this.byRemoteNode.get(spec.remoteNode) ?? [];
      list.push(e);
      this.byRemoteNode.set(spec.remoteNode, list);
    }
    // Owners were looked up without the new sources.
    if (specs.length) this.owners.clear();
  }

  get size(): number {
    return this.entries.length;
  }

  /** Whether a file label is also the name of a named source (its state events are the source's). */
  isNamed(file: string): boolean {
    return this.labels.has(file);
  }

  private ownersOf(node: string, file: string): Entry[] {
    const key = `${node}\u0000${file}`;
    let list = this.owners.get(key);
    if (!list) {
      list = this.entries.filter((e) => e.spec.owns(node, file));
      // Bounded: the cache holds what the sources follow (their own limits bound that).
      if (this.owners.size < 100_000) this.owners.set(key, list);
    }
    return list;
  }

  /** An SSH node's connection state (a report with file ''). */
  nodeStatus(node: string, state: NodeState, time: number, message?: string): void {
    for (const e of this.byRemoteNode.get(node) ?? []) {
      this.dirty.add(e);
      if (state === 'ended' && e.reporting.size === 0) {
        // Keep why it never reported (the final snapshot's reason), not "stopped".
        e.ended = true;
        continue;
      }
      e.nodeReport = { state, time, ...(message !== undefined ? { message } : {}) };
      this.dirty.add(e);
    }
  }

  /** A file's (or a pattern's own) state as the store keeps it. */
  fileStatus(node: string, file: string, state: NodeState, time: number, message?: string): void {
    for (const e of this.ownersOf(node, file)) {
      this.dirty.add(e);
      if (state === 'ended' && !e.reporting.has(file)) {
        // A pattern now matching says `ended` on its own label; a file stopped before its first line keeps its reason.
        if (file === e.spec.source && e.spec.kind !== 'file' && e.spec.kind !== 'remote-file') {
          e.deleteFile(file);
          e.patternMatched = true;
        } else e.ended = true;
        continue;
      }
      // A glob's file opening means the glob matches now (the SSH source only stops repeating "no file matches").
      if (file !== e.spec.source && UP.has(state)) e.deleteFile(e.spec.source);
      const prev = e.files.get(file);
      // A file that opens (or a pattern that now matches) is over its earlier problem.
      const problem = state === 'streaming' || state === 'ended' ? undefined : prev?.problem;
      e.setFile(file, { state, time, ...(message !== undefined ? { message } : {}), ...(problem !== undefined ? { problem } : {}) });
      this.dirty.add(e);
    }
  }

  problem(p: InputProblem, time: number): void {
    const file = p.file ?? p.input;
    for (const e of this.ownersOf(p.input, file)) {
      const prev = e.files.get(file);
      e.setFile(file, { ...(prev ?? {}), problem: p.message, time });
      this.dirty.add(e);
    }
  }

  /** A file delivered a line (called for its first one; later calls cost a lookup). */
  line(node: string, file: string): void {
    for (const e of this.ownersOf(node, file)) {
      if (e.reporting.has(file)) continue;
      e.addReporting(file);
      this.dirty.add(e);
    }
  }

  /** Re-derive what changed; returns the sources whose state or reason changed. */
  flush(now: number): SourceChange[] {
    const out: SourceChange[] = [];
    if (this.dirty.size === 0) return out;
    // Named order when many changed at once (start-up), else the order the reports came in.
    for (const e of this.entries.length <= this.dirty.size * 4 ? this.entries : [...this.dirty]) {
      if (!this.dirty.delete(e)) continue;
      const d = e.derive();
      const v = e.view;
      // A new retry delay is not news ("retry in 2 s" → "retry in 5 s"): no event, the view still shows it.
      const changed = d.state !== v.state || gist(d.reason) !== gist(v.reason);
      e.view = { ...v, state: d.state, reason: d.reason, files: d.files, reporting: e.reporting.size > 0, since: changed ? now : v.since, ...(d.message !== undefined ? { message: d.message } : {}) };
      if (d.message === undefined) delete e.view.message;
      if (changed) out.push({ view: e.view, time: now });
    }
    return out;
  }

  /** Current views, lines and bytes summed from the store's file counters. */
  views(counts: (file: string) => { lines: number; bytes: number } | undefined): SourceView[] {
    return this.entries.map((e) => {
      let lines = 0;
      let bytes = 0;
      for (const f of e.reporting) {
        const c = counts(f);
        if (c) {
          lines += c.lines;
          bytes += c.bytes;
        }
      }
      return { ...e.view, lines, bytes };
    });
  }

  /** Sources that never delivered a line or are in error: what `--exit-when-done` fails on. */
  missing(): SourceView[] {
    return this.entries.map((e) => e.view).filter((v) => !v.reporting || v.state === 'error');
  }
}
