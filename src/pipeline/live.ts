import { existsSync } from 'node:fs';
import { RunSet, type RunSetOptions } from '../metrics/run-set.ts';
import { SessionStore } from '../session/store.ts';
import { createLocalSource } from '../sources/local-tail.ts';
import { clusterTargets, loadClusterFile, type ClusterSpec } from '../sources/ssh/cluster-file.ts';
import { expandHostlist } from '../sources/ssh/hostlist.ts';
import type { SshSourceOptions } from '../sources/ssh/ssh-tail.ts';
import type { LiveSource, SourceEvent } from '../sources/types.ts';
import { bytePathDefault } from './byte-feed.ts';
import { localSourceSpecs, remoteSourceSpecs } from './live-sources.ts';

/**
 * Live judges a run that only got lines once a second (its verdicts, final figure, deviations and
 * arrival lags), not at every snapshot: the counters and live figures of the rows stay per
 * snapshot, a flag a line raises and any change of the run's shape are at once, and the last
 * snapshot is judged fresh (session/store.ts analysisEveryMs).
 */
export const LIVE_ANALYSIS_MS = 1000;

export interface LiveOptions extends RunSetOptions {
  /** Local files/globs/directories and remote `[user@]host:/path` (hostlists allowed: `node[01-04]:/logs/x.log`). */
  sources: string[];
  cluster?: string;
  acceptNew?: boolean;
  /** Polling for shared filesystems where inotify sees nothing (true), events (false), or both ('auto'). */
  poll?: boolean | 'auto';
  pollMs?: number;
  /** Local files in fs events mode: a modified file is read at most this often (ms; default 50). */
  coalesceMs?: number;
  /** Directory watcher for local files in fs events mode (default: native on Linux, chokidar elsewhere). */
  watcher?: 'native' | 'chokidar';
  sshConfigPath?: string;
  knownHostsPath?: string;
  identityFiles?: string[];
  jump?: string;
  baselinePerGpu?: number;
  now?: () => number;
  /** Extra consumer of every source event (the recorder). */
  tap?: (events: SourceEvent[]) => void;
  /** Progress lines through the byte parsers (default: on unless DLPERF_TOP_BYTE_PATH=0; the results are the same). */
  bytePath?: boolean;
  /** Lines kept per file for the log pane (the store's default); 0 where nothing shows them (headless). */
  tailLines?: number;
  /** A run that only got lines is judged again at most this often (ms; StoreOptions.analysisEveryMs). @default 1000 */
  analysisEveryMs?: number;
  /** Further SSH source settings (agent, keepalive, reconnect backoff; tests use them). */
  ssh?: Partial<Omit<SshSourceOptions, 'targets' | 'emit' | 'now'>>;
}

export interface RemoteSpec {
  user?: string;
  host: string;
  path: string;
}

/** `[user@]host:/path` (not a local path that happens to contain a colon). */
export function parseRemote(arg: string): RemoteSpec[] | null {
  if (existsSync(arg)) return null;
  const m = /^(?:([A-Za-z0-9._-]+)@)?((?:[A-Za-z0-9._-]|\[[0-9,\- ]+\])+):(.+)$/.exec(arg);
  if (!m) return null;
  const hosts = expandHostlist(m[2]!);
  return hosts.map((host) => ({ ...(m[1] ? { user: m[1] } : {}), host, path: m[3]! }));
}

/** Remote files are shown as `host:/path`; their run is decided by the path alone (same path on every node = one run). */
export function runPathOf(file: string): string {
  const m = /^[A-Za-z0-9._-]+:(\/.*|~.*)$/.exec(file);
  return m ? m[1]! : file;
}

export interface Live {
  store: SessionStore;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Read what the sources know is waiting, now (before a headless snapshot). */
  drain(): void;
}

