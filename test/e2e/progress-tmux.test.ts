/**
 * The progress line of `summary` on a long input, in a real terminal (tmux): shown on stderr while
 * reading (files, bytes of the archive's size, rate, ETA), cleared at the end; never with
 * --quiet, and never when stderr is not a terminal. Everything the program wrote to the pane is
 * recorded with pipe-pane, so a bar that was drawn and cleared is still seen.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bigArchive } from '../helpers/big-log.ts';
import { TmuxSession, requireTmux } from '../helpers/tmux.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
requireTmux();
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-progress-'));
let big: string;
let session: TmuxSession | undefined;
beforeAll(async () => {
  // Large enough that reading it outlasts the bar's 400 ms delay and several of its frames, also at
  // the byte path's speed (with 3,000 copies the bar was created but the read ended before its first frame, under load).
  big = await bigArchive(tmp, 12000);
});
afterEach(() => session?.kill());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run `args` in a fresh 80x24 pane once the pane's output is being recorded; returns the recording. */
async function inTmux(name: string, args: string): Promise<{ log: string; screens: string[] }> {
  const go = join(tmp, `${name}.go`);
  const log = join(tmp, `${name}.pane`);
  session = new TmuxSession(`progress-${name}`, ROOT);
  session.start(`while [ ! -f ${go} ]; do sleep 0.05; done; node bin/dlperf-top.mjs ${args}`, 80, 24);
  session.tmux('pipe-pane', '-o', '-t', session.name, `cat >> ${log}`);
  writeFileSync(go, '');
  const screens: string[] = [];
  await session.waitFor((s) => {
    screens.push(s);
    return /EXIT:\d+/.test(s);
  }, 120_000);
  await new Promise((r) => setTimeout(r, 200));
  return { log: existsSync(log) ? readFileSync(log, 'utf8') : '', screens };
}

describe('summary progress on stderr', () => {
  it('shows files, bytes of the archive size, rate and ETA while reading a large archive, then clears it', async () => {
    const out = join(tmp, 'a.md');
    const { log, screens } = await inTmux('tty', `summary ${big} -o ${out}`); // 80 columns: the whole line fits
    const bar = /reading .*\d+% \| \d+ files \| [\d.]+\/[\d.]+ MiB \| [\d.]+ MiB\/s \| ETA \S+/;
    expect(log).toMatch(bar);
    // The size is the archive's, on disk.
    const size = (Number(readFileSync(big).length) / (1 << 20)).toFixed(1);
    expect(log).toContain(`/${size} MiB |`);
    // (Whether a capture-pane happened to land while the bar was up depends on the machine's speed:
    // the pane recording above is what proves it was drawn.)
    const last = screens[screens.length - 1]!;
    expect(last).toContain('EXIT:0');
    expect(last).not.toMatch(bar); // cleared at the end
    expect(readFileSync(out, 'utf8')).toContain('| pytorch | resnet50 | amp | 1 | 1 | 256 |');
  });

  it('--quiet prints no progress', async () => {
    const { log, screens } = await inTmux('quiet', `summary ${big} -o ${join(tmp, 'b.md')} --quiet`);
    expect(screens[screens.length - 1]).toContain('EXIT:0');
    expect(log).not.toMatch(/files \||MiB\/s|ETA/);
  });

  it('stderr not a terminal: nothing on stderr', async () => {
    const err = join(tmp, 'err.txt');
    const { screens } = await inTmux('pipe', `summary ${big} -o ${join(tmp, 'c.md')} 2>${err}`);
    expect(screens[screens.length - 1]).toContain('EXIT:0');
    expect(readFileSync(err, 'utf8')).toBe('');
  });
});
