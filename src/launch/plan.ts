/**
 * Plan a sweep: recipe + command-line options → every case, and for every node of a case its
 * exact command line, environment, working directory, log path on the node and archive member.
 * Pure: no IO, no clock (the session id is given).
 *
 * - Sweep axes are zipped as DLPerf's schedule_launch.sh does: `nodes: [1,1,2,4]` with
 *   `gpus_per_node: [1,8,8,8]` are the pairs (1,1) (1,8) (2,8) (4,8); the cases are
 *   precision × batch size × pair × repeat, in that nesting order (repeat innermost).
 * - `--nodes` alone or `--gpus` alone keep the recipe's pairs that match; both together replace
 *   the pairs (zipped, or one single value broadcast). With explicit `sweep.cases` they filter.
 *   `--batch`, `--precision` and `--repeats` replace the recipe's values.
 * - A case of N nodes uses the first N hosts, node ranks 0…N−1; {master_addr} is the first host's
 *   address and {node_ips} the comma list of the case's addresses.
 * - Under Slurm the scheduler places the nodes: {node_rank}, {master_addr}, {node_ips}, {host}
 *   are then shell variables set on each node inside the step (see node-script.ts).
 */
import type { ParamValue, Recipe } from './recipe-schema.ts';
import { renderPlain, renderShell, renderWord, type Piece, type TemplateValue } from './template.ts';

export class PlanError extends Error {
  override name = 'PlanError';
}

export type BackendKind = 'ssh' | 'slurm';

export interface PlanHost {
  /** As given (--hosts item, cluster node name): {host}, messages, connection target. */
  readonly name: string;
  /** Where it is reached (ssh_config HostName, cluster host): {master_addr}, {node_ips}. */
  readonly address: string;
}

export interface PlanOptions {
  readonly backend: BackendKind;
  /** ssh: the hosts, in rank order. Unused under slurm. */
  readonly hosts: readonly PlanHost[];
  /** Session id: run directories on the nodes, archive name. */
  readonly session: string;
  readonly nodes?: readonly number[];
  readonly gpus?: readonly number[];
  readonly batch?: readonly number[];
  readonly precision?: readonly string[];
  readonly repeats?: number;
  /** --set NAME=VALUE: parameter overrides. */
  readonly set?: Readonly<Record<string, string>>;
  /** slurm: directory on the shared filesystem for the run directories (absolute). */
  readonly sharedDir?: string;
  /** Most cases one plan may hold. @default 10000 */
  readonly maxCases?: number;
}

export interface PlannedNode {
  readonly node_rank: number;
  /** Host name (null under slurm: the scheduler places the node). */
  readonly host: string | null;
  readonly address: string | null;
  /** The recipe's command with every placeholder filled (shell text, values quoted). */
  readonly command: string;
  /** The environment as plain values (what the process sees; Slurm node values shown as $VAR). */
  readonly env: Readonly<Record<string, string>>;
  /** The environment as `[NAME, shell word]` for the node script. */
  readonly envShell: ReadonlyArray<readonly [string, string]>;
  readonly workdir: string;
  /** The working directory as one shell word. */
  readonly workdirShell: string;
  /** Directory of this case's logs on the node (ssh: under the workdir; slurm: on the shared filesystem). */
  readonly runDir: string;
  /** This node's log file: `<runDir>/node<k>.log`. */
  readonly log: string;
  /** Member path of this node's log in the archive. */
  readonly member: string;
}

export interface PlannedCase {
  /** 0-based position in the sweep. */
  readonly index: number;
  /** `003-2n8g-b128-fp32-r0`: directory names, events, manifest. */
  readonly id: string;
  readonly name: string | null;
  readonly num_nodes: number;
  readonly gpu_num_per_node: number;
  readonly batch_size_per_device: number;
  readonly precision: string;
  readonly repeat: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly nodes: readonly PlannedNode[];
  /** Extra srun arguments (slurm), filled. */
  readonly slurmArgs: readonly string[];
}

export interface Plan {
  readonly recipe: Recipe;
  readonly backend: BackendKind;
  readonly session: string;
  readonly hosts: readonly PlanHost[];
  readonly cases: readonly PlannedCase[];
  readonly timeout_s: number | null;
  readonly stop_grace_s: number;
}

/** Shell variables holding the per-node values inside a Slurm step. */
export const SLURM_NODE_VARS = {
  node_rank: 'DLPERF_TOP_NODE_RANK',
  master_addr: 'DLPERF_TOP_MASTER_ADDR',
  node_ips: 'DLPERF_TOP_NODE_IPS',
  host: 'DLPERF_TOP_HOST',
} as const;

