import { existsSync } from 'node:fs';
import { didYouMean } from './choices.ts';
import { guardOutput, quietOnClose } from './output-guard.ts';
import { VERSION } from '../shared/version.ts';
import { EXIT, UserError } from './errors.ts';
import { visible, visibleLines } from '../shared/sanitize.ts';

export const HELP = `dlperf-top ${VERSION} — watch, replay and summarise multi-node deep-learning benchmarks

Usage:
  dlperf-top [live] SOURCE...       watch training logs on every node live (Ink screen)
  dlperf-top replay ARCHIVE|DIR     play an archived run through the live screen, original timing
  dlperf-top summary INPUT...       DLPerf-style tables (md, csv, json, html, svg) for scripts and CI
  dlperf-top compare BASE CAND      did the candidate regress beyond the noise of its repeats?
  dlperf-top launch RECIPE          start a benchmark sweep on every node, watch and archive it
  dlperf-top formats                list the log formats that are recognised
  dlperf-top help [COMMAND]         this text, or a command's options
  dlperf-top version                the version

Without a command, SOURCE must look like a path: an existing file or directory, or a name with
'/', ':' or a glob character ('logs/*.log', node1:/logs/x.log). Any other first word is a command,
and an unknown one is an error. To watch a file literally named like a command, write
'dlperf-top live summary' or 'dlperf-top ./summary'.

Options: -h, --help (also after a command), -V, --version
`;

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  isTTY: boolean;
  /** Aborted when stdout's reader went away (EPIPE): following commands stop and exit 0. */
  stdoutClosed?: AbortSignal;
}

const defaultIo = (): Io => {
  const out = guardOutput(process.stdout);
  return { stdout: out.stream, stderr: quietOnClose(process.stderr), stdin: process.stdin, isTTY: !!process.stdout.isTTY, stdoutClosed: out.closed };
};

/** The one place that turns a command line into an exit code. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === '-h' || cmd === '--help' || (cmd === 'help' && rest.length === 0)) {
      io.stdout.write(HELP);
      return EXIT.ok;
    }
    if (cmd === '-V' || cmd === '--version' || cmd === 'version') {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    if (cmd === 'help') {
      const text = await commandHelp(rest[0]!);
      if (text === undefined) throw new UserError(`no help for '${rest[0]}': not a command${didYouMean(rest[0]!, COMMANDS)}`, `commands: ${COMMANDS.join(', ')}`);
      io.stdout.write(text);
      return EXIT.ok;
    }
    switch (cmd) {
      case 'summary':
        return await (await import('./summary-command.ts')).summaryCommand(rest, io);
      case 'compare':
        return await (await import('./compare-command.ts')).compareCommand(rest, io);
      case 'formats': {
        if (rest.includes('-h') || rest.includes('--help')) {
          io.stdout.write('Usage: dlperf-top formats\n\nList the log formats that are recognised (ids for --parser and --window FMT=).\n');
          return EXIT.ok;
        }
        if (rest.length) throw new UserError(`formats takes no arguments, got: ${rest.join(' ')}`);
        // Columns: id, the unit its throughput is in, the default method (the one behind DLPerf's
        // published table for the format), and the title.
        const { formats } = await import('../formats/registry.ts');
        io.stdout.write(`${'id'.padEnd(20)} ${'unit'.padEnd(12)} ${'method'.padEnd(10)} title\n`);
        for (const f of formats) io.stdout.write(`${f.id.padEnd(20)} ${(f.unit ?? 'samples/s').padEnd(12)} ${(f.window.published ?? (f.window.preferReported ? 'reported' : 'timestamps')).padEnd(10)} ${f.title}\n`);
        return EXIT.ok;
      }
      case 'replay':
        return await (await import('./replay-command.ts')).replayCommand(rest, io);
      case 'launch': {
        const { launchCommand } = await import('../launch/index.ts');
        const present = async (store: import('../session/store.ts').SessionStore, controls: { done: Promise<unknown> }) => {
          const { runTui } = await (await import('../ui/load.ts')).loadTui();
          await runTui({ store, mode: 'live', until: controls.done });
        };
        return await launchCommand(rest, io, io.isTTY ? { present } : {});
      }
      case 'live':
        return await (await import('./live-command.ts')).liveCommand(rest, io);
      case undefined:
        return await (await import('./live-command.ts')).liveCommand([], io);
      default:
        // `dlperf-top logs/*.log` is `dlperf-top live logs/*.log`, but only for a word that looks
        // like a path: a typo of a command must not become a watch of a file that is not there.
        if (cmd.startsWith('-') || looksLikePath(cmd)) return await (await import('./live-command.ts')).liveCommand(argv, io);
        throw new UserError(`unknown command '${cmd}'${didYouMean(cmd, COMMANDS)}`, `commands: ${COMMANDS.join(', ')}; to watch a file named '${cmd}': dlperf-top live ${cmd} (or ./${cmd})`);
    }
  } catch (e) {
    if (e instanceof UserError) {
      io.stderr.write(`dlperf-top: ${visible(e.message)}\n${e.hint ? `  hint: ${visible(e.hint)}\n` : ''}`);
      return e.exitCode;
    }
    // Out of descriptors before the command could even load its own code (ulimit -n of a few
    // dozen): the user's limit, not a bug to report.
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if (code === 'EMFILE' || code === 'ENFILE') {
      io.stderr.write(`dlperf-top: the limit on open files is too low for dlperf-top to start (${visible((e as Error).message)})\n  hint: raise it (ulimit -n 1024) and run again\n`);
      return EXIT.internal;
    }
    io.stderr.write(`dlperf-top: internal error: ${visibleLines((e as Error).stack ?? String(e))}\nPlease report this with the command line you used.\n`);
    return EXIT.internal;
  }
}

export const COMMANDS = ['live', 'replay', 'summary', 'compare', 'launch', 'formats', 'help', 'version'] as const;

/** A first word that starts live mode without `live`: an existing path, or one with `/`, `:` or a glob character. */
export function looksLikePath(word: string): boolean {
  return /[/:*?[\]{}]/.test(word) || existsSync(word);
}

async function commandHelp(cmd: string): Promise<string | undefined> {
  switch (cmd) {
    case 'live':
      return (await import('./live-command.ts')).LIVE_HELP;
    case 'replay':
      return (await import('./replay-command.ts')).REPLAY_HELP;
    case 'summary':
      return (await import('./summary-command.ts')).SUMMARY_HELP;
    case 'compare':
      return (await import('./compare-command.ts')).COMPARE_HELP;
    case 'launch':
      return (await import('../launch/index.ts')).LAUNCH_HELP;
    case 'formats':
      return 'Usage: dlperf-top formats\n\nList the log formats that are recognised (ids for --parser and --window FMT=).\n';
    case 'help':
    case 'version':
      return HELP;
    default:
      return undefined;
  }
}
