/**
 * `dlperf-top launch RECIPE …`: plan a DLPerf-style sweep from a recipe, start each case on every
 * node (ssh, or Slurm), watch it live, stop exactly what was started, and archive the logs in
 * DLPerf's layout with a summary beside the archive.
 *
 * `launchCommand(argv, io, deps)` returns the exit code: 0 every case ok, 4 some case failed,
 * 2 usage or recipe errors, 130 interrupted. The CLI hooks it in; `deps.present(store, controls)`
 * is where the live screen plugs in (without it: --headless NDJSON, or progress lines on stderr).
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { checkOutputPath, OutputPathError } from '../shared/safe-output.ts';
import { parseArgs } from 'node:util';
import { RunSet } from '../metrics/run-set.ts';
import { attachNdjson } from '../report/ndjson-presenter.ts';
import { PlanProgress } from '../session/plan-progress.ts';
import { SessionStore } from '../session/store.ts';
import { ClusterFileError, loadClusterFile } from '../sources/ssh/cluster-file.ts';
import { expandHostlist, HostlistError } from '../sources/ssh/hostlist.ts';
import { createSlurmBackend, type SlurmBackendOptions } from './backends/slurm.ts';
import { createSshBackend, type SshBackendOptions } from './backends/ssh.ts';
import { resolveSshHosts, type HostSpec, type ResolvedHost, type SshResolveOptions } from './backends/ssh-hosts.ts';
import type { Backend } from './backends/types.ts';
import { dryRunJson, dryRunText } from './dry-run.ts';
import { PlanError, planSweep, type BackendKind, type Plan } from './plan.ts';
import { displaySafe } from './quote.ts';
import { loadRecipe, RecipeError } from './recipe.ts';
import { createSweep, runPathsOf, type CaseEvent, type Sweep, type SweepResult } from './sweep.ts';
import { caseSourceSpecs } from './case-sources.ts';
import { sourceStateLine } from '../cli/live-exit.ts';

export { planSweep, PlanError, type Plan, type PlannedCase, type PlannedNode, type PlanHost, type PlanOptions } from './plan.ts';
export { loadRecipe, parseRecipe, resolveRecipePath, listRecipes, LAUNCHERS_DIR } from './recipe.ts';
export { RecipeError, validateRecipe, BUILTIN_PLACEHOLDERS, DEFAULT_ENV, DEFAULT_LOG_NAME, type Recipe } from './recipe-schema.ts';
export { createSweep, type Sweep, type SweepResult, type CaseEvent } from './sweep.ts';
export { dryRunJson, dryRunText } from './dry-run.ts';
export { writeRunArchive, summaryPathFor, buildManifest } from './archive.ts';
export { createSshBackend } from './backends/ssh.ts';
export { createSlurmBackend } from './backends/slurm.ts';
export { shQuote, shQuoteWords } from './quote.ts';

export const LAUNCH_EXIT = { ok: 0, usage: 2, failed: 4, interrupted: 130 } as const;

export const LAUNCH_HELP = `Usage: dlperf-top launch RECIPE [options]

Run a benchmark sweep on every node, watch it live, and archive the logs in DLPerf's layout
(logs/<framework>/<N>n<G>g/<model>_b<bsz>_<precision>_<repeat>.log + manifest.json), with the
summary table written beside the archive.

RECIPE  a recipe file (YAML), or the name of a shipped one: oneflow-resnet50, oneflow-bert-base,
        oneflow-gpt, megatron-gpt, ngc-pytorch-resnet50, ngc-pytorch-bert (see launchers/README.md)

Where:
  --hosts H1,H2,…         hosts in rank order (hostlists work: node[1-4]); a case of N nodes uses
                          the first N, ranks 0…N-1
  --cluster FILE          hosts (and users, ports, jump host) from a cluster file, as in live mode
  --backend ssh|slurm     ssh (default): plain hosts; slurm: each case is an srun job placed by Slurm
  --shared-dir DIR        slurm: directory on the shared filesystem for the node logs
                          (default ./dlperf-top-runs)
  --partition P           slurm: partition for every case
What:
  --nodes 1,2,4           keep the recipe's cases with these node counts
  --gpus 1,8              keep the cases with these GPUs per node; with --nodes: replace the
                          pairs (zipped like the recipe, or one value for all)
  --batch 128[,64]        batch sizes per device        --precision fp32[,amp]   precisions
  --repeats 7             repeats of each case          --set NAME=VALUE         a recipe parameter
  --timeout S             stop a case after S seconds   --grace S                SIGTERM→SIGKILL wait
Output:
  --dry-run               print the plan: every case, every node's command line and environment
  --format text|json      format of --dry-run (default text)
  --archive FILE.tgz      run archive (default runs/<recipe>-<timestamp>.tgz); its directory is
                          created, the path checked before anything starts
  --headless              NDJSON on stdout (as live --headless) instead of the screen
  --interval S            snapshot period for --headless (default 1)
SSH:
  --accept-new            accept (and record) keys of hosts never seen; a changed key is refused
  --ssh-config FILE  --known-hosts FILE  -i, --identity FILE  --jump HOST

Ctrl-C or q stops the running case: SIGTERM to exactly the process groups the launcher started
(on every node), SIGKILL after the grace period; a second Ctrl-C kills them at once.
Exit codes: 0 every case ok; 4 some case failed; 2 bad arguments or recipe; 130 interrupted.
`;

export interface LaunchIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  isTTY: boolean;
}

export interface LaunchControls {
  readonly plan: Plan;
  /** First call: graceful stop and end of the sweep; second call (or force): SIGKILL now. */
  stop(force?: boolean): void;
  /** Resolves when the sweep has ended (archive and summary written). */
  readonly done: Promise<SweepResult>;
}

