import { attachNdjson } from '../report/ndjson-presenter.ts';
import { createLive, type LiveOptions } from '../pipeline/live.ts';
import type { SessionStore } from '../session/store.ts';
import { numberOption, parseCommandArgs } from './args.ts';
import { EXIT, UserError } from './errors.ts';
import type { Io } from './main.ts';
import { parseMethodArg } from './method-arg.ts';
import { parseWindowArg } from './window-arg.ts';

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
  --interval S            snapshot period in seconds for --headless (default 1)
  --exit-when-done        end once every run's window is complete and its log quiet for --idle s
  --idle S                quiet time that ends a run for --exit-when-done (default 5)
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
  const num = (name: string, s: string | undefined, def: number) => numberOption(name, s, 'positive') ?? def;
  const headless = v.headless === true || !io.isTTY;
  const intervalMs = num('interval', v.interval, 1) * 1000;
  const idleMs = num('idle', v.idle, 5) * 1000;
  let recorder: { record(e: import('../sources/types.ts').SourceEvent[]): void; finish(runSet: import('../metrics/run-set.ts').RunSet): Promise<unknown> } | undefined;
  if (v.record) {
    const { createRecorder } = await import('../pipeline/recorder.ts');
    recorder = createRecorder(v.record, { now: Date.now }) as typeof recorder;
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
    ...(v['poll-ms'] ? { pollMs: num('poll-ms', v['poll-ms'], 500) } : {}),
    ...(v.watcher !== undefined ? { watcher: watcherArg(v.watcher) } : {}),
    ...(v.window ? { windows: v.window.map(parseWindowArg) } : {}),
    ...parseMethodArg(v.method),
    ...(v.parser ? { format: v.parser } : {}),
    ...(v.baseline ? { baselinePerGpu: num('baseline', v.baseline, 1) } : {}),
    ...(recorder ? { tap: (e) => recorder!.record(e) } : {}),
  };
  let live;
  try {
    live = await createLive(opts);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const { store } = live;
  const ticker = setInterval(() => store.tick(), 500);
  try {
    await live.start();
    if (headless) {
      const nd = attachNdjson(store, io.stdout, 'wall');
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const done = v['exit-when-done'] && finishQuietRuns(store, idleMs);
          nd.snapshot();
          if (done) {
            clearInterval(timer);
            resolve();
          }
        }, intervalMs);
        const stop = () => {
          clearInterval(timer);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await live.stop();
      nd.snapshot();
      nd.detach();
    } else {
      const { runTui } = await import('../ui/render.tsx');
      await runTui({ store, mode: 'live' });
      await live.stop();
    }
  } finally {
    clearInterval(ticker);
    if (recorder) {
      await recorder.finish(store.runSet);
      io.stderr.write(`dlperf-top: recorded to ${v.record}\n`);
    }
    store.dispose();
  }
  return EXIT.ok;
}

function watcherArg(v: string): 'native' | 'chokidar' {
  if (v === 'native' || v === 'chokidar') return v;
  throw new UserError(`--watcher must be native or chokidar, not '${v}'`);
}
