/**
 * The named sources of a live session, as the session store's registry needs them: one spec per
 * local argument (file, glob, directory), per remote `host:path` (each host of a hostlist) and
 * per cluster-file log path, each able to tell which reports (node, file label) are its own.
 *
 * The labels are the ones the sources put on their events: local files are shown relative to the
 * working directory when under it (local-tail.ts displayPath); remote files as `host:/path` or
 * `host:~/path` (ssh/node-files.ts). Matching uses the sources' own glob matchers, so a file is
 * attributed to the argument that made the source follow it.
 */
import path from 'node:path';
import type { NamedSourceSpec } from '../session/source-registry.ts';
import { displayPath } from '../sources/local-tail.ts';
import { compileArgs, matchPath } from '../sources/local/glob.ts';
import { deriveNodeLabel } from '../sources/local/node-label.ts';
import { globMatch, hasGlob } from '../sources/ssh/remote-glob.ts';

/** Local arguments: what `compileArgs` makes of each (a directory follows everything below it). */
export async function localSourceSpecs(args: readonly string[], cwd: string): Promise<NamedSourceSpec[]> {
  const out: NamedSourceSpec[] = [];
  for (const arg of args) {
    const { patterns } = await compileArgs([arg], cwd);
    const isDir = patterns.length === 1 && patterns[0]!.acceptName !== undefined;
    const literal = !isDir && patterns.every((p) => p.literal);
    const source = literal && patterns.length === 1 ? displayPath(patterns[0]!.absolute, cwd) : arg;
    out.push({
      source,
      node: deriveNodeLabel(literal ? source : arg),
      kind: isDir ? 'directory' : literal ? 'file' : 'glob',
      owns: (_node, file) => file === arg || file === source || patterns.some((p) => matchPath(p, path.resolve(cwd, file))),
    });
  }
  return out;
}

/** A remote path as the SSH source names it: `~/x` and `x` are the login directory's, `a//b/` is `a/b`. */
function normalRemote(p: string): string {
  const q = p === '~' || p === '~/' ? '.' : p.startsWith('~/') ? p.slice(2) : p;
  const n = path.posix.normalize(q);
  return n.length > 1 ? n.replace(/\/$/, '') : n;
}

function remoteMatch(pattern: string, file: string): boolean {
  const a = pattern.split('/');
  const b = file.split('/');
  return a.length === b.length && a.every((seg, i) => (hasGlob(seg) ? globMatch(b[i]!, seg) : seg.replace(/\\(.)/g, '$1') === b[i]));
}

export interface RemoteTargetLike {
  node: string;
  host: string;
  paths: readonly string[];
}

/** One spec per (node, path) of the SSH targets; the node's connection states are each one's too. */
export function remoteSourceSpecs(targets: readonly RemoteTargetLike[]): NamedSourceSpec[] {
  const out: NamedSourceSpec[] = [];
  for (const t of targets) {
    for (const raw of t.paths) {
      const want = normalRemote(raw);
      const glob = hasGlob(want);
      const prefix = `${t.host}:`;
      out.push({
        source: `${t.host}:${raw}`,
        node: t.node,
        kind: glob ? 'remote-glob' : 'remote-file',
        remoteNode: t.node,
        owns: (node, file) => {
          if (node !== t.node || !file.startsWith(prefix)) return false;
          const got = normalRemote(file.slice(prefix.length));
          return got === want || (glob ? remoteMatch(want, got) : got === want.replace(/\\([*?[\]\\])/g, '$1'));
        },
      });
    }
  }
  return out;
}
