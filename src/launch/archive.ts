/**
 * The run archive of a launch: every case's node logs in DLPerf's layout plus `manifest.json` and
 * the recipe, as a `.tgz` that `summary` and `replay` read like DLPerf's own bundles.
 *
 *   logs/<framework>/<N>n<G>g/<model>_b<bsz>_<precision>_<repeat>.log            (one node)
 *   logs/<framework>/<N>n<G>g/node<k>/<model>_b<bsz>_<precision>_<repeat>.log     (several nodes)
 *   recipe.yaml, manifest.json
 *
 * (member names follow the recipe's `log_name`; see plan.ts). The archive is rewritten after
 * every case (temp file renamed into place), so an interrupted sweep still leaves everything
 * that ran.
 */
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VERSION } from '../shared/version.ts';
import { withTgz } from '../sources/tar-writer.ts';
import type { CaseOutcome } from './backends/types.ts';
import { caseIdentityJson } from './case-json.ts';
import type { Plan, PlannedCase } from './plan.ts';

export interface CaseRecord {
  readonly case: PlannedCase;
  /** null: not run (the sweep stopped before it). */
  readonly outcome: CaseOutcome | null;
}

export interface ArchiveMeta {
  readonly recipePath: string;
  readonly recipeText: string;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly interrupted: boolean;
  /** The command line that started the sweep (argv after `launch`). */
  readonly argv: readonly string[];
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString());

/** `manifest.json` of a launch archive (keys shared with the recorder's: tool, version, created, hosts, files). */
export function buildManifest(plan: Plan, records: readonly CaseRecord[], meta: ArchiveMeta, now: number): Record<string, unknown> {
  const r = plan.recipe;
  const hosts: Record<string, string> = {};
  for (const h of plan.hosts) hosts[h.name] = h.address;
  const files: Array<Record<string, unknown>> = [];
  for (const rec of records) {
    for (const n of rec.outcome?.nodes ?? []) {
      const pn = rec.case.nodes[n.node_rank]!;
      if (!n.localLog) continue;
      files.push({
        path: pn.member,
        source: n.label,
        node: n.node,
        ...(n.host ? { host: hosts[n.host] ?? n.host } : {}),
        run: rec.case.id,
        start: iso(n.startedAt),
        end: iso(n.endedAt),
      });
    }
  }
  return {
    tool: 'dlperf-top',
    version: VERSION,
    kind: 'launch',
    schema: 1,
    created: iso(now),
    recipe: {
      name: r.name,
      file: meta.recipePath,
      framework: r.framework,
      model: r.model,
      format: r.format,
      member: 'recipe.yaml',
    },
    backend: plan.backend,
    session: plan.session,
    argv: meta.argv,
    hosts,
    started_at: iso(meta.startedAt),
    ended_at: iso(meta.endedAt),
    interrupted: meta.interrupted,
    cases: records.map((rec) => {
      const c = rec.case;
      const o = rec.outcome;
      return {
        ...caseIdentityJson(c),
        status: o ? o.status : 'not_run',
        reason: o?.reason ?? null,
        started_at: iso(o?.startedAt),
        ended_at: iso(o?.endedAt),
        start_skew_ms: o?.startSkewMs ?? null,
        ...(o?.jobId ? { slurm_job_id: o.jobId } : {}),
        exit_codes: o ? o.nodes.map((n) => n.exitCode) : [],
        nodes: c.nodes.map((pn) => {
          const n = o?.nodes[pn.node_rank];
          return {
            node_rank: pn.node_rank,
            host: pn.host,
            ...(pn.address ? { address: pn.address } : {}),
            workdir: pn.workdir,
            command: pn.command,
            env: pn.env,
            remote_log: pn.log,
            log: n?.localLog ? pn.member : null,
            state: n?.state ?? 'not_started',
            exit_code: n?.exitCode ?? null,
            reason: n?.reason ?? null,
            pgid: n?.pgid ?? null,
            started_at: iso(n?.startedAt),
            ended_at: iso(n?.endedAt),
          };
        }),
      };
    }),
    files,
  };
}

/** Write (or rewrite) the archive at `path` from the node logs gathered so far. */
export async function writeRunArchive(path: string, plan: Plan, records: readonly CaseRecord[], meta: ArchiveMeta, now: number): Promise<{ members: string[] }> {
  await mkdir(dirname(path), { recursive: true });
  const members: string[] = [];
  await withTgz(
    path,
    async (tar) => {
      for (const rec of records) {
        for (const n of rec.outcome?.nodes ?? []) {
          if (!n.localLog) continue;
          const member = rec.case.nodes[n.node_rank]!.member;
          let size: number;
          try {
            size = (await stat(n.localLog)).size;
          } catch {
            continue;
          }
          const mtimeMs = n.endedAt !== null && n.endedAt > 0 ? n.endedAt : 0;
          await tar.addStream(member, size, size === 0 ? (async function* () {})() : (createReadStream(n.localLog, { start: 0, end: size - 1 }) as AsyncIterable<Buffer>), { mtimeMs });
          members.push(member);
        }
      }
      await tar.addFile('recipe.yaml', meta.recipeText, { mtimeMs: Math.max(0, meta.startedAt) });
      await tar.addFile('manifest.json', JSON.stringify(buildManifest(plan, records, meta, now), null, 2) + '\n', { mtimeMs: Math.max(0, now) });
    },
    { level: 6 },
  );
  return { members };
}

/** `runs/x.tgz` → `runs/x.summary.md`: the summary written beside the archive. */
export function summaryPathFor(archive: string): string {
  return archive.replace(/(\.tar\.gz|\.tgz|\.tar)$/i, '') + '.summary.md';
}
