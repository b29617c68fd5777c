import { attachNdjson } from '../report/ndjson-presenter.ts';
import { createLive, type LiveOptions } from '../pipeline/live.ts';
import type { SessionStore } from '../session/store.ts';
import { INTERVAL_RANGE, numberOption, parseCommandArgs, refuseEmptyInputs, type NumberRange } from './args.ts';
import { EXIT, UserError } from './errors.ts';
import type { Io } from './main.ts';
import { parseMethodArg } from './method-arg.ts';
import { parseWindowArg } from './window-arg.ts';
import { parserOption } from './known-sets.ts';
import { outputArg } from './output-arg.ts';
import { onStopSignals } from './output-guard.ts';
import { visible } from '../shared/sanitize.ts';
import { allSourcesFailed, exitVerdict, lostSources, nothingToWaitFor, problemLine, sourceStateLine } from './live-exit.ts';
import type { SourceView } from '../session/source-registry.ts';

export const LIVE_HELP = `Usage: dlperf-top [live] SOURCE... [options]

Watch the training logs of every node at once.

SOURCE  a local file, directory or glob ('logs/**/*.log'), or a remote file over SSH:
        [user@]host:/path/oneflow.log  (hostlists work: node[01-04]:/logs/rank*.log)

Options:
  --cluster FILE          nodes, users, ports and log paths from a YAML cluster file
  --accept-new            accept (and record in known_hosts) keys of hosts never seen before;
                          a changed key is always refused
  --ssh-config FILE       instead of ~/.ssh/config        --known-hosts FILE   instead of ~/.ssh/known_hosts
  -i, --identity FILE     private key to try (repeatable)  --jump HOST          ProxyJump for every node
  --poll                  poll files with chokidar (NFS, Lustre: inotify sees nothing); --poll-ms N
                          sets the period (default 500)
  --watcher native|chokidar  directory watcher for local files (default: native on Linux, one
                          inotify watch per directory; chokidar elsewhere)
  --window [FMT=]A:B      measuring window (see 'dlperf-top summary --help'); --parser FMT forces a format
  --method reported|timestamps   throughput method (see 'dlperf-top summary --help')
  --baseline X            samples/s of one GPU, for speedup and scaling efficiency on screen
  --record FILE.tgz       also write what was watched as an archive (DLPerf layout + manifest)
  --headless              print NDJSON (spec: snapshots every --interval, events as they happen)
  --interval S            snapshot period in seconds for --headless (default 1; 0.05 to 86400)
  --exit-when-done        end once every run's window is complete and its log quiet for --idle s
                          (or every named source failed); exit 5 when a named source never
                          delivered a line or ended in error (stderr and the last snapshot name it)
  --idle S                quiet time that ends a run for --exit-when-done (default 5; 0.1 to 86400)
  --missing-after S       --exit-when-done with no source delivering: stop waiting after S s
                          (default 60; 0.1 to 86400); sources still retrying count as missing
Keys on screen: ? help, q quit (see the help overlay for the rest).
`;

/** Open-ended windows (Megatron, GPT) complete when their log goes quiet; DLPerf windows when their last iteration arrives. */
function finishQuietRuns(store: SessionStore, idleMs: number): boolean {
  const now = store.now();
  let all = store.runSet.runs.size > 0;
  for (const run of store.runSet.runs.values()) {
    const quiet = run.files.every((f) => f.ended || (f.lastLineAt !== null && now - f.lastLineAt >= idleMs));
    const p = run.primary();
    if (quiet && p?.format) for (const f of run.files) if (!f.ended) store.endFile(f.file);
    const done = quiet && (run.status() !== 'too_short' || run.files.every((f) => f.ended));
    if (!done) all = false;
  }
  return all;
}

