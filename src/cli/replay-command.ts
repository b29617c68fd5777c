import { createReplay } from '../pipeline/replay.ts';
import { replayHeadless } from '../pipeline/replay-headless.ts';
import type { ReplaySpeed } from '../pipeline/replay-clock.ts';
import { INTERVAL_RANGE, numberOption, parseCommandArgs, refuseEmptyInputs } from './args.ts';
import { parserOption } from './known-sets.ts';
import { onStopSignals } from './output-guard.ts';
import { EXIT, UserError } from './errors.ts';
import type { Io } from './main.ts';
import { problemText } from './summary-command.ts';
import { parseMethodArg } from './method-arg.ts';
import { parseWindowArg } from './window-arg.ts';
import { visible } from '../shared/sanitize.ts';

export const REPLAY_HELP = `Usage: dlperf-top replay ARCHIVE|DIR|LOG... [options]

Play an archived run (DLPerf's .tgz bundles, or one recorded with 'live --record') through the
live screen with its original timing. Accepts everything 'summary' accepts.

Options:
  --speed N|max       1, 2, 5, 10, 60 or max (default 1); change it on screen with + and -
  --from T            start T seconds into the first run (or at an absolute log time ≥ 1e8 s)
  --run PATTERN       play only the runs whose path matches this regular expression
  --headless          print NDJSON (clock: "replay") instead of the screen
  --interval S        snapshot period in seconds of log time for --headless (default 1; 0.05 to 86400)
  --window [FMT=]A:B, --parser FMT, --method M, --baseline X   as for 'live' and 'summary'

Keys: space pause, + / - speed, ← / → seek 10 s (shift: 1 min; ← at 0:00: previous run),
      n / N next / previous run, r pick a run, e end of the run (held there until n, N, ← or
      space), / search the log, tab move the cursor, ? help, q quit.
At the end of each run and of the archive the screen shows the final numbers, which are the
numbers 'summary' prints for the same input; q leaves them on the terminal.
`;

export async function replayCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      speed: { type: 'string' },
      from: { type: 'string' },
      run: { type: 'string' },
      headless: { type: 'boolean' },
      interval: { type: 'string' },
      window: { type: 'string', multiple: true },
      method: { type: 'string' },
      parser: { type: 'string' },
      baseline: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'replay',
  );
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(REPLAY_HELP);
    return EXIT.ok;
  }
  if (parsed.positionals.length === 0) throw new UserError('replay needs an archive, a directory or a log', "try 'dlperf-top replay replays/resnet50-scaling-demo.tgz'");
  refuseEmptyInputs(parsed.positionals, 'input', 'replay');
  let speed: ReplaySpeed = 1;
  if (v.speed !== undefined) {
    if (v.speed === 'max') speed = 'max';
    else {
      const n = Number(v.speed.replace(/x$/i, ''));
      if (!Number.isFinite(n) || n <= 0) throw new UserError(`--speed '${v.speed}': expected a positive number or max`);
      speed = n;
    }
  }
  const num = (name: string, s: string | undefined) => numberOption(name, s, 'non-negative');
  let runPattern: RegExp | undefined;
  if (v.run) {
    try {
      runPattern = new RegExp(v.run);
    } catch (e) {
      throw new UserError(`--run '${v.run}': ${(e as Error).message}`);
    }
  }
  const from = num('from', v.from);
  const baseline = numberOption('baseline', v.baseline, 'positive', { max: 1e9 });
  const interval = numberOption('interval', v.interval, 'positive', INTERVAL_RANGE) ?? 1;
  const parser = parserOption(v.parser);
  if (typeof speed === 'number' && speed > 1e6) throw new UserError(`--speed '${v.speed}': out of range, expected at most 1000000 (or max)`);
  const headless = v.headless === true || !io.isTTY;
  const problems: string[] = [];
  const common = {
    inputs: parsed.positionals,
    speed,
    stdin: io.stdin,
    ...(from !== undefined ? { from } : {}),
    ...(runPattern ? { runPattern } : {}),
    ...(baseline !== undefined ? { baselinePerGpu: baseline } : {}),
    ...(v.window ? { windows: v.window.map(parseWindowArg) } : {}),
    ...parseMethodArg(v.method),
    ...(parser ? { format: parser } : {}),
    onProblem: (p: Parameters<typeof problemText>[0]) => {
      const t = problemText(p);
      problems.push(t);
      if (headless) io.stderr.write(`dlperf-top: ${t}\n`);
    },
  };
  if (headless) {
    // stdout's reader gone (`| head -1`) or a signal: stop playing, exit 0.
    const ac = new AbortController();
    const unSignal = onStopSignals(() => ac.abort());
    const onClosed = () => ac.abort();
    io.stdoutClosed?.addEventListener('abort', onClosed);
    let r;
    try {
      r = await replayHeadless({ ...common, out: io.stdout, intervalMs: interval * 1000, signal: ac.signal });
    } finally {
      unSignal();
      io.stdoutClosed?.removeEventListener('abort', onClosed);
    }
    if (ac.signal.aborted) return EXIT.ok;
    if (r.recognised === 0) {
      io.stderr.write(`dlperf-top: no run recognised in ${visible(parsed.positionals.join(', '))}\n`);
      return EXIT.noRuns;
    }
    return EXIT.ok;
  }
  const replay = createReplay(common);
  const { runTui } = await (await import('../ui/load.ts')).loadTui();
  const done = replay.run().catch((e: unknown) => {
    problems.push(`replay stopped: ${(e as Error).message}`);
    return { runs: 0 };
  });
  await runTui({ store: replay.store, mode: 'replay', controls: replay.controls });
  replay.stop();
  await done;
  replay.store.dispose();
  for (const p of problems) io.stderr.write(`dlperf-top: ${p}\n`);
  return EXIT.ok;
}