/** Wire sources → session store. The math is the RunSet's: the same as summary and replay. */
export async function createLive(opts: LiveOptions): Promise<Live> {
  const now = opts.now ?? Date.now;
  const runSet = new RunSet(opts);
  let store: SessionStore | undefined;
  const emit = (events: SourceEvent[]) => {
    opts.tap?.(events);
    store!.ingest(events);
  };
  const local: string[] = [];
  const remote = new Map<string, Array<{ node: string; host: string; user?: string; paths: string[] }>>();
  for (const s of opts.sources) {
    const r = parseRemote(s);
    if (!r) {
      local.push(s);
      continue;
    }
    for (const spec of r) {
      // One connection per host where the users agree: the node and every label (`host:/path`)
      // are the host's, so `node1:/x` and `u@node1:/x` read through two connections gave every
      // line twice (and a duplicate_lines flag of our own making). A user named once is the host's.
      const byHost = remote.get(spec.host) ?? [];
      let t = byHost.find((x) => !x.user || !spec.user || x.user === spec.user);
      if (!t) byHost.push((t = { node: spec.host, host: spec.host, paths: [] }));
      if (spec.user) t.user = spec.user;
      if (!t.paths.includes(spec.path)) t.paths.push(spec.path);
      remote.set(spec.host, byHost);
    }
  }
  let cluster: ClusterSpec | undefined;
  if (opts.cluster) cluster = await loadClusterFile(opts.cluster);
  const targets = [...[...remote.values()].flat(), ...(cluster ? clusterTargets(cluster) : [])];
  // Every source the user named has a row from the first snapshot (session/source-registry.ts).
  const specs = [...(await localSourceSpecs(local, process.cwd())), ...remoteSourceSpecs(targets)];
  // Progress lines through the byte parsers unless DLPERF_TOP_BYTE_PATH=0 (session/fast-line.ts).
  store = new SessionStore({ runSet, now, clock: 'wall', runPathOf, sources: specs, bytePath: opts.bytePath ?? bytePathDefault(), ...(opts.baselinePerGpu !== undefined ? { baselinePerGpu: opts.baselinePerGpu } : {}), ...(opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}), analysisEveryMs: opts.analysisEveryMs ?? LIVE_ANALYSIS_MS });
  const sources: LiveSource[] = [];
  if (local.length) sources.push(createLocalSource({ patterns: local, emit, now, ...(opts.poll !== undefined ? { poll: opts.poll } : {}), ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}), ...(opts.watcher !== undefined ? { watcher: opts.watcher } : {}), ...(opts.coalesceMs !== undefined ? { coalesceMs: opts.coalesceMs } : {}) }));
  if (targets.length) {
    // Loaded only when some source is remote: ssh2 (with its WebAssembly poly1305 module) adds
    // ≈ 13 MB of RSS to a process that follows local files only.
    const { createSshSource } = await import('../sources/ssh/ssh-tail.ts');
    const identityFiles = [...(opts.identityFiles ?? []), ...(cluster?.identityFiles ?? [])];
    const jump = opts.jump ?? cluster?.jump;
    sources.push(
      createSshSource({
        ...opts.ssh,
        targets,
        emit,
        now,
        ...(opts.acceptNew ? { acceptNew: true } : {}),
        ...(opts.sshConfigPath ? { sshConfigPath: opts.sshConfigPath } : {}),
        ...(opts.knownHostsPath ? { knownHostsPath: opts.knownHostsPath } : {}),
        ...(identityFiles.length ? { identityFiles } : {}),
        ...(jump ? { jump } : {}),
        ...((opts.pollMs ?? cluster?.pollMs) !== undefined ? { pollMs: opts.pollMs ?? cluster!.pollMs! } : {}),
      }),
    );
  }
  return {
    store,
    async start() {
      await Promise.all(sources.map((s) => s.start()));
    },
    async stop() {
      await Promise.all(sources.map((s) => s.stop()));
    },
    drain() {
      for (const s of sources) s.drain?.();
    },
  };
}
