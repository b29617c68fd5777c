/**
 * `--cluster cluster.yaml`: which hosts to tail and which log files on each.
 *
 * ```yaml
 * user: bench            # optional defaults for every node
 * port: 22
 * identity_file: ~/.ssh/id_ed25519   # or a list
 * jump: bastion.example.com          # ProxyJump syntax: [user@]host[:port][,…]
 * poll_ms: 500
 * nodes:
 *   - host: node[01-04]  # a hostlist expands to several nodes sharing the logs below
 *     logs: [/data/logs/rank*.log]
 *   - host: 10.0.0.9
 *     name: head
 *     user: root
 *     port: 2222
 *     logs: [/data/logs/train.log]
 * ```
 * Validation errors name the field (`cluster.yaml: nodes[1].logs[0]: …`).
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { expandHostlist, HostlistError, isHostlist } from './hostlist.ts';
import { parseProxyJump } from './ssh-config-values.ts';

export class ClusterFileError extends Error {
  override name = 'ClusterFileError';
}

export interface ClusterNode {
  /** Node label shown to the user (the `name`, or the host). */
  readonly node: string;
  readonly host: string;
  readonly user?: string;
  readonly port?: number;
  /** Remote paths or globs. */
  readonly logs: readonly string[];
}

export interface ClusterSpec {
  readonly user?: string;
  readonly port?: number;
  readonly identityFiles?: readonly string[];
  /** ProxyJump value, validated. */
  readonly jump?: string;
  readonly pollMs?: number;
  readonly nodes: readonly ClusterNode[];
}

