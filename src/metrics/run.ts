import type { Flag, RunIdentity } from '../core/types.ts';
import { genericModelFamily, modelsAgree, normaliseModel } from '../formats/common/name-value-header.ts';
import type { LineDetector } from '../signals/types.ts';
import type { ContentFields, FileTrack, RunChanges } from './file-track.ts';
import { normalisePrecision, type PathInfo } from './path-identity.ts';
import { fatalDamage } from './trust.ts';
import { isShortfall, type WindowResult, type WindowShortfall } from './window-tracker.ts';

export type RunStatus = 'ok' | 'too_short' | 'unrecognized' | 'error';

const IDENTITY_KEYS: (keyof RunIdentity)[] = [
  'framework', 'model', 'precision', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device', 'repeat',
  'data_parallel_size', 'tensor_model_parallel_size', 'pipeline_model_parallel_size', 'micro_batch_size',
  'global_batch_size', 'seq_length', 'num_layers', 'hidden_size', 'num_attention_heads',
];
/** `a.localeCompare(b, 'en', { numeric: true })` with one collator (localeCompare with options builds one per call). */
const BY_LABEL = new Intl.Collator('en', { numeric: true }).compare;
/** Disagreements between content and name that are reported as `name_mismatch`. */
const CHECKED: (keyof RunIdentity)[] = ['model', 'precision', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device', 'global_batch_size', 'micro_batch_size'];

/** One run: the files (nodes, ranks) of one launch of one configuration. */
export class Run {
  readonly files: FileTrack[] = [];
  readonly detectors: LineDetector[];
  /** Findings as detectors first noticed them, line by line (for live notices; the verdict is evaluate()). */
  readonly lineFlags: Flag[] = [];
  /** Findings only live watching can make (stalls), kept for the run's flags. */
  readonly liveFlags: Flag[] = [];
  errors: string[] = [];

  constructor(
    readonly key: string,
    readonly pathInfo: PathInfo,
    detectors: LineDetector[],
  ) {
    this.detectors = detectors;
  }

  /** The file whose progress lines give the run's numbers: the first node (by label) that prints them. */
  primary(): FileTrack | null {
    const key = this.stateKey();
    if (key !== this.primaryKey) {
      this.cachedPrimary = this.computePrimary();
      this.primaryKey = key;
    }
    return this.cachedPrimary;
  }

  private computePrimary(): FileTrack | null {
    // Runs at every state change (every progress line, in live mode): comparing every file's
    // label each time was 16 % of live mode's CPU at 1,024 streams. The files are kept in label
    // order instead, updated only when a file comes or goes; the first with an iteration wins
    // (ties in file order, as the strict `<` scan over `files` had it).
    const byNode = this.filesByNode();
    for (const f of byNode) if (f.lastIter) return f;
    return this.files.find((f) => f.format) ?? null;
  }

  /** `files` in label order (numeric), stable; rebuilt by insertion as files arrive. */
  private filesByNode(): readonly FileTrack[] {
    const files = this.files;
    const sorted = this.sortedFiles;
    // Files come and go through RunSet only, which bumps changes.files: comparing the whole list at
    // every primary lookup (each file's first progress line) was quadratic in the files of a run.
    if (this.sortedAt === this.changes.files) return sorted;
    this.sortedAt = this.changes.files;
    const sameSet = sorted.length === files.length && this.sortedFrom.length === files.length && this.sortedFrom.every((f, i) => f === files[i]);
    if (sameSet) return sorted;
    if (this.sortedFrom.length < files.length && this.sortedFrom.every((f, i) => f === files[i])) {
      // Only appended: binary-insert the new ones after their equals (keeps file order on ties).
      for (let i = this.sortedFrom.length; i < files.length; i++) {
        const f = files[i]!;
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (BY_LABEL(sorted[mid]!.node, f.node) <= 0) lo = mid + 1;
          else hi = mid;
        }
        sorted.splice(lo, 0, f);
      }
    } else {
      // A file removed or replaced (restartFile): sort afresh (Array.prototype.sort is stable).
      this.sortedFiles = [...files].sort((a, b) => BY_LABEL(a.node, b.node));
    }
    this.sortedFrom = [...files];
    return this.sortedFiles;
  }

  private sortedFiles: FileTrack[] = [];
  private sortedAt = -1;
  private sortedFrom: FileTrack[] = [];

  /** Content fields of the run (primary file first, then the other files), with where each was read. */
  private contentFields(): ContentFields {
    // Read at every snapshot (mismatches) and on identity changes: merging hundreds of files'
    // fields each time was a large share of live mode's garbage. The merge is made of the files'
    // contents and formats (changes.content, bumped when they change or a file comes or goes) and
    // of which file is primary; other progress (each file's first progress line bumps the version)
    // leaves it as it is: re-merging all files at each file's first line was quadratic in the files.
    // One file's content changed (summary: each file's header in turn) while the primary stayed:
    // only its fields are looked at (mergeOne), else every file's (files came or went, several changed).
    const p = this.primary();
    const ch = this.changes;
    if (this.cachedContent && this.contentAt === ch.content && this.contentPrimary === p) return this.cachedContent;
    const one = ch.contentFrom;
    this.cachedContent = this.cachedContent && this.contentPrimary === p && one ? this.mergeOne(this.cachedContent, one) : this.mergeContent();
    ch.contentFrom = undefined;
    this.contentAt = ch.content;
    this.contentPrimary = p;
    return this.cachedContent;
  }

  private contentAt = -1;
  private contentPrimary: FileTrack | null = null;
  private cachedContent: ContentFields | null = null;
  /** For each merged field, the file it was taken from (the first in merge order that has it). */
  private holders = new Map<string, FileTrack>();

  /** The merge order: the primary file first, then the others in file order. */
  private mergeRank(f: FileTrack, p: FileTrack | null): number {
    return f === p ? -1 : this.files.indexOf(f);
  }

  private mergeContent(): ContentFields {
    const out: ContentFields = {};
    this.holders.clear();
    const p = this.primary();
    const order = p ? [p, ...this.files.filter((f) => f !== p)] : this.files;
    for (const f of order) {
      for (const [k, v] of Object.entries(f.content)) {
        if (v === undefined || (out as Record<string, unknown>)[k] !== undefined) continue;
        (out as Record<string, unknown>)[k] = v;
        this.holders.set(k, f);
      }
    }
    return out;
  }

  /**
   * mergeContent after only `f`'s content changed (fields are only ever set, never removed): each
   * of its fields is taken where no file before it in merge order has that field. A new object,
   * as mergeContent makes (identity() tells a change by the object).
   */
  private mergeOne(merged: ContentFields, f: FileTrack): ContentFields {
    const out = { ...merged } as Record<string, unknown>;
    const p = this.primary();
    let rank: number | undefined;
    for (const [k, v] of Object.entries(f.content)) {
      if (v === undefined) continue;
      const h = this.holders.get(k);
      if (h !== undefined && h !== f) {
        rank ??= this.mergeRank(f, p);
        if (this.mergeRank(h, p) < rank) continue;
      }
      out[k] = v;
      this.holders.set(k, f);
    }
    return out as ContentFields;
  }

  private cacheKey = '';
  private cachedIdentity: RunIdentity | null = null;
  private cachedTotalBatch: number | null = null;
  /** The merged content the cached identity was made from (same object: same identity; see identity()). */
  private identityFrom: ContentFields | null = null;

  /** Bumped by every file of the run when its content or progress state changes (see FileTrack.owner); a file coming or going bumps both. */
  readonly changes: RunChanges = { version: 0, content: 0, files: 0 };
  private cachedPrimary: FileTrack | null = null;
  private primaryKey = '';

  /** Cheap key that changes whenever identity, total batch or the primary file could (every progress line). */
  private stateKey(): string {
    return `${this.files.length}:${this.changes.version}`;
  }

  /** Identity: the log's content first, then its path, then what the format implies. */
  identity(): RunIdentity {
    const key = this.stateKey();
    if (key !== this.cacheKey || !this.cachedIdentity) {
      // Made of the merged content, the path and the primary file's format: the same merge (the
      // primary and every content unchanged) and the same primary give the same identity.
      const c = this.contentFields();
      if (!this.cachedIdentity || c !== this.identityFrom || this.primary()?.format !== this.identityFormat) {
        this.cachedIdentity = this.computeIdentity();
        this.cachedTotalBatch = this.computeTotalBatch(this.cachedIdentity);
        this.identityFrom = c;
        this.identityFormat = this.primary()?.format;
      }
      this.cacheKey = key;
    }
    return { ...this.cachedIdentity };
  }

  private identityFormat: FileTrack['format'] | undefined = undefined;

  private computeIdentity(): RunIdentity {
    const path = this.pathInfo.identity;
    const c = this.contentFields();
    const fmt = this.primary()?.format;
    const id = {} as RunIdentity;
    for (const k of IDENTITY_KEYS) (id as unknown as Record<string, unknown>)[k] = (c as Record<string, unknown>)[k] ?? (path as Record<string, unknown>)[k] ?? null;
    id.framework = fmt?.framework ?? path.framework ?? null;
    if (id.model === null && fmt?.model) id.model = fmt.model;
    // The log names the family only ("BERT Pretrain"), the path the size (bert_large_…): the path's.
    if (c.model && path.model && genericModelFamily(String(c.model)) && modelsAgree(String(c.model), String(path.model))) id.model = path.model;
    if (id.model !== null) id.model = normaliseModel(id.model);
    if (id.precision !== null) id.precision = normalisePrecision(id.precision) ?? id.precision;
    // world_size from a PARAMETER line fixes the node count when the name does not say it.
    if (c.world_size && id.gpu_num_per_node && id.num_nodes === null && c.world_size % id.gpu_num_per_node === 0) id.num_nodes = c.world_size / id.gpu_num_per_node;
    if (id.micro_batch_size != null && id.batch_size_per_device === null) id.batch_size_per_device = id.micro_batch_size;
    return id;
  }

  /** Samples per iteration for the whole job. */
  totalBatch(): number | null {
    // Asked for every progress line: compare the two numbers the state key is made of before building the key.
    if (this.files.length === this.tbFiles && this.changes.version === this.tbVersion && this.cachedIdentity) return this.cachedTotalBatch;
    if (this.stateKey() !== this.cacheKey || !this.cachedIdentity) this.identity();
    this.tbFiles = this.files.length;
    this.tbVersion = this.changes.version;
    return this.cachedTotalBatch;
  }

  private tbFiles = -1;
  private tbVersion = -1;

  private computeTotalBatch(id: RunIdentity): number | null {
    if (id.global_batch_size) return id.global_batch_size;
    const ws = this.contentFields().world_size;
    if (id.batch_size_per_device && ws && (id.num_nodes === null || id.gpu_num_per_node === null)) return id.batch_size_per_device * ws;
    if (id.batch_size_per_device && id.gpu_num_per_node && id.num_nodes) return id.batch_size_per_device * id.gpu_num_per_node * id.num_nodes;
    return null;
  }

  /** Content-vs-name disagreements, each with the line that states the content. */
  mismatches(): Flag[] {
    const out: Flag[] = [];
    const path = this.pathInfo.identity;
    const p = this.primary();
    const c = this.contentFields();
    const norm = (k: keyof RunIdentity, v: unknown) =>
      k === 'model' ? normaliseModel(String(v)) : k === 'precision' ? (normalisePrecision(String(v)) ?? String(v)) : v;
    for (const k of CHECKED) {
      const pv = (path as Record<string, unknown>)[k];
      const cv = (c as Record<string, unknown>)[k];
      if (pv === undefined || pv === null || cv === undefined || cv === null) continue;
      if (norm(k, pv) === norm(k, cv) || (k === 'model' && modelsAgree(String(cv), String(pv)))) continue;
      const ev = this.files.map((f) => f.contentEvidence.get(k)).find(Boolean);
      out.push({
        kind: 'name_mismatch',
        evidence: ev?.text.slice(0, 300) ?? `${k} = ${String(cv)}`,
        ...(ev ? { line: ev.line, file: ev.file } : {}),
        ...(p ? { node: p.node } : {}),
        detail: `${k}: the file name says ${String(pv)}, the log says ${String(cv)} (the log wins)`,
      });
    }
    if (c.world_size && path.num_nodes && path.gpu_num_per_node && c.world_size !== path.num_nodes * path.gpu_num_per_node) {
      const ev = this.files.map((f) => f.contentEvidence.get('world_size')).find(Boolean);
      out.push({
        kind: 'name_mismatch',
        evidence: ev?.text.slice(0, 300) ?? `world_size : ${c.world_size}`,
        ...(ev ? { line: ev.line, file: ev.file } : {}),
        detail: `world size: the path says ${path.num_nodes}×${path.gpu_num_per_node}, the log says ${c.world_size} ranks`,
      });
    }
    return out;
  }

  /**
   * Devices of the whole job, and where that was read: the log's own `world_size` (or its node and
   * GPU counts), else the path's `NnMg`. Per-device figures are multiplied by it.
   */
  worldSize(): { value: number; source: 'log' | 'path' | 'log+path' } | null {
    const c = this.contentFields();
    if (c.world_size) return { value: c.world_size, source: 'log' };
    const id = this.identity();
    if (!id.num_nodes || !id.gpu_num_per_node) return null;
    const nodesFromLog = c.num_nodes != null;
    const gpusFromLog = c.gpu_num_per_node != null;
    const source = nodesFromLog && gpusFromLog ? 'log' : !nodesFromLog && !gpusFromLog ? 'path' : 'log+path';
    return { value: id.num_nodes * id.gpu_num_per_node, source };
  }

  /** The run's figure, or why there is none. */
  result(): WindowResult | WindowShortfall | null {
    if (this.memoDepth > 0 && this.resultMemo !== undefined) return this.resultMemo;
    const p = this.primary();
    const r = p?.tracker ? p.tracker.result(this.totalBatch(), this.worldSize()?.value ?? null, this.identity().num_nodes) : null;
    if (this.memoDepth > 0) this.resultMemo = r;
    return r;
  }

  /**
   * Runs `fn` (a report: runReport) with result() computed once: status(), damageReason(), the
   * flags and the report each asked for it, the window's medians made again each time (≈ a third of
   * a small run's report). Nothing changes the run while a report is made.
   */
  withResultMemo<T>(fn: () => T): T {
    this.memoDepth++;
    try {
      return fn();
    } finally {
      if (--this.memoDepth === 0) this.resultMemo = undefined;
    }
  }

  private memoDepth = 0;
  private resultMemo: WindowResult | WindowShortfall | null | undefined = undefined;

  status(): RunStatus {
    if (this.errors.length && !this.primary()?.format) return 'error';
    const p = this.primary();
    if (!p?.format) return 'unrecognized';
    const r = this.result();
    if (this.damageReason()) return 'error';
    if (p.format.window.summaryFirst && p.summary) return 'ok';
    if (!r || isShortfall(r)) return 'too_short';
    return 'ok';
  }

  /** Why the run's figure cannot be given although the log was read (clock jump, restart): see trust.ts. */
  damageReason(): string | null {
    const r = this.result();
    return fatalDamage(this.primary(), r && !isShortfall(r) ? r : null);
  }

  /** GPU memory: the peak seen on any node's log. */
  memoryMib(): number | null {
    let m: number | null = null;
    for (const f of this.files) if (f.memoryMib !== null) m = Math.max(m ?? 0, f.memoryMib);
    return m;
  }
}
