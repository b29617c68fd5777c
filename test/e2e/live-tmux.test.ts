/**
 * `dlperf-top live` (the real binary) in a real terminal, on two "node" logs a writer appends to
 * while we watch: the screen shows both nodes, their numbers and the IB-fallback flag with its
 * proving line; q exits cleanly and gives the terminal back.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PROMPT_SEEN, TmuxSession, requireTmux } from '../helpers/tmux.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
requireTmux();
const dir = mkdtempSync(join(tmpdir(), 'dlperf-live-e2e-'));
const session = new TmuxSession('live', ROOT);
afterAll(() => {
  session.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('dlperf-top live in tmux', () => {
  it('watches two nodes being written, shows numbers and the IB flag, q exits cleanly', async () => {
    const fixtures = ['node1', 'node2'].map((n) => readFileSync(join(ROOT, 'test/e2e/fixtures/tui-demo', `${n}.log`), 'utf8').split('\n'));
    for (const n of ['node1', 'node2']) {
      mkdirSync(join(dir, n));
      writeFileSync(join(dir, n, 'oneflow.log'), '');
    }
    session.start(`node bin/dlperf-top.mjs live '${dir}/*/oneflow.log'`, 110, 32);
    // Append the logs line by line, as training would.
    for (let i = 0; i < Math.max(...fixtures.map((f) => f.length)); i++) {
      fixtures.forEach((lines, k) => {
        const l = lines[i];
        if (l !== undefined && (i < lines.length - 1 || l !== '')) appendFileSync(join(dir, `node${k + 1}`, 'oneflow.log'), `${l}\n`);
      });
      await new Promise((r) => setTimeout(r, 40));
    }
    const screen = await session.waitFor((s) => /node1 /.test(s) && /node2 /.test(s) && s.includes('InfiniBand fallback'));
    expect(screen).toMatch(/\d{3,}\.\d/); // throughput figures
    expect(screen).toContain('Using network Socket');
    expect(screen).toContain('resnet50');
    session.literal('q');
    const after = await session.waitFor((s) => s.includes('EXIT:0') && s.includes(PROMPT_SEEN));
    expect(after).not.toContain('InfiniBand fallback');
    expect(session.tmux('display', '-p', '-t', 'live', '#{alternate_on}').trim()).toBe('0');
  });
});
