import type { MetaRecord } from '../types.ts';

/**
 * Argument dumps: OneFlow's `name = value` (config.print_args) and Megatron's
 * `  name ........ value` lines. Only the keys that identify a run are kept.
 */
const KEYS: Record<string, keyof MetaRecord['fields'] | 'precision_flag'> = {
  model: 'model',
  batch_size_per_device: 'batch_size_per_device',
  gpu_num_per_node: 'gpu_num_per_node',
  num_gpus_per_node: 'gpu_num_per_node',
  num_nodes: 'num_nodes',
  use_fp16: 'precision_flag',
  fp16: 'precision_flag',
  bf16: 'precision_flag',
  data_parallel_size: 'data_parallel_size',
  tensor_model_parallel_size: 'tensor_model_parallel_size',
  pipeline_model_parallel_size: 'pipeline_model_parallel_size',
  micro_batch_size: 'micro_batch_size',
  global_batch_size: 'global_batch_size',
  seq_length: 'seq_length',
  num_layers: 'num_layers',
  hidden_size: 'hidden_size',
  num_attention_heads: 'num_attention_heads',
  world_size: 'world_size',
  log_interval: 'log_interval',
  train_iters: 'train_iters',
};

const ONEFLOW = /^([a-z_][a-z0-9_]*) = (\S.*?)\s*$/;
const MEGATRON = /^\s+([a-z_][a-z0-9_]*) \.{2,} (\S.*?)\s*$/;

export function parseNameValue(payload: string): MetaRecord | undefined {
  const m = ONEFLOW.exec(payload) ?? MEGATRON.exec(payload);
  if (!m) return undefined;
  const key = KEYS[m[1]!];
  if (!key) return undefined;
  const raw = m[2]!;
  if (key === 'precision_flag') {
    if (/^true$/i.test(raw)) return { kind: 'meta', fields: { precision: m[1] === 'bf16' ? 'bf16' : 'amp' } };
    if (/^false$/i.test(raw) && m[1] !== 'bf16') return { kind: 'meta', fields: { precision: 'fp32' } };
    return undefined;
  }
  // A family-only name stays as it is (lowercased): the run's identity takes the size from the path.
  if (key === 'model') return { kind: 'meta', fields: { model: genericModelFamily(raw) ? raw.trim().toLowerCase() : normaliseModel(raw) } };
  const n = Number(raw);
  if (!Number.isFinite(n) || !Number.isInteger(n)) return undefined;
  return { kind: 'meta', fields: { [key]: n } };
}

/** One spelling per model, so that groups match across frameworks and file names. */
/**
 * A model name that states the family only: OneFlow-Benchmark's BERT prints `model = BERT Pretrain`
 * (the task, not the size), while DLPerf names the file `bert_base_…`. Such a name agrees with any
 * size of its family, and the file name says which one.
 */
export function genericModelFamily(name: string): string | null {
  return /^bert([-_ ]?(pre-?train(ing)?|model))?$/i.test(name.trim()) ? 'bert' : null;
}

/** Whether a model named in the log and one named by the path are the same model (see {@link genericModelFamily}). */
export function modelsAgree(content: string, path: string): boolean {
  const fam = genericModelFamily(content);
  if (fam && normaliseModel(path).startsWith(fam)) return true;
  return normaliseModel(content) === normaliseModel(path);
}

export function normaliseModel(name: string): string {
  const s = name.trim().toLowerCase();
  if (/^(r50|rn50|resnet-?50(v1\.?5|_v1\.?5)?|resnet50v15)$/.test(s)) return 'resnet50';
  if (/^bert[-_]?base/.test(s) || genericModelFamily(s) === 'bert') return 'bert_base';
  if (/^bert[-_]?large/.test(s)) return 'bert_large';
  if (/^gpt/.test(s)) return 'gpt';
  return s;
}