export interface LaunchDeps {
  now?: () => number;
  /** The live screen: resolves when the user leaves it (then the sweep is stopped) or after `done`. */
  present?: (store: SessionStore, controls: LaunchControls) => Promise<void>;
  /** Install SIGINT/SIGTERM handlers (default true). */
  signals?: boolean;
  /** Where shipped recipes are looked up. */
  launchersDir?: string;
  /** Base directory for relative defaults (archive, shared dir). Default process.cwd(). */
  cwd?: string;
  /** Fixed session id (tests). */
  session?: string;
  /** SSH: test settings (home, agent, poll periods). */
  ssh?: Partial<Omit<SshBackendOptions, 'hosts'>> & Pick<SshResolveOptions, 'home' | 'localUser'>;
  /** Slurm: programs and environment. */
  slurm?: Partial<SlurmBackendOptions>;
  /** Receives the sweep as soon as it exists (tests interrupt it). */
  onSweep?: (sweep: Sweep) => void;
  /** Replace the backend (tests). */
  backend?: (plan: Plan, hosts: readonly ResolvedHost[]) => Backend;
}

class UsageError extends Error {}

function intList(flag: string, v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => s.trim());
  const out = parts.map(Number);
  if (parts.some((p) => !/^\d+$/.test(p)) || out.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new UsageError(`${flag} '${v}': expected whole numbers ≥ 1, comma-separated`);
  }
  return out;
}

function seconds(flag: string, v: string | undefined, allowZero = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new UsageError(`${flag} '${v}': expected a number of seconds`);
  return n;
}

