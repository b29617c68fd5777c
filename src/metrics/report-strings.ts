import { ownText, textOwner } from './own-text.ts';
import type { RunReport } from './run-report.ts';

/** Keys whose text differs from run to run (paths, proof lines): copied flat, never pooled. */
const UNIQUE = new Set(['source', 'file', 'evidence']);
/** Longer texts are not worth a pool entry (they are copied flat). */
const POOL_MAX = 400;

/**
 * Reports of 100k runs are 100k objects made of the same few texts (`format: iteration 20 →
 * iteration 120`, `global figure`, a too-short reason), each built by concatenation: V8 keeps such a
 * string as a tree of pieces, a few hundred bytes per text and run. The pool keeps one flat copy of
 * each distinct text and every report points at it; run-specific texts are made flat copies of
 * their own (no view pinning a chunk, no tree of pieces). The values are equal: JSON, Markdown and
 * CSV are byte-identical.
 */
export class TextPool {
  private readonly texts = new Map<string, string>();

  text(s: string): string {
    if (s.length > POOL_MAX) return ownText(s);
    let t = this.texts.get(s);
    if (t === undefined) {
      t = ownText(s);
      this.texts.set(t, t);
    }
    return t;
  }

  /** Replaces, in place, every string of a report (nested objects and arrays included). */
  report(r: RunReport): RunReport {
    // The run's own texts repeat inside its report (source, files[].file, flags' file): one copy each.
    this.own = textOwner();
    this.walk(r as unknown as Record<string, unknown>);
    this.own = ownText;
    return r;
  }

  private own: (s: string) => string = ownText;

  private walk(o: Record<string, unknown> | unknown[]): void {
    if (Array.isArray(o)) {
      for (let i = 0; i < o.length; i++) o[i] = this.value(o[i], false);
      return;
    }
    for (const k of Object.keys(o)) o[k] = this.value(o[k], UNIQUE.has(k));
  }

  private value(v: unknown, unique: boolean): unknown {
    if (typeof v === 'string') return unique ? this.own(v) : this.text(v);
    // An array built by push keeps room for 17 items (152 bytes for a report's one flag): a copy
    // has room for what it holds.
    if (Array.isArray(v)) {
      const c = v.slice();
      this.walk(c);
      return c;
    }
    if (v !== null && typeof v === 'object') this.walk(v as Record<string, unknown>);
    return v;
  }
}
