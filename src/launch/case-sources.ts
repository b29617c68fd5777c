/**
 * A launch case's node logs as named sources (session/source-registry.ts), the way `live` names
 * its sources: one per node of the case (its log path on that host), registered when the case
 * starts, so a node that never writes a line is a row with its state and reason (connecting,
 * preflight failed, connection lost…), counted in the header's coverage ("1 of 2 nodes
 * reporting · 1 missing: …") and in NDJSON `sources[]`, exactly as in live mode.
 */
import { remoteSourceSpecs } from '../pipeline/live-sources.ts';
import type { NamedSourceSpec } from '../session/source-registry.ts';
import type { Backend } from './backends/types.ts';
import type { PlannedCase } from './plan.ts';

export function caseSourceSpecs(c: PlannedCase, backend: Pick<Backend, 'kind' | 'fileLabel' | 'nodeLabel'>): NamedSourceSpec[] {
  return c.nodes.flatMap((n): NamedSourceSpec[] => {
    const file = backend.fileLabel(c, n.node_rank);
    const node = backend.nodeLabel(c, n.node_rank);
    // ssh: `host:/path`, exactly live's remote source for that host and path.
    const remote = backend.kind === 'ssh' && n.host !== null && file === `${n.host}:${n.log}` ? remoteSourceSpecs([{ node, host: n.host, paths: [n.log] }]) : [];
    // (A log path with glob characters would be a pattern to live: not this.)
    if (remote.length === 1 && remote[0]!.source === file && remote[0]!.kind === 'remote-file') return remote;
    return [{
      source: file,
      node,
      // ssh: `host:/path` on the node; slurm: a file on the shared filesystem.
      kind: backend.kind === 'ssh' ? 'remote-file' : 'file',
      owns: (evNode: string, evFile: string) => evFile === file && evNode === node,
    }];
  });
}