function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export async function launchCommand(argv: string[], io: LaunchIo, deps: LaunchDeps = {}): Promise<number> {
  const now = deps.now ?? Date.now;
  const err = (m: string) => io.stderr.write(`dlperf-top: launch: ${displaySafe(m)}\n`);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        hosts: { type: 'string' },
        cluster: { type: 'string' },
        backend: { type: 'string' },
        'shared-dir': { type: 'string' },
        partition: { type: 'string' },
        nodes: { type: 'string' },
        gpus: { type: 'string' },
        batch: { type: 'string' },
        precision: { type: 'string' },
        repeats: { type: 'string' },
        set: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        grace: { type: 'string' },
        'dry-run': { type: 'boolean' },
        format: { type: 'string' },
        archive: { type: 'string' },
        headless: { type: 'boolean' },
        interval: { type: 'string' },
        'accept-new': { type: 'boolean' },
        'ssh-config': { type: 'string' },
        'known-hosts': { type: 'string' },
        identity: { type: 'string', short: 'i', multiple: true },
        jump: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    err(`${(e as Error).message} (see 'dlperf-top launch --help')`);
    return LAUNCH_EXIT.usage;
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(LAUNCH_HELP);
    return LAUNCH_EXIT.ok;
  }

  const cwd = deps.cwd ?? process.cwd();
  let plan: Plan;
  let resolved: ResolvedHost[] = [];
  let loaded;
  try {
    if (parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? "launch needs a RECIPE (a file, or a shipped name such as oneflow-resnet50; see 'dlperf-top launch --help')" : `launch takes one RECIPE, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
    const backend = (v.backend ?? 'ssh') as BackendKind;
    if (backend !== 'ssh' && backend !== 'slurm') throw new UsageError(`--backend '${v.backend}': expected ssh or slurm`);
    const format = v.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format '${format}': expected text or json`);
    if (v.format && !v['dry-run']) throw new UsageError('--format applies to --dry-run');
    if (v.hosts && v.cluster) throw new UsageError('give --hosts or --cluster, not both');
    if (backend === 'slurm' && (v.hosts || v.cluster)) throw new UsageError('--backend slurm places the nodes itself: leave out --hosts/--cluster');
    const set: Record<string, string> = {};
    for (const s of v.set ?? []) {
      const eq = s.indexOf('=');
      if (eq <= 0) throw new UsageError(`--set '${s}': expected NAME=VALUE`);
      set[s.slice(0, eq)] = s.slice(eq + 1);
    }
    const repeats = intList('--repeats', v.repeats)?.[0];
    if (v.repeats !== undefined && v.repeats.includes(',')) throw new UsageError(`--repeats '${v.repeats}': expected one number`);
    const precision = v.precision?.split(',').map((s) => s.trim());
    const timeout = seconds('--timeout', v.timeout);
    const grace = seconds('--grace', v.grace, true);
    if (v.interval !== undefined) seconds('--interval', v.interval);

    loaded = await loadRecipe(parsed.positionals[0]!, deps.launchersDir);
    const session = deps.session ?? `${loaded.recipe.name}-${stamp(now())}`;

    // Hosts (ssh): --hosts or --cluster, resolved through ssh_config like live mode.
    let specs: HostSpec[] = [];
    let jump = v.jump;
    let identityFiles = v.identity;
    if (v.hosts) {
      let names: string[];
      try {
        names = expandHostlist(v.hosts);
      } catch (e) {
        throw new UsageError(`--hosts: ${e instanceof HostlistError ? e.message : String(e)}`);
      }
      specs = names.map((n) => ({ name: n, host: n }));
    } else if (v.cluster) {
      try {
        const spec = await loadClusterFile(v.cluster);
        specs = spec.nodes.map((n) => {
          const user = n.user ?? spec.user;
          const port = n.port ?? spec.port;
          return { name: n.node, host: n.host, ...(user !== undefined ? { user } : {}), ...(port !== undefined ? { port } : {}) };
        });
        jump ??= spec.jump;
        if (!identityFiles && spec.identityFiles) identityFiles = [...spec.identityFiles];
      } catch (e) {
        throw new UsageError(e instanceof ClusterFileError ? e.message : String(e));
      }
    }
    if (backend === 'ssh') {
      resolved = await resolveSshHosts(
        specs,
        {
          ...(v['ssh-config'] ? { sshConfigPath: v['ssh-config'] } : {}),
          ...(v['known-hosts'] ? { knownHostsPath: v['known-hosts'] } : {}),
          ...(v['accept-new'] ? { acceptNew: true } : {}),
          ...(identityFiles ? { identityFiles } : {}),
          ...(jump ? { jump } : {}),
          ...(deps.ssh?.home ? { home: deps.ssh.home } : {}),
          ...(deps.ssh?.localUser ? { localUser: deps.ssh.localUser } : {}),
        },
        (m) => err(m),
      );
    }
    plan = planSweep(loaded.recipe, {
      backend,
      hosts: resolved.map((h) => ({ name: h.name, address: h.address })),
      session,
      ...(v.nodes ? { nodes: intList('--nodes', v.nodes)! } : {}),
      ...(v.gpus ? { gpus: intList('--gpus', v.gpus)! } : {}),
      ...(v.batch ? { batch: intList('--batch', v.batch)! } : {}),
      ...(precision ? { precision } : {}),
      ...(repeats !== undefined ? { repeats } : {}),
      set,
      ...(backend === 'slurm' ? { sharedDir: resolvePath(cwd, v['shared-dir'] ?? 'dlperf-top-runs') } : {}),
    });
    if (timeout !== undefined || grace !== undefined) plan = { ...plan, ...(timeout !== undefined ? { timeout_s: timeout } : {}), ...(grace !== undefined ? { stop_grace_s: grace } : {}) };
    if (v['dry-run']) {
      io.stdout.write(format === 'json' ? dryRunJson(plan) : dryRunText(plan));
      return LAUNCH_EXIT.ok;
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof RecipeError || e instanceof PlanError) {
      err(e.message);
      return LAUNCH_EXIT.usage;
    }
    throw e;
  }

  // ---- run ----------------------------------------------------------------------------------
  // The archive path is checked before anything starts on a node (src/shared/safe-output.ts).
  let archive: string;
  try {
    const wanted = v.archive ?? `runs/${plan.session}.tgz`;
    // Its directory is created (as runs/ always was) — unless the path is empty or names a directory.
    if (wanted.trim() !== '' && !wanted.endsWith('/')) await mkdir(dirname(resolvePath(cwd, wanted)), { recursive: true });
    archive = checkOutputPath(wanted, { flag: '--archive', cwd });
  } catch (e) {
    err(e instanceof OutputPathError ? `${e.message} (nothing was started)` : `--archive: ${(e as Error).message} (nothing was started)`);
    return LAUNCH_EXIT.usage;
  }
  const backend: Backend = deps.backend
    ? deps.backend(plan, resolved)
    : plan.backend === 'ssh'
      ? createSshBackend({ hosts: resolved, onNote: (h, m) => err(`${h}: ${m}`), ...(v['accept-new'] ? { acceptNewFlag: '--accept-new' } : {}), ...deps.ssh })
      : createSlurmBackend({ ...(v.partition ? { partition: v.partition } : {}), ...deps.slurm });
  const runPaths = runPathsOf(plan, backend);
  const store = new SessionStore({ runSet: new RunSet(), now, clock: 'wall', runPathOf: (file) => runPaths.get(file) ?? file });
  const ndjson = v.headless === true;
  /** Without a screen (none hooked in, or --headless): progress lines on stderr, or NDJSON. */
  const headless = ndjson || !deps.present;
  const nd = ndjson ? attachNdjson(store, io.stdout, 'wall') : null;
  // As live --headless: a stderr line per change of a named source's state (the node logs).
  const offSources = nd ? store.onEvent((e) => e.kind === 'source' && io.stderr.write(sourceStateLine(e.view))) : () => {};
  const total = plan.cases.length;
  // The board shows the plan: cases pending / running / done / failed, and an ETA.
  const progress = new PlanProgress(plan.cases.map((c) => c.id));
  store.plan = progress;
  const caseLine = (e: CaseEvent) => {
    // The case's node logs are named sources from its start (rows, coverage, sources[]), as in live.
    if (e.type === 'start') store.addSources(caseSourceSpecs(e.case, backend));
    if (e.type === 'start') progress.start(e.case.id, e.time);
    else if (e.type === 'end') progress.end(e.case.id, e.outcome.status === 'ok', e.time);
    if (e.type !== 'stopping') store.flush();
    if (nd) {
      const base = { type: 'event', schema: 1, time: new Date(e.time).toISOString(), event: 'case' };
      if (e.type === 'start') {
        io.stdout.write(JSON.stringify({ ...base, case: e.case.id, state: 'started', index: e.case.index + 1, of: total, num_nodes: e.case.num_nodes, gpu_num_per_node: e.case.gpu_num_per_node, batch_size_per_device: e.case.batch_size_per_device, precision: e.case.precision, repeat: e.case.repeat, hosts: e.case.nodes.map((n) => n.host) }) + '\n');
      } else if (e.type === 'end') {
        io.stdout.write(JSON.stringify({ ...base, case: e.case.id, state: e.outcome.status, reason: e.outcome.reason, exit_codes: e.outcome.nodes.map((n) => n.exitCode) }) + '\n');
      } else {
        io.stdout.write(JSON.stringify({ ...base, event: 'stopping', force: e.force }) + '\n');
      }
    } else if (headless) {
      if (e.type === 'start') io.stderr.write(displaySafe(`[${e.case.index + 1}/${total}] ${e.case.id}${plan.backend === 'ssh' ? ` on ${e.case.nodes.map((n) => n.host).join(',')}` : ''} …\n`));
      else if (e.type === 'end') io.stderr.write(displaySafe(`[${e.case.index + 1}/${total}] ${e.case.id}: ${e.outcome.status}${e.outcome.reason ? ` — ${e.outcome.reason}` : ''} (${((e.outcome.endedAt - e.outcome.startedAt) / 1000).toFixed(1)} s)\n`));
      else io.stderr.write(e.force ? 'dlperf-top: launch: killing the running case now\n' : 'dlperf-top: launch: stopping the running case (Ctrl-C again to kill it now)\n');
    }
  };
  const sweep = createSweep({ plan, backend, archive, recipePath: loaded.path, recipeText: loaded.text, argv, store, now, onCase: caseLine });
  deps.onSweep?.(sweep);

  const onSignal = () => sweep.stop();
  if (deps.signals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const ticker = setInterval(() => store.tick(), 500);
  const intervalMs = (seconds('--interval', v.interval) ?? 1) * 1000;
  const snapTimer = nd ? setInterval(() => nd.snapshot(), intervalMs) : null;
  let result: SweepResult;
  let settled = false;
  try {
    const done = sweep.run();
    if (deps.present && !ndjson) {
      const presented = deps.present(store, { plan, stop: (f) => sweep.stop(f), done });
      // Leaving the screen (q) stops the sweep; the sweep ending ends the screen's wait.
      const leave = () => {
        if (!settled) sweep.stop();
      };
      await Promise.race([presented.then(leave, leave), done.then(() => undefined, () => undefined)]);
    }
    result = await done;
  } finally {
    settled = true;
    clearInterval(ticker);
    if (snapTimer) clearInterval(snapTimer);
    if (deps.signals !== false) {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  }
  offSources();
  if (nd) {
    nd.snapshot();
    nd.detach();
    io.stdout.write(
      JSON.stringify({ type: 'launch', schema: 1, time: new Date(now()).toISOString(), event: 'done', archive: result.archive, summary: result.summaryPath, ok: result.ok, failed: result.failed, not_run: result.notRun, interrupted: result.interrupted, exit_code: result.exitCode }) + '\n',
    );
  }
  store.dispose();
  const out = ndjson ? io.stderr : io.stdout;
  if (result.summaryText) out.write(displaySafe(result.summaryText));
  io.stderr.write(
    `dlperf-top: launch: ${result.ok} ok, ${result.failed} failed${result.notRun ? `, ${result.notRun} not run` : ''}${result.interrupted ? ' (interrupted)' : ''}; archive ${displaySafe(result.archive)}${result.summaryPath ? `, summary ${displaySafe(result.summaryPath)}` : ''}\n`,
  );
  return result.exitCode;
}
