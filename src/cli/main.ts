import { formats } from '../formats/registry.ts';
import { VERSION } from '../shared/version.ts';
import { EXIT, UserError } from './errors.ts';
import { summaryCommand } from './summary-command.ts';

export const HELP = `dlperf-top ${VERSION} — watch, replay and summarise multi-node deep-learning benchmarks

Usage:
  dlperf-top [live] SOURCE...       watch training logs on every node live (Ink screen)
  dlperf-top replay ARCHIVE|DIR     play an archived run through the live screen, original timing
  dlperf-top summary INPUT...       DLPerf-style tables (md, csv, json) for scripts and CI
  dlperf-top launch RECIPE          start a benchmark sweep on every node, watch and archive it
  dlperf-top formats                list the log formats that are recognised

Options: -h, --help (also after a command), -V, --version
`;

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  isTTY: boolean;
}

const defaultIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, isTTY: !!process.stdout.isTTY });

/** The one place that turns a command line into an exit code. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === '-h' || cmd === '--help' || cmd === 'help') {
      io.stdout.write(HELP);
      return EXIT.ok;
    }
    if (cmd === '-V' || cmd === '--version') {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    switch (cmd) {
      case 'summary':
        return await summaryCommand(rest, io);
      case 'formats':
        for (const f of formats) io.stdout.write(`${f.id.padEnd(20)} ${(f.unit ?? 'samples/s').padEnd(12)} ${f.title}\n`);
        return EXIT.ok;
      case 'replay':
        return await (await import('./replay-command.ts')).replayCommand(rest, io);
      case 'launch': {
        const { launchCommand } = await import('../launch/index.ts');
        const present = async (store: import('../session/store.ts').SessionStore, controls: { done: Promise<unknown> }) => {
          const { runTui } = await import('../ui/render.tsx');
          await runTui({ store, mode: 'live', until: controls.done });
        };
        return await launchCommand(rest, io, io.isTTY ? { present } : {});
      }
      case 'live':
        return await (await import('./live-command.ts')).liveCommand(rest, io);
      case undefined:
        return await (await import('./live-command.ts')).liveCommand([], io);
      default:
        // `dlperf-top logs/*.log` is `dlperf-top live logs/*.log`.
        return await (await import('./live-command.ts')).liveCommand(argv, io);
    }
  } catch (e) {
    if (e instanceof UserError) {
      io.stderr.write(`dlperf-top: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
      return e.exitCode;
    }
    io.stderr.write(`dlperf-top: internal error: ${(e as Error).stack ?? String(e)}\nPlease report this with the command line you used.\n`);
    return EXIT.internal;
  }
}
