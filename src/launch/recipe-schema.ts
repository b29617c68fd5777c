/**
 * The launch recipe: one declarative YAML file per benchmark (launchers/*.yaml, documented in
 * launchers/README.md). This module holds the types and the validation of a parsed document;
 * recipe.ts reads files. Every error names the file, the field and what was expected; unknown
 * keys are errors; every `{placeholder}` in a template must be a known name. Pure: no IO.
 *
 * ```yaml
 * name: oneflow-resnet50
 * framework: oneflow            # {framework}, first directory of the archive layout
 * model: resnet50               # {model}
 * format: oneflow-cnn           # log format the command writes (see `dlperf-top formats`)
 * workdir: ~/oneflow_temp       # where the command runs on each node (default ~)
 * command: |
 *   python3 ./cnns/of_cnn_train_val.py --num_nodes={num_nodes} --node_ips={node_ips} …
 * env: { NCCL_DEBUG: INFO }     # NCCL_DEBUG=INFO and PYTHONUNBUFFERED=1 are on by default (null removes one)
 * params: { data_root: /datasets/ImageNet/ofrecord }   # your own placeholders; --set NAME=VALUE overrides
 * choices:                      # placeholders whose value depends on another one
 *   precision_args: { by: precision, values: { fp32: [], amp: [--use_fp16] } }
 * sweep:
 *   nodes: [1, 1, 2, 4]         # zipped with gpus_per_node, as DLPerf's schedule_launch.sh
 *   gpus_per_node: [1, 8, 8, 8]
 *   batch_size: [128]
 *   precision: [fp32]
 *   repeats: 7
 *   first_repeat: 0
 * log_name: logs/{framework}/{num_nodes}n{gpus_per_node}g/{model}_b{batch_size}_{precision}_{repeat}.log
 * ```
 */
import { formatById, formats } from '../formats/registry.ts';
import { isEnvName } from './quote.ts';
import { parseTemplate, placeholderNames, TemplateError, type Piece } from './template.ts';

export class RecipeError extends Error {
  override name = 'RecipeError';
}

/** A parameter or choice value: a string (numbers and booleans are kept as their text) or a list of words. */
export type ParamValue = string | readonly string[];

export interface RecipeCase {
  /** Shown in case ids and available as {case_name}. */
  readonly name?: string;
  readonly nodes: number;
  readonly gpus_per_node: number;
  readonly batch_size: number;
  readonly precision?: string;
  /** Parameter values for this case only. */
  readonly params: Readonly<Record<string, ParamValue>>;
}

export interface RecipeSweep {
  /** Zipped with `gpus_per_node` (same length): the (nodes, gpus) pairs. Empty when `cases` is used. */
  readonly nodes: readonly number[];
  readonly gpus_per_node: readonly number[];
  readonly batch_size: readonly number[];
  readonly precision: readonly string[];
  readonly repeats: number;
  readonly first_repeat: number;
  /** Explicit cases (GPT layouts): instead of nodes × gpus × batch. */
  readonly cases: readonly RecipeCase[] | null;
}

export interface RecipeChoice {
  /** The placeholder whose value selects. */
  readonly by: string;
  readonly values: Readonly<Record<string, ParamValue>>;
  /** Used when the selecting value is not in `values` (absent: that is an error when planning). */
  readonly default?: ParamValue;
}

export interface Recipe {
  /** The file it came from (messages, manifest). */
  readonly source: string;
  readonly name: string;
  readonly description?: string;
  readonly framework: string;
  readonly model: string;
  /** Log format id (registry) the command's log is written in. */
  readonly format: string;
  readonly workdir: string;
  readonly command: string;
  /** Environment, after defaults: a null value removes a default. */
  readonly env: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly choices: Readonly<Record<string, RecipeChoice>>;
  readonly sweep: RecipeSweep;
  readonly log_name: string;
  /** Seconds a case may run before it is stopped (null: no limit). */
  readonly timeout_s: number | null;
  /** Seconds between SIGTERM and SIGKILL when stopping. */
  readonly stop_grace_s: number;
  readonly slurm: { readonly args: readonly string[] };
  /** Parsed templates, keyed by field (`command`, `workdir`, `log_name`, `env.X`, `slurm.args[i]`). */
  readonly templates: ReadonlyMap<string, readonly Piece[]>;
}

