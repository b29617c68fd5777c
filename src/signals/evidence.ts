/**
 * Shared bookkeeping for line detectors: evidence truncation and a small, bounded book of
 * findings that folds repeated lines (8 local ranks printing the same warning) into one
 * finding with a count. Pure: no IO, no timers.
 */
import type { Flag, LineEvent } from '../core/types.ts';

/** Longest evidence string kept on a flag (characters, ellipsis included). */
export const EVIDENCE_MAX = 300;

/** The payload as evidence: trailing blanks removed, cut to {@link EVIDENCE_MAX} characters. */
export function evidenceText(payload: string): string {
  const text = payload.trimEnd();
  return text.length <= EVIDENCE_MAX ? text : `${text.slice(0, EVIDENCE_MAX - 1)}…`;
}

/**
 * A key under which repeats of "the same" line fold together: digit runs become `#`, so
 * `GPU 3`/`GPU 5`, pids, ports and sizes do not split a finding. Bounded in length.
 */
export function foldKey(text: string, max = 160): string {
  return text.slice(0, max * 2).replace(/\d+/g, '#').replace(/\s+/g, ' ').trim().slice(0, max);
}

export type Confidence = 'suspected' | 'confirmed';

/** Where a piece of evidence was seen. */
export interface Sighting {
  readonly evidence: string;
  readonly line: number;
  readonly file: string;
  readonly node: string;
  readonly time: number;
}

export function sightingOf(payload: string, ev: LineEvent): Sighting {
  return { evidence: evidenceText(payload), line: ev.lineNo, file: ev.file, node: ev.node, time: ev.time };
}

/** One finding: the first line that showed it, plus how often and where it repeated. */
export interface Finding {
  readonly key: string;
  confidence: Confidence | undefined;
  first: Sighting;
  count: number;
  /** Distinct nodes that showed it (at most {@link MAX_NODES_LISTED} kept). */
  readonly nodes: string[];
  /** Short follow-up notes (error trail lines, chained exceptions); bounded. */
  readonly notes: string[];
}

const MAX_NODES_LISTED = 16;
const MAX_NOTES = 6;

export function addNote(finding: Finding, note: string): void {
  if (finding.notes.length < MAX_NOTES && !finding.notes.includes(note)) finding.notes.push(note);
}

/** Build a flag from a sighting. */
export function flagOf(kind: string, s: Sighting, confidence: Confidence | undefined, detail?: string): Flag {
  const flag: Flag = { kind, evidence: s.evidence, line: s.line, file: s.file, node: s.node, time: s.time };
  if (confidence) flag.confidence = confidence;
  if (detail) flag.detail = detail;
  return flag;
}

/** "seen 8 times", "seen 3 times on 2 nodes (a, b)"; empty for a single sighting. */
export function repeatText(count: number, nodes: readonly string[]): string {
  if (count <= 1 && nodes.length <= 1) return '';
  const times = count > 1 ? `seen ${count} times` : 'seen once';
  if (nodes.length <= 1) return times;
  const list = nodes.slice(0, 4).join(', ') + (nodes.length > 4 ? ', …' : '');
  return `${times} on ${nodes.length}${nodes.length >= MAX_NODES_LISTED ? '+' : ''} nodes (${list})`;
}

/**
 * Findings of one kind, keyed; at most `maxDistinct` distinct keys are kept (the rest are
 * only counted), so a pathological log cannot grow memory.
 */
export class FindingBook {
  /** Made on the first finding: most runs have none, and 100k runs × 3 books of empty Maps were 50 MB. */
  private byKey: Map<string, Finding> | null = null;
  /** Sightings dropped because `maxDistinct` findings were already kept. */
  overflow = 0;

  constructor(
    readonly kind: string,
    private readonly maxDistinct = 8,
  ) {}

  get size(): number {
    return this.byKey?.size ?? 0;
  }

  get(key: string): Finding | undefined {
    return this.byKey?.get(key);
  }

  /**
   * Count one sighting under `key`. Returns the finding and whether this sighting created it,
   * or undefined when the book is full and the key is new. A `confirmed` sighting upgrades
   * a `suspected` finding (and becomes its evidence).
   */
  note(key: string, payload: string, ev: LineEvent, confidence: Confidence | undefined): { finding: Finding; isNew: boolean } | undefined {
    const found = this.byKey?.get(key);
    if (found) {
      found.count += 1;
      if (found.nodes.length < MAX_NODES_LISTED && !found.nodes.includes(ev.node)) found.nodes.push(ev.node);
      if (confidence === 'confirmed' && found.confidence === 'suspected') {
        found.confidence = 'confirmed';
        found.first = sightingOf(payload, ev);
      }
      return { finding: found, isNew: false };
    }
    this.byKey ??= new Map();
    if (this.byKey.size >= this.maxDistinct) {
      this.overflow += 1;
      return undefined;
    }
    const finding: Finding = { key, confidence, first: sightingOf(payload, ev), count: 1, nodes: [ev.node], notes: [] };
    this.byKey.set(key, finding);
    return { finding, isNew: true };
  }

  findings(): Finding[] {
    return this.byKey ? [...this.byKey.values()] : [];
  }

  /** A flag for a finding, with `describe` (if any) followed by repeat counts and notes. */
  flag(finding: Finding, describe?: string): Flag {
    const parts: string[] = [];
    if (describe) parts.push(describe);
    const rep = repeatText(finding.count, finding.nodes);
    if (rep) parts.push(rep);
    if (finding.notes.length > 0) parts.push(`then: ${finding.notes.join(' | ')}`);
    return flagOf(this.kind, finding.first, finding.confidence, parts.join('; ') || undefined);
  }
}
