/**
 * `launch --dry-run`: the plan, every case and every node's exact command line and environment.
 * Text for people (control characters shown as \xNN), JSON for scripts (exact strings):
 *
 *   {"cases": [{"num_nodes", "gpu_num_per_node", "batch_size_per_device", "repeat",
 *               "nodes": [{"host", "node_rank", "command", "env"}]}]}
 *
 * (plus a few more keys: id, precision, workdir, log, archive member, recipe, backend). Pure.
 */
import { caseIdentityJson } from './case-json.ts';
import type { Plan } from './plan.ts';
import { displaySafe } from './quote.ts';

export function dryRunJson(plan: Plan): string {
  const doc = {
    recipe: plan.recipe.name,
    recipe_file: plan.recipe.source,
    backend: plan.backend,
    session: plan.session,
    hosts: plan.hosts.map((h) => ({ host: h.name, address: h.address })),
    cases: plan.cases.map((c) => ({
      ...caseIdentityJson(c),
      ...(plan.backend === 'slurm' ? { srun_args: c.slurmArgs } : {}),
      nodes: c.nodes.map((n) => ({
        host: n.host,
        node_rank: n.node_rank,
        command: n.command,
        env: n.env,
        workdir: n.workdir,
        log: n.log,
        archive_member: n.member,
      })),
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

export function dryRunText(plan: Plan): string {
  const r = plan.recipe;
  const out: string[] = [];
  const where = plan.backend === 'ssh' ? `hosts ${plan.hosts.map((h) => (h.address !== h.name ? `${h.name} (${h.address})` : h.name)).join(', ')}` : 'placed by Slurm';
  out.push(displaySafe(`Recipe ${r.name} (${r.source}): ${plan.cases.length} case${plan.cases.length === 1 ? '' : 's'}, backend ${plan.backend}, ${where}`));
  out.push(`Session ${plan.session}; log format ${r.format}${plan.timeout_s !== null ? `; timeout ${plan.timeout_s} s per case` : ''}; stop grace ${plan.stop_grace_s} s`);
  out.push('');
  plan.cases.forEach((c, i) => {
    out.push(
      displaySafe(
        `case ${i + 1}/${plan.cases.length}  ${c.id}  ${c.num_nodes}n${c.gpu_num_per_node}g  batch ${c.batch_size_per_device}  ${c.precision}  repeat ${c.repeat}${c.name ? `  (${c.name})` : ''}`,
      ),
    );
    if (plan.backend === 'slurm' && c.slurmArgs.length) out.push(displaySafe(`  srun ${c.slurmArgs.join(' ')}`));
    for (const n of c.nodes) {
      out.push(displaySafe(`  node ${n.node_rank}${n.host ? `  ${n.host}` : ''}  workdir ${n.workdir}`));
      out.push(displaySafe(`    log ${n.log} → ${n.member}`));
      out.push(displaySafe(`    env ${Object.entries(n.env).map(([k, v]) => `${k}=${v}`).join(' ')}`));
      out.push(displaySafe(indent(n.command, '    $ ').replace(/\n {4}\$ /g, '\n      ')));
    }
    out.push('');
  });
  return out.join('\n');
}
