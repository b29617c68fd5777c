/**
 * Node label for a local log file, derived from its (display) path: the deepest path component
 * that names a node (`node0`, `node-1`, `host_2`, `worker3`, also a file stem like `node1.log`),
 * else the deepest directory that looks like a host name (an IPv4 address, a dotted host name
 * such as `gpu01.cluster.local`, or a machine-like name ending in a number such as `gpu01` or `dgx-a100-03`),
 * else `local`.
 */

const NODE_WORD = /^(?:node|host|worker|machine|server|rank)[-_.]?\d+$/i;
const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
// Dotted host names: the first label starts with a letter, the last is alphabetic and not a
// common file-ish suffix; two labels only when the first holds a digit (`gpu01.cluster`), else
// at least three (`login.cluster.org`).
const FQDN = /^[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}$/i;
const NOT_TLD = /\.(?:log|txt|out|err|d|old|bak|tmp|dir|json|yaml|yml|csv|tgz|gz|tar)$/i;
// Machine-ish names that end in a number: `gpu01`, `dgx-a100-03`, `compute-1-12`.
const MACHINE = /^(?:[a-z]+-)*(?:gpu|dgx|node|host|worker|compute|srv|server|hpc|machine)[a-z0-9]*(?:-[a-z0-9]+)*?-?\d+$/i;

function isDottedHost(d: string): boolean {
  if (!FQDN.test(d) || NOT_TLD.test(d)) return false;
  return d.split('.').length >= 3 || /^[^.]*\d/.test(d);
}

function stem(name: string): string {
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

export function deriveNodeLabel(displayPath: string): string {
  const parts = displayPath.split('/').filter((p) => p.length > 0 && p !== '.' && p !== '..');
  if (parts.length === 0) return 'local';
  const dirs = parts.slice(0, -1);
  const file = parts[parts.length - 1]!;
  for (let i = dirs.length - 1; i >= 0; i--) if (NODE_WORD.test(dirs[i]!)) return dirs[i]!;
  if (NODE_WORD.test(stem(file))) return stem(file);
  for (let i = dirs.length - 1; i >= 0; i--) {
    const d = dirs[i]!;
    if (IPV4.test(d) || isDottedHost(d) || MACHINE.test(d)) return d;
  }
  return 'local';
}
