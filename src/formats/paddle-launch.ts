import type { MetaRecord } from './types.ts';

/**
 * The Paddle launcher's header (`python -m paddle.distributed.launch`), shared by PaddleClas and
 * PaddleNLP logs: `LAUNCH INFO … nnodes: 4`, `Local start 8 processes.`, the table row
 * `|  PADDLE_TRAINERS_NUM  32  |`, the `--gpus=0,…,7` / `gpus: 0,…,7` argument.
 */
export function paddleLaunchMeta(p: string): MetaRecord | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^\s*\|\s+PADDLE_TRAINERS_NUM\s+(\d+)\s+\|/.exec(p))) return { kind: 'meta', fields: { world_size: Number(m[1]) } };
  if ((m = /^LAUNCH INFO \S+ \S+ nnodes: (\d+)\s*$/.exec(p))) return { kind: 'meta', fields: { num_nodes: Number(m[1]) } };
  if ((m = /Local start (\d+) processes\./.exec(p))) return { kind: 'meta', fields: { gpu_num_per_node: Number(m[1]) } };
  if ((m = /(?:^gpus: |paddle\.distributed\.launch .*--gpus[= ])(\d+(?:,\d+)*)(?:\s|$)/.exec(p))) return { kind: 'meta', fields: { gpu_num_per_node: m[1]!.split(',').length } };
  return undefined;
}