export async function liveCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      cluster: { type: 'string' },
      'accept-new': { type: 'boolean' },
      'ssh-config': { type: 'string' },
      'known-hosts': { type: 'string' },
      identity: { type: 'string', short: 'i', multiple: true },
      jump: { type: 'string' },
      poll: { type: 'boolean' },
      'poll-ms': { type: 'string' },
      watcher: { type: 'string' },
      window: { type: 'string', multiple: true },
      method: { type: 'string' },
      parser: { type: 'string' },
      baseline: { type: 'string' },
      record: { type: 'string' },
      headless: { type: 'boolean' },
      interval: { type: 'string' },
      'exit-when-done': { type: 'boolean' },
      idle: { type: 'string' },
      'missing-after': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'live',
  );
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(LIVE_HELP);
    return EXIT.ok;
  }
  if (parsed.positionals.length === 0 && !v.cluster) throw new UserError('live needs log files to watch (paths, globs, host:/path) or --cluster FILE', "try 'dlperf-top replay replays/resnet50-scaling-demo.tgz' to see the screen without a cluster");
  // An empty word (an unset variable: `live "$LOGS"`) resolves to the working directory: every
  // file under it would be followed, the tool's own output included, under a source named ''.
  refuseEmptyInputs(parsed.positionals, 'SOURCE', 'live');
  const num = (name: string, s: string | undefined, def: number, range: NumberRange = {}) => numberOption(name, s, 'positive', range) ?? def;
  const headless = v.headless === true || !io.isTTY;
  const intervalMs = num('interval', v.interval, 1, INTERVAL_RANGE) * 1000;
  const idleMs = num('idle', v.idle, 5, { min: 0.1, max: 86_400, unit: 's' }) * 1000;
  const missingAfterMs = num('missing-after', v['missing-after'], 60, { min: 0.1, max: 86_400, unit: 's' }) * 1000;
  const pollMs = v['poll-ms'] !== undefined ? num('poll-ms', v['poll-ms'], 500, { min: 10, max: 600_000, unit: 'ms' }) : undefined;
  const baseline = v.baseline !== undefined ? num('baseline', v.baseline, 1, { max: 1e9 }) : undefined;
  const parser = parserOption(v.parser);
  const watcher = v.watcher !== undefined ? watcherArg(v.watcher) : undefined;
  const recordPath = outputArg('--record', v.record, parsed.positionals);
  let recorder: { record(e: import('../sources/types.ts').SourceEvent[]): void; finish(runSet: import('../metrics/run-set.ts').RunSet): Promise<unknown>; abort(): Promise<void> } | undefined;
  if (recordPath) {
    const { createRecorder } = await import('../pipeline/recorder.ts');
    recorder = createRecorder(recordPath, { now: Date.now }) as typeof recorder;
  }
  const opts: LiveOptions = {
    sources: parsed.positionals,
    ...(v.cluster ? { cluster: v.cluster } : {}),
    ...(v['accept-new'] ? { acceptNew: true } : {}),
    ...(v['ssh-config'] ? { sshConfigPath: v['ssh-config'] } : {}),
    ...(v['known-hosts'] ? { knownHostsPath: v['known-hosts'] } : {}),
    ...(v.identity ? { identityFiles: v.identity } : {}),
    ...(v.jump ? { jump: v.jump } : {}),
    ...(v.poll ? { poll: true } : {}),
    ...(pollMs !== undefined ? { pollMs } : {}),
    ...(watcher !== undefined ? { watcher } : {}),
    // Headless: local files are read right before each snapshot (live.drain below), and between
    // snapshots at most every 1.5 intervals (at most 250 ms, so that events are not held longer),
    // instead of every 50 ms: at --interval 0.1 and 1,024 busy files, half the reads.
    // Headless shows no log pane: no file keeps a tail (at 1,024 streams the tails' strings were
    // most of what reached the old generation, and so most of the major GCs).
    ...(headless ? { tailLines: 0 } : {}),
    ...(headless ? { coalesceMs: Math.min(250, Math.max(50, 1.5 * intervalMs)) } : {}),
    ...(v.window ? { windows: v.window.map(parseWindowArg) } : {}),
    ...parseMethodArg(v.method),
    ...(parser ? { format: parser } : {}),
    ...(baseline !== undefined ? { baselinePerGpu: baseline } : {}),
    ...(recorder ? { tap: (e) => recorder!.record(e) } : {}),
  };
  let live;
  try {
    live = await createLive(opts);
  } catch (e) {
    await recorder?.abort();
    throw new UserError((e as Error).message);
  }
  const { store } = live;
  const ticker = setInterval(() => store.tick(), 500);
  // Ctrl-C, SIGTERM, SIGHUP (terminal gone) or stdout's reader gone (`| head -1`, EPIPE): a
  // normal end — stop reading, finish the recording, exit 0.
  let stopRequested = false;
  let stopHeadless = () => {};
  const requestStop = () => {
    stopRequested = true;
    stopHeadless();
  };
  const unSignal = headless ? onStopSignals(requestStop) : () => {};
  const onClosed = requestStop;
  io.stdoutClosed?.addEventListener('abort', onClosed);
  let recordFailed = false;
  let exitCode: number = EXIT.ok;
  // Not awaited before the first frame: every named source is on screen (connecting, then why
  // not) while slow ones are still being reached. Its failure still fails the command.
  let started = false;
  const starting = live.start().then(() => {
    started = true;
  });
  starting.catch(() => requestStop());
  try {
    if (headless) {
      const nd = attachNdjson(store, io.stdout, 'wall');
      const offStderr = store.onEvent((e) => {
        if (e.kind === 'source') io.stderr.write(sourceStateLine(e.view));
        // As summary says them: a skipped binary file, a cut line, a name that is not a log.
        else if (e.kind === 'problem') io.stderr.write(problemLine(e.problem));
      });
      // Ended on --missing-after (no source delivered, some still retrying): the verdict says so.
      let gaveUp = false;
      let lost: SourceView[] = [];
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          live.drain();
          // A source that lost its connection after delivering lines holds the quiet runs open for
          // --missing-after (its unsent lines may change them); past that it is missing (exit 5).
          const lostNow = v['exit-when-done'] && started ? lostSources(store) : [];
          const lostWaiting = lostNow.some((l) => store.now() - l.since < missingAfterMs);
          const quietRuns = v['exit-when-done'] && started && !lostWaiting && finishQuietRuns(store, idleMs);
          if (quietRuns && lostNow.length > 0) {
            lost = lostNow;
            gaveUp = true;
          }
          const noRuns = v['exit-when-done'] && started && !quietRuns && !lostWaiting && nothingToWaitFor(store, missingAfterMs);
          if (noRuns && !allSourcesFailed(store)) gaveUp = true;
          const done = quietRuns || noRuns;
          // The last one (done) is written whatever the reader's backlog.
          if (done) nd.snapshot();
          else nd.periodic();
          if (done) {
            clearInterval(timer);
            resolve();
          }
        }, intervalMs);
        stopHeadless = () => {
          clearInterval(timer);
          resolve();
        };
        if (stopRequested || io.stdoutClosed?.aborted) stopHeadless();
      });
      await live.stop();
      await starting;
      offStderr();
      if (v['exit-when-done']) {
        // The final snapshot says which named sources fail the run (and why).
        store.flush({ fresh: true });
        const verdict = exitVerdict(store, gaveUp ? missingAfterMs / 1000 : undefined, lost);
        nd.snapshot({ exit: { code: verdict.code, missing: verdict.missing.map((m) => ({ source: m.source, node: m.node, state: m.state, reason: m.reason })), ...(gaveUp ? { gave_up_after_s: missingAfterMs / 1000 } : {}) } });
        if (verdict.message) io.stderr.write(verdict.message);
        exitCode = verdict.code;
      } else nd.snapshot();
      nd.detach();
    } else {
      const { runTui } = await (await import('../ui/load.ts')).loadTui();
      await runTui({ store, mode: 'live' });
      await live.stop();
      await starting;
    }
  } finally {
    clearInterval(ticker);
    unSignal();
    io.stdoutClosed?.removeEventListener('abort', onClosed);
    if (recorder) {
      try {
        await recorder.finish(store.runSet);
        io.stderr.write(`dlperf-top: recorded to ${visible(recordPath!)}\n`);
      } catch (e) {
        recordFailed = true;
        io.stderr.write(`dlperf-top: ${visible((e as Error).message)}\n`);
      }
    }
    store.dispose();
  }
  return recordFailed ? EXIT.internal : exitCode;
}

function watcherArg(v: string): 'native' | 'chokidar' {
  if (v === 'native' || v === 'chokidar') return v;
  throw new UserError(`--watcher must be native or chokidar, not '${v}'`);
}
