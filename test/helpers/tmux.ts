import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * A real terminal for end-to-end tests: tmux runs a command in a detached session of a given size;
 * tests type keys (send-keys) and read the screen (capture-pane). The pane's shell reports the
 * command's exit status as `EXIT:<code>` and then shows PROMPT, so a test can tell a clean exit.
 */
export const PROMPT = 'e2e-shell$ ';
/** What the prompt looks like in capture-pane output (trailing blanks are trimmed there). */
export const PROMPT_SEEN = PROMPT.trimEnd();

export function requireTmux(): void {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('tmux is not installed: the end-to-end terminal tests need it (.ci/run installs it)');
  }
}

export class TmuxSession {
  readonly socket: string;
  constructor(
    readonly name: string,
    readonly cwd: string,
  ) {
    this.socket = `dlperf-e2e-${name}-${process.pid}`;
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  start(command: string, cols = 100, rows = 30): void {
    // CI=0: Ink renders only the final frame when it believes it runs in CI.
    const script = `export PS1="${PROMPT}"; ${command}; echo "EXIT:$?"; exec bash --norc --noprofile`;
    this.tmux('new-session', '-d', '-x', String(cols), '-y', String(rows), '-s', this.name, '-c', this.cwd, `env CI=0 bash --norc --noprofile -c '${script.replace(/'/g, `'\\''`)}'`);
  }

  capture(): string {
    return this.tmux('capture-pane', '-p', '-t', this.name);
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  literal(text: string): void {
    this.tmux('send-keys', '-t', this.name, '-l', text);
  }

  /** Poll the pane until `ok` holds (no fixed sleeps); fail with the last screen after `ms`. */
  async waitFor(ok: (screen: string) => boolean, ms = 15_000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const s = this.capture();
      if (ok(s)) return s;
      if (Date.now() > end) throw new Error(`screen never matched; last screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  waitForText(...texts: string[]): Promise<string> {
    return this.waitFor((s) => texts.every((t) => s.includes(t)));
  }

  kill(): void {
    let socket = '';
    try {
      socket = this.tmux('display', '-p', '#{socket_path}').trim();
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    if (socket.includes(this.socket)) rmSync(socket, { force: true });
  }
}