/** Placeholders every recipe can use. */
export const BUILTIN_PLACEHOLDERS: Readonly<Record<string, string>> = {
  num_nodes: 'number of nodes of the case',
  gpus_per_node: 'GPUs used on each node',
  gpu_num_per_node: 'same as gpus_per_node (DLPerf spelling)',
  num_gpus: 'num_nodes × gpus_per_node (world size)',
  batch_size: 'batch size per device',
  batch_size_per_device: 'same as batch_size (DLPerf spelling)',
  total_batch_size: 'batch_size × num_gpus',
  precision: 'precision label of the case (fp32, amp, fp16, …)',
  repeat: 'repeat number of the case (counted from sweep.first_repeat)',
  node_rank: 'rank of this node in the case, 0 … num_nodes−1',
  master_addr: 'address of the case’s first node (rank 0)',
  node_ips: 'comma-separated addresses of the case’s nodes, rank order',
  host: 'this node’s host name as given (--hosts, cluster file)',
  framework: 'the recipe’s framework',
  model: 'the recipe’s model',
  recipe: 'the recipe’s name',
  case: 'the case id (e.g. 003-2n8g-b128-fp32-r0)',
  case_name: 'the explicit case’s name (sweep.cases[].name), else the case id',
  run_dir: 'the directory holding this case’s node logs on the node (absolute; fresh for every case)',
  session: 'the launch session id (also the archive’s name)',
};

/** Placeholders whose value is only known on the node under a scheduler (never in a log name). */
export const NODE_PLACEHOLDERS = new Set(['master_addr', 'node_ips', 'host', 'run_dir']);

/** Environment every recipe gets unless it says otherwise (NCCL's transport is then always in the log). */
export const DEFAULT_ENV: Readonly<Record<string, string>> = { NCCL_DEBUG: 'INFO', PYTHONUNBUFFERED: '1' };

export const DEFAULT_LOG_NAME = 'logs/{framework}/{num_nodes}n{gpus_per_node}g/{model}_b{batch_size}_{precision}_{repeat}.log';

