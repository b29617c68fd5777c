import { render } from 'ink';
import type { ReplayControls } from '../session/controls.ts';
import type { SessionStore } from '../session/store.ts';
import { App } from './app.tsx';
import { exitLines } from './exit-text.ts';
import { colorsOff } from './theme.ts';

export interface RunTuiOptions {
  store: SessionStore;
  mode: 'live' | 'replay';
  /** Replay keys drive these (replay mode). */
  controls?: ReplayControls;
  /** @default process.stdout */
  stdout?: NodeJS.WriteStream;
  /** @default process.stdin */
  stdin?: NodeJS.ReadStream;
  /** Force colours off; NO_COLOR (present, non-empty) turns them off too. @default false */
  noColor?: boolean;
  /** Close the screen when this settles (a launch sweep that finished). */
  until?: Promise<unknown>;
  /** Print the final numbers to the restored screen on exit. @default true (on a TTY) */
  printOnExit?: boolean;
}

const ALT_SCREEN_ON = '\u001b[?1049h\u001b[H';
const ALT_SCREEN_OFF = '\u001b[?1049l';
const SHOW_CURSOR = '\u001b[?25h';

/**
 * Show the session on the terminal until the user quits (`q`, Ctrl-C, SIGINT/SIGTERM), then
 * unmount, restore the terminal (main screen, cursor, cooked mode), print the final numbers there
 * and resolve. Does not exit
 * the process: the caller owns the exit code.
 */
export async function runTui(opts: RunTuiOptions): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const tty = stdout.isTTY === true;
  if (tty) stdout.write(ALT_SCREEN_ON);
  let quit = () => {};
  const instance = render(
    <App store={opts.store} mode={opts.mode} {...(opts.controls ? { controls: opts.controls } : {})} onQuit={() => quit()} noColor={colorsOff(process.env, opts.noColor)} />,
    // The store publishes at most ~10 snapshots/s; maxFps is only a backstop.
    { stdout, stdin, exitOnCtrlC: false, maxFps: 10, patchConsole: true },
  );
  quit = () => instance.unmount();
  opts.until?.then(
    () => quit(),
    () => quit(),
  );
  const onSignal = () => quit();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal); // the terminal went away: restore what can be, end normally
  try {
    await instance.waitUntilExit();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    instance.cleanup();
    if (tty) stdout.write(SHOW_CURSOR + ALT_SCREEN_OFF);
    // The alternate screen is gone with everything on it: leave the final numbers on the normal
    // screen, where they stay in the scrollback (also after a run that failed).
    if (tty && opts.printOnExit !== false) {
      try {
        stdout.write(exitLines(opts.store.flush({ fresh: true }), stdout.columns || 80).join('\n') + '\n');
      } catch {
        // the terminal went away (SIGHUP): nothing to print on
      }
    }
  }
}