const TOP_KEYS = ['user', 'port', 'identity_file', 'jump', 'poll_ms', 'nodes'];
const NODE_KEYS = ['host', 'name', 'user', 'port', 'logs'];

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Parse and validate cluster-file text. Throws ClusterFileError naming the file and field. */
export function parseClusterFile(text: string, source = 'cluster.yaml'): ClusterSpec {
  const fail = (field: string, msg: string): never => {
    throw new ClusterFileError(`${source}: ${field ? `${field}: ` : ''}${msg}`);
  };
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    fail('', `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isObj(doc)) return fail('', 'must be a mapping with a `nodes` list');
  const top = doc;
  for (const k of Object.keys(top)) {
    if (!TOP_KEYS.includes(k)) fail(k, `unknown field (expected one of ${TOP_KEYS.join(', ')})`);
  }

  const str = (v: unknown, field: string, what = 'a non-empty string'): string => {
    if (typeof v !== 'string' || v.trim() === '' || CONTROL.test(v)) return fail(field, `must be ${what}`);
    return v.trim();
  };
  const userName = (v: unknown, field: string): string => {
    const s = str(v, field);
    if (!/^[A-Za-z0-9._][A-Za-z0-9._@-]*$/.test(s)) fail(field, `"${s}" is not a valid user name`);
    return s;
  };
  const port = (v: unknown, field: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
      return fail(field, 'must be a port number (1-65535)');
    }
    return v;
  };

  const spec: {
    user?: string;
    port?: number;
    identityFiles?: string[];
    jump?: string;
    pollMs?: number;
    nodes: ClusterNode[];
  } = { nodes: [] };

  if (top.user !== undefined) spec.user = userName(top.user, 'user');
  if (top.port !== undefined) spec.port = port(top.port, 'port');
  if (top.identity_file !== undefined) {
    const v = top.identity_file;
    if (Array.isArray(v)) {
      if (v.length === 0) fail('identity_file', 'must not be an empty list');
      spec.identityFiles = v.map((p, i) => str(p, `identity_file[${i}]`, 'a path'));
    } else {
      spec.identityFiles = [str(v, 'identity_file', 'a path or a list of paths')];
    }
  }
  if (top.jump !== undefined) {
    const j = str(top.jump, 'jump', 'a ProxyJump string ([user@]host[:port][,…])');
    try {
      parseProxyJump(j);
    } catch (err) {
      fail('jump', (err as Error).message);
    }
    spec.jump = j;
  }
  if (top.poll_ms !== undefined) {
    const v = top.poll_ms;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 50 || v > 600_000) {
      fail('poll_ms', 'must be an integer number of milliseconds between 50 and 600000');
    }
    spec.pollMs = v as number;
  }

  if (top.nodes === undefined) fail('nodes', 'is required (a list of { host, logs })');
  if (!Array.isArray(top.nodes) || top.nodes.length === 0) fail('nodes', 'must be a non-empty list');
  const seen = new Map<string, string>();
  (top.nodes as unknown[]).forEach((raw, i) => {
    const at = `nodes[${i}]`;
    if (!isObj(raw)) return fail(at, 'must be a mapping with `host` and `logs`');
    for (const k of Object.keys(raw)) {
      if (!NODE_KEYS.includes(k)) fail(`${at}.${k}`, `unknown field (expected one of ${NODE_KEYS.join(', ')})`);
    }
    if (raw.host === undefined) fail(`${at}.host`, 'is required');
    const hostSpec = str(raw.host, `${at}.host`, 'a host name or hostlist');
    let hosts: string[];
    if (isHostlist(hostSpec)) {
      try {
        hosts = expandHostlist(hostSpec);
      } catch (err) {
        return fail(`${at}.host`, err instanceof HostlistError ? err.message : String(err));
      }
    } else {
      if (!/^[A-Za-z0-9._:%-]+$/.test(hostSpec) || hostSpec.startsWith('-')) {
        fail(`${at}.host`, `"${hostSpec}" is not a valid host name`);
      }
      hosts = [hostSpec];
    }
    let names: string[] = hosts;
    if (raw.name !== undefined) {
      const nameSpec = str(raw.name, `${at}.name`);
      if (hosts.length === 1) {
        names = [nameSpec];
      } else {
        try {
          names = expandHostlist(nameSpec);
        } catch (err) {
          return fail(`${at}.name`, err instanceof HostlistError ? err.message : String(err));
        }
        if (names.length !== hosts.length) {
          fail(`${at}.name`, `expands to ${names.length} names but host "${hostSpec}" expands to ${hosts.length} hosts`);
        }
      }
    }
    const user = raw.user !== undefined ? userName(raw.user, `${at}.user`) : undefined;
    const p = raw.port !== undefined ? port(raw.port, `${at}.port`) : undefined;
    if (raw.logs === undefined) fail(`${at}.logs`, 'is required (a list of remote paths or globs)');
    const logsRaw = typeof raw.logs === 'string' ? [raw.logs] : raw.logs;
    if (!Array.isArray(logsRaw) || logsRaw.length === 0) fail(`${at}.logs`, 'must be a non-empty list of remote paths or globs');
    const logs = (logsRaw as unknown[]).map((l, j) => {
      if (typeof l !== 'string' || l === '' || CONTROL.test(l)) {
        return fail(`${at}.logs[${j}]`, 'must be a non-empty path without control characters');
      }
      if (l.endsWith('/')) fail(`${at}.logs[${j}]`, `"${l}" is a directory; name the files (e.g. "${l}*.log")`);
      return l;
    });
    hosts.forEach((host, k) => {
      const node = names[k]!;
      const prev = seen.get(node);
      if (prev !== undefined) fail(`${at}.host`, `node "${node}" is already defined by ${prev}`);
      seen.set(node, at);
      spec.nodes.push({ node, host, ...(user !== undefined ? { user } : {}), ...(p !== undefined ? { port: p } : {}), logs });
    });
  });
  return spec;
}

/** Read and validate a cluster file. */
export async function loadClusterFile(path: string): Promise<ClusterSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ClusterFileError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseClusterFile(text, path);
}

/** The per-node targets of `createSshSource` for a cluster spec (top-level defaults applied). */
export function clusterTargets(spec: ClusterSpec): Array<{ node: string; host: string; user?: string; port?: number; paths: string[] }> {
  return spec.nodes.map((n) => {
    const user = n.user ?? spec.user;
    const port = n.port ?? spec.port;
    return {
      node: n.node,
      host: n.host,
      ...(user !== undefined ? { user } : {}),
      ...(port !== undefined ? { port } : {}),
      paths: [...n.logs],
    };
  });
}
