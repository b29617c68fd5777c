/**
 * Hostile names through every presenter (issue #12): summary Markdown, CSV and stderr, replay
 * --headless, and the sanitiser itself. JSON and NDJSON keep the exact bytes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visible, visibleLog } from '../../src/shared/sanitize.ts';
import { HOSTILE, RAW_UNSAFE, writeHostileArchive, writeHostileTree } from '../fixtures/hostile/corpus.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dlperf-top.mjs');
let tmp: string;
let archive: string;
let tree: string;

/** The first raw unsafe character and its surroundings (null: none): short failure messages. */
function rawAt(text: string, re = RAW_UNSAFE): string | null {
  const m = re.exec(text);
  return m ? JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 40)) : null;
}
/** JSON escapes C0 controls (and so ESC): no raw one may be in a JSON/NDJSON text. */
// eslint-disable-next-line no-control-regex
const RAW_C0 = /[\u0000-\u0009\u000b-\u001f]/;

function run(args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'dlperf-hostile-'));
  archive = join(tmp, 'hostile.tgz');
  await writeHostileArchive(archive);
  tree = join(tmp, 'tree');
  writeHostileTree(tree);
  // A problem on stderr whose file name is hostile: a .tgz that is not gzip data.
  writeFileSync(join(tree, 'logs', `bad\u001b]0;PWNED-TITLE\u0007\u202e.tgz`), 'not gzip at all\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('visible(): the one sanitiser', () => {
  it('makes every control, escape, C1 and bidi character visible, and leaves safe text alone', () => {
    for (const h of HOSTILE) {
      const v = visible(h);
      expect(v, JSON.stringify(h)).not.toMatch(RAW_UNSAFE);
      expect(v).not.toContain('\n');
    }
    expect(visible('t\u001b]0;X\u0007')).toBe('t\\x1b]0;X\\x07');
    expect(visible('k\u009d2;X\u009c')).toBe('k\\x9d2;X\\x9c');
    expect(visible('b\u202egol')).toBe('b\\u202egol');
    expect(visible('n\nx\ry')).toBe('n\\nx\\ry');
    expect(visible('plain résumé 日本 tab\tok')).toBe('plain résumé 日本 tab\tok');
    // Log text: complete sequences dropped (colours), the rest visible.
    expect(visibleLog('\u001b[32mok\u001b[0m \u001b]0;T\u0007 \u009d2;C\u009c \u202e')).toBe('ok   \\u202e');
    expect(visibleLog('lone \u001b end')).toBe('lone \\x1b end');
  });
});

describe('hostile names through summary and replay', () => {
  it('summary --format md: no raw control in the report, the table keeps one row per run', () => {
    const r = run(['summary', tree]);
    expect(rawAt(r.out)).toBeNull();
    expect(rawAt(r.err)).toBeNull();
    // Names are there, visible.
    expect(r.out).toContain('t\\x1b]0;PWNED-TITLE\\x07');
    expect(r.out).toContain('k\\x9d2;PWNED-C1\\x9c');
    expect(r.out).toContain('b\\u202egol.exe');
    expect(r.out).toContain('n\\nnewline\\|pipe');
    // Every line of the All Results table is a table row: a newline in a name did not split it.
    const table = r.out.split('## All Results')[1]!.split('## Filtered')[0]!.trim().split('\n');
    expect(table.length).toBe(2 + HOSTILE.length);
    for (const line of table) expect(line).toMatch(/^\|.*\|$/);
    // The OOM evidence (log text) is in the findings, its OSC sequences gone, its bidi visible.
    expect(r.out).toMatch(/\*\*oom/);
    expect(r.out).not.toContain('PWNED-CLIP');
    expect(r.out).toContain('\\u202eevil');
    // stderr: the problem with a hostile file name, visible.
    expect(r.err).toContain('bad\\x1b]0;PWNED-TITLE\\x07\\u202e.tgz');
  });

  it('summary --format csv: no raw control or newline inside a cell', () => {
    const r = run(['summary', '--format', 'csv', tree]);
    expect(rawAt(r.out)).toBeNull();
    const runs = r.out.split('\n\n')[0]!.split('\n');
    expect(runs.length).toBe(1 + HOSTILE.length);
    expect(r.out).toContain('c\\x1b]52;c;UFdORUQtQ0xJUA==\\x07');
  });

  it('summary --format json keeps the exact bytes (JSON escaping makes them inert)', () => {
    const r = run(['summary', '--format', 'json', archive]);
    const doc = JSON.parse(r.out);
    const sources: string[] = doc.runs.map((x: { source: string }) => x.source);
    for (const h of HOSTILE) expect(sources.some((s) => s.includes(h)), JSON.stringify(h)).toBe(true);
    expect(rawAt(r.out, RAW_C0)).toBeNull(); // escaped as \u001b etc. in the JSON text
  });

  it('summary - reads the hostile archive from stdin (gzip+tar detected) with the same runs', () => {
    const r = run(['summary', '--format', 'json', '-'], readFileSync(archive));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).runs.length).toBe(HOSTILE.length);
  });

  it('replay --headless: NDJSON keeps exact bytes, stderr shows them visible', () => {
    const r = run(['replay', '--headless', '--speed', 'max', archive, join(tree, 'logs', `bad\u001b]0;PWNED-TITLE\u0007\u202e.tgz`)]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    const last = lines.filter((l) => l.type === 'snapshot').pop();
    const keys: string[] = last.runs.map((x: { key?: string; source?: string }) => x.key ?? x.source ?? '');
    const raw = JSON.stringify(last);
    for (const h of HOSTILE) expect(raw.includes(JSON.stringify(h).slice(1, -1)), JSON.stringify(h)).toBe(true);
    expect(keys.length).toBe(HOSTILE.length);
    expect(rawAt(r.out.replace(/\n/g, ''), RAW_C0)).toBeNull();
    expect(rawAt(r.err)).toBeNull();
    expect(r.err).toContain('\\x1b]0;PWNED-TITLE\\x07');
  });
});
