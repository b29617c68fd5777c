import { describe, expect, it } from 'vitest';
import { listRecipes, loadRecipe, parseRecipe, RecipeError } from '../../../src/launch/recipe.ts';
import { DEFAULT_ENV } from '../../../src/launch/recipe-schema.ts';
import { parseTemplate, placeholderNames } from '../../../src/launch/template.ts';

const BASE = {
  name: 'r',
  framework: 'oneflow',
  model: 'resnet50',
  format: 'oneflow-cnn',
  command: 'python3 train.py --num_nodes={num_nodes} --bs={batch_size}',
  sweep: { nodes: [1, 2], gpus_per_node: [8, 8], batch_size: 64, repeats: 2 },
};

/** YAML text for a recipe object (JSON is YAML). */
function recipe(over: Record<string, unknown> = {}, drop: string[] = []): string {
  const o: Record<string, unknown> = { ...BASE, ...over };
  for (const k of drop) delete o[k];
  return JSON.stringify(o);
}

function err(text: string, file = 'bad.yaml'): string {
  try {
    parseRecipe(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(RecipeError);
    return (e as Error).message;
  }
  throw new Error('expected a RecipeError');
}

describe('recipe parsing', () => {
  it('parses a minimal recipe with defaults', () => {
    const r = parseRecipe(recipe(), 'r.yaml');
    expect(r.name).toBe('r');
    expect(r.workdir).toBe('~');
    expect(r.env).toEqual(DEFAULT_ENV);
    expect(r.env.NCCL_DEBUG).toBe('INFO');
    expect(r.sweep).toMatchObject({ nodes: [1, 2], gpus_per_node: [8, 8], batch_size: [64], precision: ['fp32'], repeats: 2, first_repeat: 0, cases: null });
    expect(r.log_name).toBe('logs/{framework}/{num_nodes}n{gpus_per_node}g/{model}_b{batch_size}_{precision}_{repeat}.log');
    expect(r.stop_grace_s).toBe(10);
    expect(r.timeout_s).toBeNull();
  });

  it('takes the name from the file when the recipe has none', () => {
    expect(parseRecipe(recipe({}, ['name']), '/x/launchers/my-bench.yaml').name).toBe('my-bench');
  });

  it('env overrides and removes defaults', () => {
    const r = parseRecipe(recipe({ env: { NCCL_DEBUG: 'WARN', PYTHONUNBUFFERED: null, OMP_NUM_THREADS: 1 } }), 'r.yaml');
    expect(r.env).toEqual({ NCCL_DEBUG: 'WARN', OMP_NUM_THREADS: '1' });
  });

  it('broadcasts a single gpus_per_node over the node list', () => {
    expect(parseRecipe(recipe({ sweep: { nodes: [1, 2, 4], gpus_per_node: 8, batch_size: [1] } }), 'r.yaml').sweep.gpus_per_node).toEqual([8, 8, 8]);
  });

  it.each([
    [{ colour: 'red' }, [], 'bad.yaml: colour: unknown field (expected one of name, description'],
    [{}, ['command'], 'bad.yaml: command: is required'],
    [{}, ['format'], 'bad.yaml: format: is required'],
    [{ format: 'tensorboard' }, [], 'bad.yaml: format: unknown log format "tensorboard" (expected one of'],
    [{ command: 42 }, [], 'bad.yaml: command: expected a non-empty string (shell text), got number 42'],
    [{ sweep: { nodes: 'four', gpus_per_node: 8, batch_size: 1 } }, [], 'bad.yaml: sweep.nodes: expected a whole number or a non-empty list of them, got string "four"'],
    [{ sweep: { nodes: [1, 0], gpus_per_node: 8, batch_size: 1 } }, [], 'bad.yaml: sweep.nodes[1]: expected a whole number from 1 to 100000, got number 0'],
    [{ sweep: { nodes: [1, 1, 2], gpus_per_node: [1, 8], batch_size: 1 } }, [], 'bad.yaml: sweep.gpus_per_node: has 2 values but sweep.nodes has 3'],
    [{ sweep: { nodes: [1], gpus_per_node: 8 } }, [], 'bad.yaml: sweep.batch_size: is required'],
    [{ sweep: { nodes: [1], gpus_per_node: 8, batch_size: 1, repeat: 7 } }, [], 'bad.yaml: sweep.repeat: unknown field'],
    [{ sweep: { nodes: [1], gpus_per_node: 8, batch_size: 1, precision: 'fp 32' } }, [], 'bad.yaml: sweep.precision: "fp 32" is not a precision label'],
    [{ env: { 'BAD-NAME': 'x' } }, [], 'bad.yaml: env.BAD-NAME: is not a valid environment variable name'],
    [{ env: { X: ['a'] } }, [], 'bad.yaml: env.X: expected a string, a number or null'],
    [{ env: { DLPERF_TOP_RUN: 'x' } }, [], 'bad.yaml: env.DLPERF_TOP_RUN: names starting with DLPERF_TOP_ are set by dlperf-top itself'],
    [{ params: { num_nodes: 3 } }, [], 'bad.yaml: params.num_nodes: "num_nodes" is a built-in placeholder'],
    [{ params: { x: { a: 1 } } }, [], 'bad.yaml: params.x: expected a string, a number, a boolean or a list of words, got a mapping'],
    [{ command: 'run --x={foo} --y={bar}' }, [], 'bad.yaml: command: unknown placeholders {foo}, {bar} (known:'],
    [{ command: 'run --x="{num_nodes}"' }, [], 'bad.yaml: command: {num_nodes} is inside quotes: values are quoted for you'],
    [{ command: "run '--x={num_nodes}'" }, [], 'is inside quotes'],
    [{ command: 'run "unclosed' }, [], 'bad.yaml: command: unclosed double quote'],
    [{ params: { flags: ['-a'] }, command: 'run --x={flags}' }, [], 'bad.yaml: command: {flags} is a list of words and must be a whole word of the command'],
    [{ params: { flags: ['-a'] }, env: { F: '{flags}' } }, [], 'bad.yaml: env.F: {flags} is a list of words and can only be used in command'],
    [{ log_name: 'logs/{master_addr}/x_{repeat}.log' }, [], 'bad.yaml: log_name: {master_addr} cannot be part of a log name'],
    [{ log_name: '../x_{repeat}.log' }, [], 'bad.yaml: log_name: must be a relative path inside the archive'],
    [{ log_name: 'logs/x_{repeat}.txt' }, [], 'bad.yaml: log_name: must end in .log'],
    [{ log_name: 'logs/{num_nodes}n{gpus_per_node}g/x.log' }, [], 'bad.yaml: log_name: must contain {repeat} when sweep.repeats > 1'],
    [{ workdir: '{run_dir}/x' }, [], 'bad.yaml: workdir: {run_dir} lies inside the working directory'],
    [{ choices: { p: { by: 'nope', values: { a: 'x' } } } }, [], 'bad.yaml: choices.p.by: unknown placeholder "nope"'],
    [{ choices: { p: { by: 'node_rank', values: { a: 'x' } } } }, [], 'bad.yaml: choices.p.by: "node_rank" differs per node'],
    [{ choices: { p: { by: 'precision', values: {} } } }, [], 'bad.yaml: choices.p.values: expected a non-empty mapping'],
    [{ timeout_s: -1 }, [], 'bad.yaml: timeout_s: expected a number of seconds > 0'],
    [{ slurm: { args: ['--gpus-per-node={node_rank}'] } }, [], 'bad.yaml: slurm.args[0]: {node_rank} differs per node and cannot be an srun argument'],
    [{ slurm: { args: ['exclusive'] } }, [], 'bad.yaml: slurm.args[0]: "exclusive" is not an option'],
    [{ sweep: { cases: [{ nodes: 1, gpus_per_node: 1 }] } }, [], 'bad.yaml: sweep.cases[0].batch_size: is required'],
    [{ sweep: { cases: [{ nodes: 1, gpus_per_node: 1, batch_size: 2, params: { tp: 2 } }] } }, [], 'bad.yaml: sweep.cases[0].params.tp: unknown parameter'],
    [{ sweep: { nodes: 1, gpus_per_node: 1, batch_size: 1, cases: [] } }, [], 'bad.yaml: sweep.nodes: cannot be used together with sweep.cases'],
  ])('reports %j without %j: %s', (over, drop, message) => {
    expect(err(recipe(over, drop))).toContain(message);
  });

  it('reports YAML errors and duplicate keys with the file name', () => {
    expect(err('name: [unclosed')).toMatch(/^bad\.yaml: not valid YAML:/);
    expect(err('name: a\nname: b\n')).toMatch(/^bad\.yaml: not valid YAML:.*[Mm]ap keys must be unique/);
    expect(err('- a\n- b\n')).toBe('bad.yaml: must be a mapping (name, command, sweep, …), got a list');
  });

  it('control characters in names are refused', () => {
    expect(err(recipe({ model: 'res\u001b[31mnet' }))).toContain('bad.yaml: model: must not contain control characters');
  });

  it('ships the six recipes, and they all load', async () => {
    const names = await listRecipes();
    expect(names).toEqual(['megatron-gpt', 'ngc-pytorch-bert', 'ngc-pytorch-resnet50', 'oneflow-bert-base', 'oneflow-gpt', 'oneflow-resnet50']);
    for (const n of names) {
      const { recipe: r } = await loadRecipe(n);
      expect(r.name).toBe(n);
      expect(r.env.NCCL_DEBUG).toBe('INFO');
    }
  });

  it('the example in launchers/README.md is a valid recipe', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../../launchers/README.md', import.meta.url), 'utf8');
    const m = /```yaml\n(# my-bench\.yaml[\s\S]*?)```/.exec(readme);
    expect(m).not.toBeNull();
    const r = parseRecipe(m![1]!, 'my-bench.yaml');
    expect(r.name).toBe('my-resnet50');
    expect(r.sweep.precision).toEqual(['amp', 'fp32']);
  });

  it('a missing recipe names the shipped ones', async () => {
    await expect(loadRecipe('no-such-recipe')).rejects.toThrow(/recipe "no-such-recipe" not found.*shipped: megatron-gpt, /);
  });
});

