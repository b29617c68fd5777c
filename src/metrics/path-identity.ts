import type { RunIdentity } from '../core/types.ts';
import { normaliseModel } from '../formats/common/name-value-header.ts';

export interface PathInfo {
  /** What the path says about the run's configuration. */
  identity: Partial<RunIdentity>;
  /** Node or rank label when the path names one (`node1/`, `_pretrain_3`, `_rank2`, `GPU_1`). */
  node: string | null;
  /** Key shared by the files of one run: the path with its node/rank part taken out. */
  runKey: string;
  /** Not a training log (reports, CSV copies, result JSON, memory probes): skipped with a count. */
  notALog: string | null;
}

const NOT_LOG_EXT = /\.(json|csv|md|mem|png|jpe?g|svg|pdf|html?|py|sh|ya?ml|toml|ini|cfg|xlsx?|tgz|gz|tar|zip|npz|pt|pth|ckpt|bin)$/i;
const FRAMEWORKS = ['oneflow', 'pytorch', 'tensorflow', 'mxnet', 'paddle', 'mindspore', 'megatron', 'deepspeed'];

/**
 * Read a run's identity from its path, DLPerf-style: `<N>n<G>g` (or `<N>n<G>d`) anywhere in the path
 * (multi-digit counts work: `16n8g`, `10n4g`), `<model>_b<batch>_<precision>_<repeat>.log` file names,
 * GPT layout names (`pretrain_gpt_4n8d_dp8_mp1_pp4_mbz2_gbz512_s2048_l16_h1536_nh16.log`,
 * `megatron_lm_perf_2n8g_dp1_mp16_pp1_mbs16_gbs16_…_pretrain_0.log`).
 */
/** A directory that names a node (left out of run keys): `node3`, `host_1`, `worker-2`. */
export const NODE_DIR = /^(?:node|host|worker)[-_]?(\d+)$/i;

/** A path's parts as run keys see them (`\` is `/`, empty and `.` parts dropped). */
export function pathParts(path: string): string[] {
  return path.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.');
}

export function pathInfo(path: string): PathInfo {
  const parts = pathParts(path);
  const file = parts[parts.length - 1] ?? '';
  const id: Partial<RunIdentity> = {};
  let node: string | null = null;
  const keyParts: string[] = [];

  const ext = /\.[A-Za-z0-9]+$/.exec(file)?.[0] ?? '';
  const notALog = NOT_LOG_EXT.test(file) || /^readme/i.test(file) || /^manifest/i.test(file) ? `not a training log (${ext || file})` : null;

  for (let i = 0; i < parts.length - 1; i++) {
    const d = parts[i]!;
    const nm = NODE_DIR.exec(d);
    if (nm) {
      node = `node${nm[1]}`;
      continue;
    }
    keyParts.push(d);
    const ng = /^(\d+)n(\d+)[gd]$/i.exec(d);
    if (ng) {
      id.num_nodes = Number(ng[1]);
      id.gpu_num_per_node = Number(ng[2]);
    }
    const bz = /^bz(\d+)$/i.exec(d);
    if (bz) id.batch_size_per_device = Number(bz[1]);
    const fw = d.toLowerCase();
    if (FRAMEWORKS.includes(fw)) id.framework = fw;
  }

  let stem = file.replace(/\.(log|txt|out|err)$/i, '');
  // Node/rank suffixes: Megatron `_pretrain_<node_rank>`, `_rank<k>`, `_node<k>`, `GPU_<k>`.
  const sfx = /^(.*?)(?:_pretrain_(\d+)|[_-]rank[_-]?(\d+)|[_-]node[_-]?(\d+))$/i.exec(stem);
  if (sfx) {
    stem = sfx[1]! + (sfx[2] !== undefined ? '_pretrain' : '');
    const k = sfx[2] ?? sfx[3] ?? sfx[4];
    const label = sfx[3] !== undefined ? `rank${k}` : `node${k}`;
    // A rank file inside a node directory is that node's rank: `node03/train_rank5.log` → node03/rank5.
    node = node && sfx[3] !== undefined ? `${node}/${label}` : (node ?? label);
  }
  const gpu = /^(.*?)[_-]?GPU[_-]?(\d+)$/i.exec(stem);
  if (gpu) {
    node = node ? `${node}/rank${gpu[2]}` : `rank${gpu[2]}`;
    stem = gpu[1] || 'GPU';
  }
  keyParts.push(stem);

  // `<model>_b<batch>_<precision>_<repeat>`
  const dl = /^(.+?)_b(\d+)_([a-z0-9]+)_(\d+)$/i.exec(stem);
  if (dl) {
    id.model = normaliseModel(dl[1]!);
    id.batch_size_per_device = Number(dl[2]);
    const prec = normalisePrecision(dl[3]!);
    if (prec) id.precision = prec;
    id.repeat = Number(dl[4]);
  }
  const tokens = stem.split(/[_-]/);
  for (const t of tokens) {
    let m: RegExpExecArray | null;
    if ((m = /^(\d+)n(\d+)[gd]$/i.exec(t)) || (m = /^N(\d+)C(\d+)$/.exec(t)) || (m = /^n(\d+)g(\d+)$/.exec(t))) {
      // `N1C8`: PaddlePaddle/Perf's nodes × cards per node; `n1g8`: DLPerf's HugeCTR/WDL names.
      id.num_nodes = Number(m[1]);
      id.gpu_num_per_node = Number(m[2]);
    } else if ((m = /^dp(\d+)$/.exec(t))) id.data_parallel_size = Number(m[1]);
    else if ((m = /^(?:mp|tp)(\d+)$/.exec(t))) id.tensor_model_parallel_size = Number(m[1]);
    else if ((m = /^pp(\d+)$/.exec(t))) id.pipeline_model_parallel_size = Number(m[1]);
    else if ((m = /^mb[sz](\d+)$/.exec(t))) id.micro_batch_size = Number(m[1]);
    else if ((m = /^gb[sz](\d+)$/.exec(t))) id.global_batch_size = Number(m[1]);
    else if ((m = /^s(\d{3,})$/.exec(t))) id.seq_length = Number(m[1]);
    else if ((m = /^l(\d+)$/.exec(t))) id.num_layers = Number(m[1]);
    else if ((m = /^(?:h|hsz)(\d+)$/.exec(t))) id.hidden_size = Number(m[1]);
    else if ((m = /^(?:nh|ahs)(\d+)$/.exec(t))) id.num_attention_heads = Number(m[1]);
    else if ((m = /^r(\d+)$/.exec(t)) && tokens.length > 3) id.repeat ??= Number(m[1]);
  }
  if (/gpt/i.test(stem)) {
    id.model = 'gpt';
    if (/^megatron/i.test(stem)) id.framework ??= 'megatron';
    if (id.micro_batch_size != null) id.batch_size_per_device ??= id.micro_batch_size;
  }
  for (const p of parts.slice(0, -1)) {
    const r = /^(?:r|repeat|run)[-_]?(\d+)$/i.exec(p);
    if (r) id.repeat ??= Number(r[1]);
  }
  return { identity: id, node, runKey: keyParts.join('/'), notALog };
}

/** fp16, amp and mixed all mean mixed precision and are reported as `amp` (summary-json.md). */
export function normalisePrecision(p: string): string | null {
  const s = p.toLowerCase();
  if (s === 'fp16' || s === 'amp' || s === 'mixed' || s === 'half') return 'amp';
  if (s === 'fp32' || s === 'tf32' || s === 'bf16' || s === 'float32') return s === 'float32' ? 'fp32' : s;
  return null;
}
