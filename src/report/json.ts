import type { SummaryResult } from '../pipeline/summarize.ts';
import { VERSION } from '../shared/version.ts';

/** `summary --format json`: exactly spec/summary-json.md (schema 1), plus added keys. */
export function summaryJson(s: SummaryResult): string {
  return [...summaryJsonChunks(s)].join('');
}

/** Items of an array under a top-level key are indented by two levels (4 spaces). */
const ITEM_INDENT = '\n    ';

/**
 * The same text as `JSON.stringify(doc, null, 2) + '\n'`, in pieces: one per array item of the
 * document's top-level keys (a run, a group, a problem), so that 100k runs never become one
 * 190 MB string (and the 2× of building it). JSON strings hold no raw newline (it is escaped), so
 * re-indenting an item's own text by its depth is exact; the byte-identity test checks it.
 */
export function* summaryJsonChunks(s: SummaryResult): Generator<string> {
  const doc: [string, unknown][] = [
    ['schema', 1],
    ['tool', 'dlperf-top'],
    ['version', VERSION],
    ['inputs', s.inputs],
    ['runs', s.runs],
    ['groups', s.groups],
    ['problems', s.problems],
    ['skipped', s.skipped],
  ];
  yield '{';
  for (let k = 0; k < doc.length; k++) {
    const [key, value] = doc[k]!;
    yield `${k ? ',' : ''}\n  ${JSON.stringify(key)}: `;
    if (!Array.isArray(value)) {
      yield JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
      continue;
    }
    if (value.length === 0) {
      yield '[]';
      continue;
    }
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield `${i ? ',' : ''}${ITEM_INDENT}`;
      yield* valuePieces(value[i], ITEM_INDENT, true);
    }
    yield '\n  ]';
  }
  yield '\n}\n';
}

/** An array longer than this, anywhere in an item, is written an item at a time too. */
const LONG_ARRAY = 256;

/**
 * One value at `indent` (its first line already placed), as `JSON.stringify(v, null, 2)` writes it
 * there. Small values are one piece; one that holds a long array (a group of 100k repeats lists
 * 100k sources: 13 MB of two-byte text and its re-indented copy) is written key by key and item by
 * item, so no piece is larger than an item.
 */
function* valuePieces(v: unknown, indent: string, inArray: boolean): Generator<string> {
  if (!holdsLongArray(v, 0)) {
    // An item JSON cannot represent (undefined, a function) is `null` in an array, as stringify writes it.
    const text = JSON.stringify(v, null, 2) ?? (inArray ? 'null' : undefined);
    if (text !== undefined) yield text.replace(/\n/g, indent);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    yield '[';
    for (let i = 0; i < v.length; i++) {
      yield `${i ? ',' : ''}${inner}`;
      yield* valuePieces(v[i], inner, true);
    }
    yield `${indent}]`;
    return;
  }
  const o = v as Record<string, unknown>;
  let first = true;
  yield '{';
  for (const key of Object.keys(o)) {
    const x = o[key];
    // Keys stringify leaves out.
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    yield `${first ? '' : ','}${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* valuePieces(x, inner, false);
  }
  yield first ? '}' : `${indent}}`;
}

/** Whether a value holds an array longer than LONG_ARRAY (a few levels down: reports are shallow). */
function holdsLongArray(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object' || depth > 3) return false;
  // A value with its own JSON form is written by stringify, whatever it holds.
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(v)) {
    if (v.length > LONG_ARRAY) return true;
    for (const x of v) if (holdsLongArray(x, depth + 1)) return true;
    return false;
  }
  for (const key in v) if (holdsLongArray((v as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}