const TOP_KEYS = [
  'name',
  'description',
  'framework',
  'model',
  'format',
  'workdir',
  'command',
  'env',
  'params',
  'choices',
  'sweep',
  'log_name',
  'timeout_s',
  'stop_grace_s',
  'slurm',
] as const;
const SWEEP_KEYS = ['nodes', 'gpus_per_node', 'batch_size', 'precision', 'repeats', 'first_repeat', 'cases'];
const CASE_KEYS = ['name', 'nodes', 'gpus_per_node', 'batch_size', 'precision', 'params'];
const CHOICE_KEYS = ['by', 'values', 'default'];
const SLURM_KEYS = ['args'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
// eslint-disable-next-line no-control-regex
const CONTROL_NO_NL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names that end up in file names and case ids. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`);

/** Validate a parsed YAML document. `source` names the file in messages. */
export function validateRecipe(doc: unknown, source: string, fallbackName?: string): Recipe {
  const fail = (field: string, msg: string): never => {
    throw new RecipeError(`${source}: ${field ? `${field}: ` : ''}${msg}`);
  };
  if (!isObj(doc)) return fail('', `must be a mapping (name, command, sweep, …), got ${typeName(doc)}`);
  for (const k of Object.keys(doc)) {
    if (!(TOP_KEYS as readonly string[]).includes(k)) fail(k, `unknown field (expected one of ${TOP_KEYS.join(', ')})`);
  }

  const str = (v: unknown, field: string, opts: { multiline?: boolean; pattern?: RegExp; what?: string } = {}): string => {
    const what = opts.what ?? 'a non-empty string';
    if (typeof v !== 'string' || v.trim() === '') return fail(field, `expected ${what}, got ${typeName(v)}`);
    if ((opts.multiline ? CONTROL_NO_NL : CONTROL).test(v)) return fail(field, 'must not contain control characters');
    if (opts.pattern && !opts.pattern.test(v)) return fail(field, `"${v}" is not ${what}`);
    return v;
  };
  const posInt = (v: unknown, field: string, max = 1_000_000): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) return fail(field, `expected a whole number from 1 to ${max}, got ${typeName(v)}`);
    return v;
  };
  const intList = (v: unknown, field: string, max: number): number[] => {
    if (typeof v === 'number') return [posInt(v, field, max)];
    if (!Array.isArray(v) || v.length === 0) return fail(field, `expected a whole number or a non-empty list of them, got ${typeName(v)}`);
    return v.map((x, i) => posInt(x, `${field}[${i}]`, max));
  };
  const strList = (v: unknown, field: string, pattern: RegExp, what: string): string[] => {
    if (typeof v === 'string') return [str(v, field, { pattern, what })];
    if (!Array.isArray(v) || v.length === 0) return fail(field, `expected ${what} or a non-empty list of them, got ${typeName(v)}`);
    return v.map((x, i) => str(x, `${field}[${i}]`, { pattern, what }));
  };
  const paramValue = (v: unknown, field: string): ParamValue => {
    if (typeof v === 'string') {
      if (CONTROL_NO_NL.test(v)) fail(field, 'must not contain control characters');
      return v;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(field, 'must be a finite number');
      return String(v);
    }
    if (typeof v === 'boolean') return String(v);
    if (Array.isArray(v)) {
      return v.map((w, i) => {
        if (typeof w === 'number' && Number.isFinite(w)) return String(w);
        if (typeof w !== 'string') return fail(`${field}[${i}]`, `expected a string (one command-line word), got ${typeName(w)}`);
        if (CONTROL_NO_NL.test(w)) fail(`${field}[${i}]`, 'must not contain control characters');
        return w;
      });
    }
    return fail(field, `expected a string, a number, a boolean or a list of words, got ${typeName(v)}`);
  };
  const paramMap = (v: unknown, field: string): Record<string, ParamValue> => {
    if (v === undefined || v === null) return {};
    if (!isObj(v)) return fail(field, `expected a mapping of name: value, got ${typeName(v)}`);
    const out: Record<string, ParamValue> = {};
    for (const [k, x] of Object.entries(v)) {
      if (!IDENT.test(k)) fail(`${field}.${k}`, 'a parameter name must be letters, digits and _ (not starting with a digit)');
      out[k] = paramValue(x, `${field}.${k}`);
    }
    return out;
  };

  // ---- identity -----------------------------------------------------------------------------
  const name = doc.name !== undefined ? str(doc.name, 'name', { pattern: LABEL, what: 'a name made of letters, digits, . _ + -' }) : fallbackName;
  if (!name || !LABEL.test(name)) fail('name', 'is required (letters, digits, . _ + -)');
  const description = doc.description !== undefined ? str(doc.description, 'description', { multiline: true }) : undefined;
  if (doc.framework === undefined) fail('framework', 'is required (e.g. oneflow, pytorch, megatron)');
  const framework = str(doc.framework, 'framework', { pattern: LABEL, what: 'a name made of letters, digits, . _ + -' });
  if (doc.model === undefined) fail('model', 'is required (e.g. resnet50, bert_base, gpt)');
  const model = str(doc.model, 'model', { pattern: LABEL, what: 'a name made of letters, digits, . _ + -' });
  if (doc.format === undefined) fail('format', `is required: the log format the command writes (one of ${formats.map((f) => f.id).join(', ')})`);
  const format = str(doc.format, 'format');
  if (!formatById(format)) fail('format', `unknown log format "${format}" (expected one of ${formats.map((f) => f.id).join(', ')})`);

  // ---- command, workdir, env ----------------------------------------------------------------
  if (doc.command === undefined) fail('command', 'is required (the command each node runs, with {placeholders})');
  const command = str(doc.command, 'command', { multiline: true, what: 'a non-empty string (shell text)' }).trimEnd();
  const workdir = doc.workdir !== undefined ? str(doc.workdir, 'workdir', { what: 'a directory path' }) : '~';
  const env: Record<string, string> = { ...DEFAULT_ENV };
  if (doc.env !== undefined && doc.env !== null) {
    if (!isObj(doc.env)) fail('env', `expected a mapping of NAME: value, got ${typeName(doc.env)}`);
    for (const [k, v] of Object.entries(doc.env as Obj)) {
      if (!isEnvName(k)) fail(`env.${k}`, 'is not a valid environment variable name (letters, digits, _; not starting with a digit)');
      if (k.startsWith('DLPERF_TOP_')) fail(`env.${k}`, 'names starting with DLPERF_TOP_ are set by dlperf-top itself');
      if (v === null) {
        delete env[k];
        continue;
      }
      if (typeof v === 'number' || typeof v === 'boolean') {
        env[k] = String(v);
        continue;
      }
      if (typeof v !== 'string') fail(`env.${k}`, `expected a string, a number or null (to remove a default), got ${typeName(v)}`);
      if (CONTROL_NO_NL.test(v as string)) fail(`env.${k}`, 'must not contain control characters');
      env[k] = v as string;
    }
  }

  // ---- params, choices ---------------------------------------------------------------------------
  const params = paramMap(doc.params, 'params');
  for (const k of Object.keys(params)) {
    if (k in BUILTIN_PLACEHOLDERS) fail(`params.${k}`, `"${k}" is a built-in placeholder; choose another name`);
  }
  const choices: Record<string, RecipeChoice> = {};
  if (doc.choices !== undefined && doc.choices !== null) {
    if (!isObj(doc.choices)) fail('choices', `expected a mapping of name: { by, values }, got ${typeName(doc.choices)}`);
    for (const [k, raw] of Object.entries(doc.choices as Obj)) {
      const at = `choices.${k}`;
      if (!IDENT.test(k)) fail(at, 'a choice name must be letters, digits and _ (not starting with a digit)');
      if (k in BUILTIN_PLACEHOLDERS || k in params) fail(at, `"${k}" is already a ${k in params ? 'parameter' : 'built-in placeholder'}`);
      if (!isObj(raw)) fail(at, `expected a mapping { by, values }, got ${typeName(raw)}`);
      const c = raw as Obj;
      for (const ck of Object.keys(c)) if (!CHOICE_KEYS.includes(ck)) fail(`${at}.${ck}`, `unknown field (expected one of ${CHOICE_KEYS.join(', ')})`);
      if (c.by === undefined) fail(`${at}.by`, 'is required (the placeholder whose value selects, e.g. precision)');
      const by = str(c.by, `${at}.by`, { pattern: IDENT, what: 'a placeholder name' });
      if (!(by in BUILTIN_PLACEHOLDERS) && !(by in params)) fail(`${at}.by`, `unknown placeholder "${by}" (a built-in one or a parameter)`);
      if (NODE_PLACEHOLDERS.has(by) || by === 'node_rank') fail(`${at}.by`, `"${by}" differs per node; choose by a case value`);
      if (!isObj(c.values) || Object.keys(c.values).length === 0) fail(`${at}.values`, 'expected a non-empty mapping of value: replacement');
      const values: Record<string, ParamValue> = {};
      for (const [vk, vv] of Object.entries(c.values as Obj)) values[vk] = paramValue(vv, `${at}.values.${vk}`);
      choices[k] = { by, values, ...(c.default !== undefined ? { default: paramValue(c.default, `${at}.default`) } : {}) };
    }
  }

  // ---- sweep -----------------------------------------------------------------------------------
  if (doc.sweep === undefined) fail('sweep', 'is required (nodes, gpus_per_node, batch_size, repeats — or cases)');
  if (!isObj(doc.sweep)) fail('sweep', `expected a mapping, got ${typeName(doc.sweep)}`);
  const sw = doc.sweep as Obj;
  for (const k of Object.keys(sw)) if (!SWEEP_KEYS.includes(k)) fail(`sweep.${k}`, `unknown field (expected one of ${SWEEP_KEYS.join(', ')})`);
  const PREC = /^[A-Za-z0-9]+$/;
  const precision = sw.precision !== undefined ? strList(sw.precision, 'sweep.precision', PREC, 'a precision label (letters and digits, e.g. fp32, amp)') : ['fp32'];
  const repeats = sw.repeats !== undefined ? posInt(sw.repeats, 'sweep.repeats', 1000) : 1;
  let firstRepeat = 0;
  if (sw.first_repeat !== undefined) {
    const v = sw.first_repeat;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1_000_000) fail('sweep.first_repeat', `expected a whole number ≥ 0, got ${typeName(v)}`);
    firstRepeat = v as number;
  }
  let nodes: number[] = [];
  let gpus: number[] = [];
  let batch: number[] = [];
  let cases: RecipeCase[] | null = null;
  if (sw.cases !== undefined) {
    for (const k of ['nodes', 'gpus_per_node', 'batch_size']) {
      if (sw[k] !== undefined) fail(`sweep.${k}`, 'cannot be used together with sweep.cases (give it in each case)');
    }
    if (!Array.isArray(sw.cases) || sw.cases.length === 0) fail('sweep.cases', `expected a non-empty list of cases, got ${typeName(sw.cases)}`);
    const seenNames = new Set<string>();
    cases = (sw.cases as unknown[]).map((raw, i) => {
      const at = `sweep.cases[${i}]`;
      if (!isObj(raw)) return fail(at, `expected a mapping { nodes, gpus_per_node, batch_size, … }, got ${typeName(raw)}`);
      for (const k of Object.keys(raw)) if (!CASE_KEYS.includes(k)) fail(`${at}.${k}`, `unknown field (expected one of ${CASE_KEYS.join(', ')})`);
      for (const k of ['nodes', 'gpus_per_node', 'batch_size']) if (raw[k] === undefined) fail(`${at}.${k}`, 'is required');
      const cname = raw.name !== undefined ? str(raw.name, `${at}.name`, { pattern: LABEL, what: 'a name made of letters, digits, . _ + -' }) : undefined;
      if (cname !== undefined) {
        if (seenNames.has(cname)) fail(`${at}.name`, `"${cname}" is used by another case`);
        seenNames.add(cname);
      }
      const cparams = paramMap(raw.params, `${at}.params`);
      for (const k of Object.keys(cparams)) if (!(k in params)) fail(`${at}.params.${k}`, `unknown parameter (declare it under params first: ${Object.keys(params).join(', ') || 'none declared'})`);
      return {
        ...(cname !== undefined ? { name: cname } : {}),
        nodes: posInt(raw.nodes, `${at}.nodes`, 100_000),
        gpus_per_node: posInt(raw.gpus_per_node, `${at}.gpus_per_node`, 1024),
        batch_size: posInt(raw.batch_size, `${at}.batch_size`),
        ...(raw.precision !== undefined ? { precision: str(raw.precision, `${at}.precision`, { pattern: PREC, what: 'a precision label (letters and digits)' }) } : {}),
        params: cparams,
      };
    });
  } else {
    if (sw.nodes === undefined) fail('sweep.nodes', 'is required (e.g. [1, 1, 2, 4]) unless sweep.cases lists the cases');
    if (sw.gpus_per_node === undefined) fail('sweep.gpus_per_node', 'is required (e.g. [1, 8, 8, 8], zipped with sweep.nodes)');
    if (sw.batch_size === undefined) fail('sweep.batch_size', 'is required (e.g. 128 or [96, 64])');
    nodes = intList(sw.nodes, 'sweep.nodes', 100_000);
    gpus = intList(sw.gpus_per_node, 'sweep.gpus_per_node', 1024);
    if (gpus.length === 1 && nodes.length > 1) gpus = nodes.map(() => gpus[0]!);
    else if (nodes.length === 1 && gpus.length > 1) nodes = gpus.map(() => nodes[0]!);
    if (nodes.length !== gpus.length) {
      fail('sweep.gpus_per_node', `has ${gpus.length} values but sweep.nodes has ${nodes.length}: they are zipped into (nodes, gpus) pairs, so give both the same length (or one value)`);
    }
    batch = intList(sw.batch_size, 'sweep.batch_size', 1_000_000);
  }

  // ---- log naming, limits, slurm --------------------------------------------------------------
  const logName = doc.log_name !== undefined ? str(doc.log_name, 'log_name', { what: 'a relative path template' }) : DEFAULT_LOG_NAME;
  let timeout: number | null = null;
  if (doc.timeout_s !== undefined && doc.timeout_s !== null) {
    const v = doc.timeout_s;
    if (typeof v !== 'number' || !(v > 0) || v > 30 * 86400) fail('timeout_s', `expected a number of seconds > 0, got ${typeName(v)}`);
    timeout = v as number;
  }
  let grace = 10;
  if (doc.stop_grace_s !== undefined) {
    const v = doc.stop_grace_s;
    if (typeof v !== 'number' || !(v >= 0) || v > 3600) fail('stop_grace_s', `expected a number of seconds from 0 to 3600, got ${typeName(v)}`);
    grace = v as number;
  }
  let slurmArgs: string[] = [];
  if (doc.slurm !== undefined && doc.slurm !== null) {
    if (!isObj(doc.slurm)) fail('slurm', `expected a mapping { args: [...] }, got ${typeName(doc.slurm)}`);
    const s = doc.slurm as Obj;
    for (const k of Object.keys(s)) if (!SLURM_KEYS.includes(k)) fail(`slurm.${k}`, `unknown field (expected one of ${SLURM_KEYS.join(', ')})`);
    if (s.args !== undefined) {
      if (!Array.isArray(s.args)) fail('slurm.args', `expected a list of srun arguments, got ${typeName(s.args)}`);
      slurmArgs = (s.args as unknown[]).map((a, i) => {
        const v = str(a, `slurm.args[${i}]`, { what: 'an srun argument (e.g. --gpus-per-node={gpus_per_node})' });
        if (!v.startsWith('-')) fail(`slurm.args[${i}]`, `"${v}" is not an option (srun arguments start with -)`);
        return v;
      });
    }
  }

  // ---- templates: syntax and known names ---------------------------------------------------------
  const known = new Set([...Object.keys(BUILTIN_PLACEHOLDERS), ...Object.keys(params), ...Object.keys(choices)]);
  const isList = (n: string): boolean => {
    const p = params[n];
    if (p !== undefined) return typeof p !== 'string' || (cases ?? []).some((c) => c.params[n] !== undefined && typeof c.params[n] !== 'string');
    const c = choices[n];
    if (c) return Object.values(c.values).some((v) => typeof v !== 'string') || (c.default !== undefined && typeof c.default !== 'string');
    return false;
  };
  const templates = new Map<string, readonly Piece[]>();
  const check = (field: string, text: string, kind: 'shell' | 'word' | 'name' | 'arg'): void => {
    let pieces: Piece[];
    try {
      pieces = parseTemplate(text, { shell: kind === 'shell' });
    } catch (err) {
      return fail(field, err instanceof TemplateError ? err.message : String(err));
    }
    const unknown = placeholderNames(pieces).filter((n) => !known.has(n));
    if (unknown.length) {
      fail(field, `unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `{${n}}`).join(', ')} (known: ${[...known].sort().map((n) => `{${n}}`).join(' ')}; write {{ for a literal brace)`);
    }
    for (const p of pieces) {
      if (p.kind !== 'ph') continue;
      if (p.inQuotes) fail(field, `{${p.name}} is inside quotes: values are quoted for you, so write it bare (e.g. --x={${p.name}}, not --x="{${p.name}}")`);
      if (isList(p.name)) {
        if (kind !== 'shell') fail(field, `{${p.name}} is a list of words and can only be used in command`);
        if (!p.standalone) fail(field, `{${p.name}} is a list of words and must be a whole word of the command (spaces around it)`);
      }
      if (kind === 'name' && NODE_PLACEHOLDERS.has(p.name)) fail(field, `{${p.name}} cannot be part of a log name`);
      if (kind === 'arg' && (NODE_PLACEHOLDERS.has(p.name) || p.name === 'node_rank')) fail(field, `{${p.name}} differs per node and cannot be an srun argument`);
      if (field === 'workdir' && p.name === 'run_dir') fail(field, '{run_dir} lies inside the working directory and cannot be part of it');
    }
    templates.set(field, pieces);
  };
  check('command', command, 'shell');
  check('workdir', workdir, 'word');
  for (const [k, v] of Object.entries(env)) check(`env.${k}`, v, 'word');
  check('log_name', logName, 'name');
  slurmArgs.forEach((a, i) => check(`slurm.args[${i}]`, a, 'arg'));
  for (const [k, c] of Object.entries(choices)) {
    if (choices[c.by]) fail(`choices.${k}.by`, `"${c.by}" is itself a choice; choose by a built-in placeholder or a parameter`);
  }
  const logPieces = templates.get('log_name')!;
  const logLiteral = logPieces.filter((p) => p.kind === 'text').map((p) => (p as { text: string }).text).join('');
  if (logName.startsWith('/') || /(^|\/)\.\.(\/|$)/.test(logLiteral)) fail('log_name', 'must be a relative path inside the archive (no leading /, no ..)');
  if (!logName.endsWith('.log')) fail('log_name', 'must end in .log (summary and replay read .log members)');
  if (repeats > 1 && !placeholderNames(logPieces).includes('repeat')) {
    fail('log_name', 'must contain {repeat} when sweep.repeats > 1 (each repeat needs its own log)');
  }

  return {
    source,
    name: name!,
    ...(description !== undefined ? { description } : {}),
    framework,
    model,
    format,
    workdir,
    command,
    env,
    params,
    choices,
    sweep: { nodes, gpus_per_node: gpus, batch_size: batch, precision, repeats, first_repeat: firstRepeat, cases },
    log_name: logName,
    timeout_s: timeout,
    stop_grace_s: grace,
    slurm: { args: slurmArgs },
    templates,
  };
}
