/**
 * The launch recipe: one declarative YAML file per benchmark (launchers/*.yaml, documented in
 * launchers/README.md). This module validates a parsed document (types and built-in names:
 * recipe-types.ts; single-field checks: recipe-fields.ts; the sweep: recipe-sweep.ts; templates:
 * recipe-templates.ts); recipe.ts reads files. Every error names the file, the field and what was expected; unknown
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
import { CONTROL_NO_NL, fieldChecks, IDENT, isObj, LABEL, typeName, type Obj } from './recipe-fields.ts';
import { validateSweep } from './recipe-sweep.ts';
import { checkLogName, parseRecipeTemplates } from './recipe-templates.ts';
import { BUILTIN_PLACEHOLDERS, DEFAULT_ENV, DEFAULT_LOG_NAME, NODE_PLACEHOLDERS, RecipeError, type ParamValue, type Recipe, type RecipeChoice } from './recipe-types.ts';

export { BUILTIN_PLACEHOLDERS, DEFAULT_ENV, DEFAULT_LOG_NAME, NODE_PLACEHOLDERS, RecipeError } from './recipe-types.ts';
export type { ParamValue, Recipe, RecipeCase, RecipeChoice, RecipeSweep } from './recipe-types.ts';

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
const CHOICE_KEYS = ['by', 'values', 'default'];
const SLURM_KEYS = ['args'];

/** Validate a parsed YAML document. `source` names the file in messages. */
export function validateRecipe(doc: unknown, source: string, fallbackName?: string): Recipe {
  const fail = (field: string, msg: string): never => {
    throw new RecipeError(`${source}: ${field ? `${field}: ` : ''}${msg}`);
  };
  if (!isObj(doc)) return fail('', `must be a mapping (name, command, sweep, …), got ${typeName(doc)}`);
  for (const k of Object.keys(doc)) {
    if (!(TOP_KEYS as readonly string[]).includes(k)) fail(k, `unknown field (expected one of ${TOP_KEYS.join(', ')})`);
  }

  const checks = fieldChecks(fail);
  const { str, paramValue, paramMap } = checks;

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
  const sweep = validateSweep(doc.sweep, params, fail, checks);

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
  const templates = parseRecipeTemplates({ command, workdir, env, logName, slurmArgs, params, choices, cases: sweep.cases }, fail);
  for (const [k, c] of Object.entries(choices)) {
    if (choices[c.by]) fail(`choices.${k}.by`, `"${c.by}" is itself a choice; choose by a built-in placeholder or a parameter`);
  }
  checkLogName(logName, templates.get('log_name')!, sweep.repeats, fail);

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
    sweep,
    log_name: logName,
    timeout_s: timeout,
    stop_grace_s: grace,
    slurm: { args: slurmArgs },
    templates,
  };
}
