import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../../src/pipeline/summarize.ts';
import { summaryMarkdown } from '../../../src/report/markdown.ts';

describe('Markdown findings for input problems', () => {
  it('name the file once, where the message already starts with it (binary data, a cut line)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlperf-md-problems-'));
    const bin = join(dir, 'bin.log');
    // Random-looking bytes with NULs: binary by any reading.
    writeFileSync(bin, Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)));
    const s = await summarize([bin]);
    expect(s.problems.some((p) => p.kind === 'binary' && p.message.startsWith(`${bin}: `))).toBe(true);
    const md = summaryMarkdown(s);
    const line = md.split('\n').find((l) => l.startsWith('- **binary**'))!;
    expect(line).toBe(`- **binary** — ${bin}: binary data, not a text log; skipped`);
  });

  it('keep a message that does not start with its file as it is', () => {
    const md = summaryMarkdown({
      inputs: ['x'],
      runs: [],
      groups: [],
      problems: [{ input: 'x', file: 'a.log', line: 3, kind: 'line_too_long', message: 'line 3 of a.log is 9000 bytes long; kept its first 8192 bytes' }],
      skipped: [],
      files: 1,
      lines: 3,
    });
    expect(md).toContain('- **line_too_long** — a.log:3: line 3 of a.log is 9000 bytes long; kept its first 8192 bytes');
  });
});
