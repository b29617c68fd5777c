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
      // An item JSON cannot represent (undefined, a function) is `null` in an array, as stringify writes it.
      const item = JSON.stringify(value[i], null, 2) ?? 'null';
      yield `${i ? ',' : ''}${ITEM_INDENT}${item.replace(/\n/g, ITEM_INDENT)}`;
    }
    yield '\n  ]';
  }
  yield '\n}\n';
}