const RUNS_SUBDIR = 'dlperf-top-runs';
const SEGMENT = /^[A-Za-z0-9_+,=@%-][A-Za-z0-9._+,=@%-]*$/;

interface Pair {
  nodes: number;
  gpus: number;
  batch?: number;
  precision?: string;
  name?: string;
  params?: Readonly<Record<string, ParamValue>>;
}

function list(xs: readonly number[]): string {
  return xs.join(',');
}

/** The (nodes, gpus) pairs after --nodes/--gpus, for axis sweeps. */
function pairsFor(recipe: Recipe, opts: PlanOptions): Pair[] {
  const base = recipe.sweep.nodes.map((n, i) => ({ nodes: n, gpus: recipe.sweep.gpus_per_node[i]! }));
  const { nodes, gpus } = opts;
  if (nodes && gpus) {
    if (nodes.length === gpus.length) return nodes.map((n, i) => ({ nodes: n, gpus: gpus[i]! }));
    if (gpus.length === 1) return nodes.map((n) => ({ nodes: n, gpus: gpus[0]! }));
    if (nodes.length === 1) return gpus.map((g) => ({ nodes: nodes[0]!, gpus: g }));
    throw new PlanError(`--nodes ${list(nodes)} and --gpus ${list(gpus)}: give both the same number of values (they are zipped into pairs, as in the recipe) or one of them a single value`);
  }
  if (nodes) {
    const missing = nodes.filter((n) => !base.some((p) => p.nodes === n));
    if (missing.length) {
      throw new PlanError(`--nodes ${list(missing)}: the recipe has no case with ${missing.join(' or ')} node(s) (its pairs: ${base.map((p) => `${p.nodes}n${p.gpus}g`).join(' ')}); give --gpus too to make new pairs, e.g. --nodes ${list(nodes)} --gpus 8`);
    }
    return base.filter((p) => nodes.includes(p.nodes));
  }
  if (gpus) {
    const missing = gpus.filter((g) => !base.some((p) => p.gpus === g));
    if (missing.length) {
      throw new PlanError(`--gpus ${list(missing)}: the recipe has no case with ${missing.join(' or ')} GPU(s) per node (its pairs: ${base.map((p) => `${p.nodes}n${p.gpus}g`).join(' ')}); give --nodes too to make new pairs`);
    }
    return base.filter((p) => gpus.includes(p.gpus));
  }
  return base;
}

/** Validate a rendered log name as an archive member path. */
function memberPath(rendered: string, caseId: string): string {
  const segs = rendered.split('/').filter((s) => s !== '' && s !== '.');
  const bad = segs.find((s) => !SEGMENT.test(s));
  if (rendered.startsWith('/') || segs.length === 0 || bad !== undefined) {
    throw new PlanError(`log_name gives "${rendered}" for case ${caseId}${bad !== undefined ? `: "${bad}" is not a safe path segment (letters, digits, . _ + , = @ % -; not starting with .)` : ''}`);
  }
  return segs.join('/');
}

function joinPath(dir: string, ...parts: string[]): string {
  const d = dir.endsWith('/') && dir.length > 1 ? dir.slice(0, -1) : dir;
  return [d, ...parts].join('/');
}

