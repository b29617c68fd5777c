/**
 * A planned case's identity as the launcher's JSON documents write it (manifest.json of the run
 * archive, `launch --dry-run --format json`): its id and name and DLPerf's names for its shape.
 * Pure.
 */
import type { PlannedCase } from './plan.ts';

/** `{id, name?, num_nodes, gpu_num_per_node, batch_size_per_device, precision, repeat}`, in that order. */
export function caseIdentityJson(c: PlannedCase) {
  return {
    id: c.id,
    ...(c.name ? { name: c.name } : {}),
    num_nodes: c.num_nodes,
    gpu_num_per_node: c.gpu_num_per_node,
    batch_size_per_device: c.batch_size_per_device,
    precision: c.precision,
    repeat: c.repeat,
  };
}
