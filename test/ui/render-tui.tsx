import { EventEmitter } from 'node:events';
import { render } from 'ink';
import type { ReactElement } from 'react';
import stringWidth from 'string-width';

/** A fake terminal of a fixed size (ink-testing-library's is fixed at 100 columns, no rows). */
class FakeStdout extends EventEmitter {
  readonly frames: string[] = [];
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string) => {
    this.frames.push(frame);
    return true;
  };
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write = (data: string) => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

export interface Tui {
  stdin: FakeStdin;
  frames: string[];
  lastFrame(): string;
  /** Resize the fake terminal and tell Ink and the app. */
  resize(columns: number, rows: number): void;
  unmount(): void;
}

/** Render into a fake `columns`×`rows` terminal, one frame per commit (debug mode). */
export function renderTui(tree: ReactElement, size: { columns: number; rows: number }): Tui {
  const stdout = new FakeStdout(size.columns, size.rows);
  const stdin = new FakeStdin();
  const stderr = new FakeStdout(size.columns, size.rows);
  const inst = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    stdin,
    frames: stdout.frames,
    lastFrame: () => stdout.frames[stdout.frames.length - 1] ?? '',
    resize(columns, rows) {
      stdout.columns = columns;
      stdout.rows = rows;
      stdout.emit('resize');
    },
    unmount: () => {
      inst.unmount();
      inst.cleanup();
    },
  };
}

/** Wait until `get()` (a frame) satisfies `ok`, polling; fails with the last frame after `ms`. */
export async function waitForFrame(get: () => string | undefined, ok: (frame: string) => boolean, ms = 3000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = get() ?? '';
    if (ok(f)) return f;
    if (Date.now() > end) throw new Error(`frame never matched; last frame:\n${f}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Wait until the frame contains every string. */
export const waitForText = (get: () => string | undefined, ...texts: string[]) => waitForFrame(get, (f) => texts.every((t) => f.includes(t)));

/** Lines of a frame, and their widths in terminal columns. */
export const frameLines = (frame: string) => frame.replace(/\n$/, '').split('\n');
export const widest = (frame: string) => Math.max(0, ...frameLines(frame).map((l) => stringWidth(l)));

export const KEYS = { up: '\u001b[A', down: '\u001b[B', right: '\u001b[C', left: '\u001b[D', shiftRight: '\u001b[1;2C', shiftLeft: '\u001b[1;2D', tab: '\t', shiftTab: '\u001b[Z', enter: '\r', esc: '\u001b', backspace: '\u007f', pageUp: '\u001b[5~', pageDown: '\u001b[6~', home: '\u001b[H', end: '\u001b[F' };
