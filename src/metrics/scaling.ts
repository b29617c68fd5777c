import type { Flag } from '../core/types.ts';
import type { GroupReport } from './aggregate.ts';
import type { RunReport } from './run-report.ts';

/**
 * Scaling sanity: when a multi-node group scales much worse than the same job at a smaller size.
 * DLPerf's InfiniBand clusters keep ~0.9 scaling efficiency across nodes, so a group whose
 * efficiency is more than `maxDrop` (absolute) below its best smaller sibling's is marked `scaling`.
 */
export interface ScalingRule {
  /**
   * Largest drop in scaling efficiency (absolute, e.g. 0.96 → 0.86) below the best smaller sibling
   * (same framework, model, precision and batch per device; fewer GPUs in total, more than one)
   * that is still normal. @default 0.10
   */
  maxDrop: number;
  /** Judge only groups that span several nodes (within one node NVLink scaling is another matter). @default true */
  multiNodeOnly: boolean;
}

export const DEFAULT_SCALING_RULE: ScalingRule = { maxDrop: 0.1, multiNodeOnly: true };

const gpusOf = (g: GroupReport) => (g.num_nodes ?? 0) * (g.gpu_num_per_node ?? 0);
const shape = (g: GroupReport) => `${g.num_nodes ?? '?'}n${g.gpu_num_per_node ?? '?'}g`;
const unique = (xs: string[]) => [...new Set(xs)];

/**
 * Add a `scaling` flag to each group whose scaling efficiency falls more than `rule.maxDrop` below
 * the best efficiency of its smaller siblings (`siblingKey` says which groups are the same job).
 * The 1-GPU baseline (efficiency 1 by definition) is not a sibling. When runs of the group carry
 * `ib_fallback`, the likely cause is named with them.
 */
export function flagScaling(groups: readonly GroupReport[], members: ReadonlyMap<GroupReport, readonly RunReport[]>, siblingKey: (g: GroupReport) => string, rule: ScalingRule = DEFAULT_SCALING_RULE): void {
  const bySweep = new Map<string, GroupReport[]>();
  for (const g of groups) {
    if (g.scaling_efficiency === null || gpusOf(g) <= 1) continue;
    const k = siblingKey(g);
    bySweep.set(k, [...(bySweep.get(k) ?? []), g]);
  }
  for (const sweep of bySweep.values()) {
    for (const g of sweep) {
      if (rule.multiNodeOnly && !((g.num_nodes ?? 0) > 1)) continue;
      const smaller = sweep.filter((s) => gpusOf(s) < gpusOf(g));
      if (smaller.length === 0) continue;
      const best = smaller.reduce((a, s) => (s.scaling_efficiency! > a.scaling_efficiency! ? s : a));
      const eff = g.scaling_efficiency!;
      const ref = best.scaling_efficiency!;
      const drop = ref - eff;
      if (!(drop > rule.maxDrop)) continue;
      const parts = [`${shape(g)} efficiency ${eff.toFixed(2)} vs ${ref.toFixed(2)} at ${shape(best)} (drop ${drop.toFixed(2)} > ${rule.maxDrop.toFixed(2)})`];
      const runs = members.get(g) ?? [];
      const ib = runs.flatMap((r) => r.flags.filter((f) => f.kind === 'ib_fallback').map((f) => ({ r, f })));
      let cause: Flag | undefined;
      if (ib.length) {
        cause = ib.find((x) => x.f.confidence === 'confirmed')?.f ?? ib[0]!.f;
        const sources = unique(ib.map((x) => x.r.source));
        const suspected = ib.every((x) => x.f.confidence === 'suspected');
        parts.push(
          `likely cause: ${suspected ? 'suspected ' : ''}InfiniBand fallback on ${sources.join(', ')}` +
            (runs.length > 1 ? ` (${sources.length} of ${runs.length} runs)` : '') +
            (cause.file ? `, see ${cause.file}${cause.line ? `:${cause.line}` : ''}` : ''),
        );
      }
      const flag: Flag = {
        kind: 'scaling',
        evidence: `scaling_efficiency ${eff.toFixed(3)} at ${shape(g)} (${gpusOf(g)} GPUs) vs ${ref.toFixed(3)} at ${shape(best)} (${gpusOf(best)} GPUs)`,
        detail: parts.join('; '),
      };
      g.flags.push(flag);
    }
  }
}
