/**
 * The launch recipe's types (what validateRecipe in recipe-schema.ts returns) and the names and
 * defaults every recipe shares: the built-in placeholders, the default environment and log name.
 * Pure: no IO.
 */
import type { Piece } from './template.ts';

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