describe('templates', () => {
  const names = (t: string, shell = true) => placeholderNames(parseTemplate(t, { shell }));

  it('finds {name} placeholders and leaves bash and awk braces alone', () => {
    expect(names('echo {a} ${HOME} ${X:-{b}} {1..3} {x,y} awk \'{print $1}\' {{c} {d}')).toEqual(['a', 'b', 'd']);
  });

  it('{{ is a literal brace', () => {
    const p = parseTemplate('x{{y}z', { shell: true });
    expect(p).toEqual([{ kind: 'text', text: 'x{y}z' }]);
  });

  it('tracks quotes, escapes and comments', () => {
    const inQ = (t: string) => parseTemplate(t, { shell: true }).filter((p) => p.kind === 'ph').map((p) => (p as { inQuotes: boolean }).inQuotes);
    expect(inQ('a "{x}" \'{y}\' {z}')).toEqual([true, true, false]);
    expect(inQ('a \\"{x} \\\' {y}')).toEqual([false, false]);
    expect(inQ("# don't {x}\n{y}")).toEqual([false, false]);
    expect(inQ("$'a\\'b' {x}")).toEqual([false]);
  });

  it('marks whole words', () => {
    const sa = (t: string) => parseTemplate(t, { shell: true }).filter((p) => p.kind === 'ph').map((p) => (p as { standalone: boolean }).standalone);
    expect(sa('{a} x {b};{c}\n--y={d} {e}x')).toEqual([true, true, true, false, false]);
  });
});