/** Plan the whole sweep. Throws PlanError (a message for the user) when it cannot be planned. */
export function planSweep(recipe: Recipe, opts: PlanOptions): Plan {
  const sw = recipe.sweep;
  const maxCases = opts.maxCases ?? 10_000;
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(opts.session)) throw new PlanError(`session id "${opts.session}" must be letters, digits and . _ + -`);
  if (opts.repeats !== undefined && (!Number.isInteger(opts.repeats) || opts.repeats < 1)) throw new PlanError(`--repeats ${opts.repeats}: expected a whole number ≥ 1`);
  for (const [flag, xs] of [['--nodes', opts.nodes], ['--gpus', opts.gpus], ['--batch', opts.batch]] as const) {
    if (xs && (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 1))) throw new PlanError(`${flag}: expected whole numbers ≥ 1`);
  }
  if (opts.precision && opts.precision.some((p) => !/^[A-Za-z0-9]+$/.test(p))) throw new PlanError('--precision: expected labels made of letters and digits (fp32, amp, …)');
  if (opts.backend === 'slurm' && (!opts.sharedDir || !opts.sharedDir.startsWith('/'))) throw new PlanError('slurm: a shared directory (absolute path) is needed for the node logs');

  // --set: parameters only, known ones only.
  const set = opts.set ?? {};
  for (const k of Object.keys(set)) {
    if (!(k in recipe.params)) {
      const names = Object.keys(recipe.params);
      throw new PlanError(`--set ${k}: not a parameter of recipe ${recipe.name} (${names.length ? `its parameters: ${names.join(', ')}` : 'it declares none'})`);
    }
  }
  const setValue = (k: string, v: string): ParamValue => (typeof recipe.params[k] === 'string' ? v : v.split(/\s+/).filter(Boolean));

  // The case list.
  const repeats = opts.repeats ?? sw.repeats;
  const precisions = opts.precision ?? sw.precision;
  const rows: Pair[] = [];
  if (sw.cases) {
    for (const p of precisions) {
      for (const c of sw.cases) {
        if (opts.nodes && !opts.nodes.includes(c.nodes)) continue;
        if (opts.gpus && !opts.gpus.includes(c.gpus_per_node)) continue;
        if (opts.batch && !opts.batch.includes(c.batch_size)) continue;
        if (c.precision !== undefined && opts.precision && !opts.precision.includes(c.precision)) continue;
        if (c.precision !== undefined && p !== precisions[0]) continue; // a case with its own precision runs once
        rows.push({ nodes: c.nodes, gpus: c.gpus_per_node, batch: c.batch_size, precision: c.precision ?? p, ...(c.name !== undefined ? { name: c.name } : {}), params: c.params });
      }
    }
  } else {
    const pairs = pairsFor(recipe, opts);
    const batches = opts.batch ?? sw.batch_size;
    for (const p of precisions) for (const b of batches) for (const pair of pairs) rows.push({ ...pair, batch: b, precision: p });
  }
  if (rows.length === 0) throw new PlanError('no case left to run after --nodes/--gpus/--batch/--precision');
  if (rows.length * repeats > maxCases) throw new PlanError(`the sweep has ${rows.length * repeats} cases; at most ${maxCases} are planned at once`);

  const maxNodes = Math.max(...rows.map((r) => r.nodes));
  if (opts.backend === 'ssh') {
    if (opts.hosts.length === 0) throw new PlanError('no hosts: give --hosts h1,h2,… or --cluster FILE');
    if (maxNodes > opts.hosts.length) {
      const r = rows.find((x) => x.nodes > opts.hosts.length)!;
      throw new PlanError(`case ${r.nodes}n${r.gpus}g needs ${r.nodes} hosts but ${opts.hosts.length} ${opts.hosts.length === 1 ? 'was' : 'were'} given (${opts.hosts.map((h) => h.name).join(',')}); add hosts or leave that case out with --nodes`);
    }
  }

  const t = (field: string): readonly Piece[] => {
    const p = recipe.templates.get(field);
    if (!p) throw new PlanError(`internal: template ${field} missing`);
    return p;
  };
  const logPieces = t('log_name');
  const logHasRank = logPieces.some((p) => p.kind === 'ph' && p.name === 'node_rank');
  const members = new Map<string, string>();
  const cases: PlannedCase[] = [];
  const width = String(rows.length * repeats).length < 3 ? 3 : String(rows.length * repeats).length;

  for (const row of rows) {
    for (let r = 0; r < repeats; r++) {
      const index = cases.length;
      const repeat = sw.first_repeat + r;
      const N = row.nodes;
      const G = row.gpus;
      const B = row.batch!;
      const prec = row.precision!;
      const idx = String(index + 1).padStart(width, '0');
      const id = row.name ? `${idx}-${row.name}-${prec}-r${repeat}` : `${idx}-${N}n${G}g-b${B}-${prec}-r${repeat}`;
      const params: Record<string, ParamValue> = { ...recipe.params, ...(row.params ?? {}) };
      for (const [k, v] of Object.entries(set)) params[k] = setValue(k, v);

      const caseValues = new Map<string, TemplateValue>();
      const st = (k: string, v: string | readonly string[]) => caseValues.set(k, { kind: 'static', value: v });
      st('num_nodes', String(N));
      st('gpus_per_node', String(G));
      st('gpu_num_per_node', String(G));
      st('num_gpus', String(N * G));
      st('batch_size', String(B));
      st('batch_size_per_device', String(B));
      st('total_batch_size', String(N * G * B));
      st('precision', prec);
      st('repeat', String(repeat));
      st('framework', recipe.framework);
      st('model', recipe.model);
      st('recipe', recipe.name);
      st('case', id);
      st('case_name', row.name ?? id);
      st('session', opts.session);
      for (const [k, v] of Object.entries(params)) st(k, v);
      for (const [k, c] of Object.entries(recipe.choices)) {
        const by = caseValues.get(c.by);
        const key = by && by.kind === 'static' && typeof by.value === 'string' ? by.value : '';
        const v = Object.prototype.hasOwnProperty.call(c.values, key) ? c.values[key] : c.default;
        if (v === undefined) {
          throw new PlanError(`${recipe.source}: choices.${k}: no value for ${c.by} "${key}" (case ${id}; it has ${Object.keys(c.values).join(', ')}; add it or a default)`);
        }
        st(k, v);
      }

      const slurmArgs = recipe.slurm.args.map((_, i) => renderPlain(t(`slurm.args[${i}]`), caseValues));
      const nodes: PlannedNode[] = [];
      const caseHosts = opts.backend === 'ssh' ? opts.hosts.slice(0, N) : [];
      for (let k = 0; k < N; k++) {
        const values = new Map(caseValues);
        const host = opts.backend === 'ssh' ? caseHosts[k]! : null;
        if (host) {
          values.set('node_rank', { kind: 'static', value: String(k) });
          values.set('master_addr', { kind: 'static', value: caseHosts[0]!.address });
          values.set('node_ips', { kind: 'static', value: caseHosts.map((h) => h.address).join(',') });
          values.set('host', { kind: 'static', value: host.name });
        } else {
          for (const [name, v] of Object.entries(SLURM_NODE_VARS)) values.set(name, { kind: 'dynamic', shell: `\${${v}}`, display: `$${v}` });
        }
        const workdirPieces = t('workdir');
        const workdir = renderPlain(workdirPieces, values);
        const workdirShell = renderWord(workdirPieces, values);
        let runDir: string;
        if (opts.backend === 'ssh') {
          if (workdir.includes('\n') || workdir.includes('\0')) throw new PlanError(`workdir "${workdir}" (case ${id}) contains a line break`);
          runDir = joinPath(workdir, RUNS_SUBDIR, opts.session, id);
        } else {
          runDir = joinPath(opts.sharedDir!, opts.session, id);
        }
        // The node script makes it absolute (a `~/` or relative workdir is resolved on the node).
        values.set('run_dir', { kind: 'dynamic', shell: '${DLPERF_TOP_RUN_DIR}', display: runDir });

        const env: Record<string, string> = {};
        const envShell: Array<readonly [string, string]> = [];
        for (const name of Object.keys(recipe.env)) {
          const pieces = t(`env.${name}`);
          env[name] = renderPlain(pieces, values);
          envShell.push([name, renderWord(pieces, values)]);
        }
        // Marks every process of the run (and says which node it is): `<session>/<case>/node<k>`.
        const runTag: Piece[] = [
          { kind: 'text', text: `${opts.session}/${id}/node` },
          { kind: 'ph', name: 'node_rank', index: 0, inQuotes: false, standalone: false },
        ];
        env.DLPERF_TOP_RUN = renderPlain(runTag, values);
        env.DLPERF_TOP_RUN_DIR = runDir; // exported by the node script (made absolute there)
        envShell.push(['DLPERF_TOP_RUN', renderWord(runTag, values)]);

        const command = renderShell(t('command'), values);
        const nameValues = new Map(caseValues);
        nameValues.set('node_rank', { kind: 'static', value: String(k) });
        let rendered = renderPlain(logPieces, nameValues);
        if (N > 1 && !logHasRank) {
          const slash = rendered.lastIndexOf('/');
          rendered = slash < 0 ? `node${k}/${rendered}` : `${rendered.slice(0, slash)}/node${k}/${rendered.slice(slash + 1)}`;
        }
        const member = memberPath(rendered, id);
        const prev = members.get(member);
        if (prev !== undefined) {
          throw new PlanError(`${recipe.source}: log_name gives the same archive path "${member}" to cases ${prev} and ${id}${k > 0 ? ` (node ${k})` : ''}; put the differing values in it (e.g. {repeat}, {batch_size}, {precision}, {case_name})`);
        }
        members.set(member, `${id}${N > 1 ? ` node ${k}` : ''}`);
        nodes.push({
          node_rank: k,
          host: host ? host.name : null,
          address: host ? host.address : null,
          command,
          env,
          envShell,
          workdir,
          workdirShell,
          runDir,
          log: `${runDir}/node${k}.log`,
          member,
        });
      }
      cases.push({
        index,
        id,
        name: row.name ?? null,
        num_nodes: N,
        gpu_num_per_node: G,
        batch_size_per_device: B,
        precision: prec,
        repeat,
        params,
        nodes,
        slurmArgs,
      });
    }
  }
  return {
    recipe,
    backend: opts.backend,
    session: opts.session,
    hosts: opts.backend === 'ssh' ? opts.hosts.slice(0, maxNodes) : [],
    cases,
    timeout_s: recipe.timeout_s,
    stop_grace_s: recipe.stop_grace_s,
  };
}
