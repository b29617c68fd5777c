/**
 * A recipe's templates: every templated field (command, workdir, env values, log_name, slurm
 * args) parsed, with its placeholders checked (known names, not inside quotes, lists only as whole
 * command words, per-node values only where they make sense), and the log name's own rules.
 * Errors go through the caller's `fail`. Pure: no IO.
 */
import type { Fail } from './recipe-fields.ts';
import { BUILTIN_PLACEHOLDERS, NODE_PLACEHOLDERS, type ParamValue, type RecipeCase, type RecipeChoice } from './recipe-types.ts';
import { parseTemplate, placeholderNames, TemplateError, type Piece } from './template.ts';

/** The templated fields of a recipe, and what decides which placeholders exist and which are lists. */
export interface TemplateFields {
  readonly command: string;
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly logName: string;
  readonly slurmArgs: readonly string[];
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly choices: Readonly<Record<string, RecipeChoice>>;
  readonly cases: readonly RecipeCase[] | null;
}

/** Parse and check every template; keyed by field (`command`, `workdir`, `log_name`, `env.X`, `slurm.args[i]`). */
export function parseRecipeTemplates(f: TemplateFields, fail: Fail): Map<string, readonly Piece[]> {
  const { command, workdir, env, logName, slurmArgs, params, choices, cases } = f;
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
  return templates;
}

/** The log name: a relative path inside the archive, a .log member, one per repeat. */
export function checkLogName(logName: string, logPieces: readonly Piece[], repeats: number, fail: Fail): void {
  const logLiteral = logPieces.filter((p) => p.kind === 'text').map((p) => (p as { text: string }).text).join('');
  if (logName.startsWith('/') || /(^|\/)\.\.(\/|$)/.test(logLiteral)) fail('log_name', 'must be a relative path inside the archive (no leading /, no ..)');
  if (!logName.endsWith('.log')) fail('log_name', 'must end in .log (summary and replay read .log members)');
  if (repeats > 1 && !placeholderNames(logPieces).includes('repeat')) {
    fail('log_name', 'must contain {repeat} when sweep.repeats > 1 (each repeat needs its own log)');
  }
}
