/**
 * What one line says about the network NCCL uses (spec/formats.md §4.2–4.4): a transport path
 * (`socket`, `ib` = RDMA or another non-socket network plugin, `intra` = P2P/SHM) with a strength,
 * or a hint that IB is missing. Pure; used by ib-fallback.ts.
 */

/** Hints that IB is missing, strongest first: the first present is the suspected flag's evidence. */
export const HINTS = {
  'ib-disabled': 'NCCL_IB_DISABLE=1',
  'no-ib-device': 'NCCL found no IB device',
  'no-libibverbs': 'NCCL could not open libibverbs',
  'ib-plugin-failed': 'NCCL could not initialise its IB plugin',
  'libibverbs-warning': 'libibverbs has no userspace driver for the HCA',
  'ofi-no-provider': 'aws-ofi-nccl found no provider',
  'ibext-disabled': 'NCCL_IBEXT_DISABLE=1',
  'mpi-openib': 'Open MPI openib found no usable RDMA interface',
} as const;
export type HintKind = keyof typeof HINTS;
export const HINT_ORDER = Object.keys(HINTS) as HintKind[];

export type Path = 'socket' | 'ib' | 'intra';

/**
 * A transport path (strength 3 = `Using network …`/`via NET/…`, 2 = NET init lines such as
 * `NET/IB : Using [0]mlx5_0:1/IB`, 1 = side remarks such as `GPU Direct RDMA …`; `via` marks
 * connection lines) or a hint that IB is missing.
 */
export type Classified = { path: Path; strength: number; name: string; via?: true } | { hint: HintKind } | undefined;

const USING_NETWORK = /^Using (?:internal )?[Nn]etwork (.+?)\s*$/;
const NET_IB_USING = /^NET\/IB ?: Using \[/;
const NO_IB_DEVICE = /^NET\/IB ?: No device found/;
const OFI_PROVIDER = /^NET\/OFI Selected Provider is (\S+)/;

function netPath(name: string): Path {
  return /^(?:Fast)?Socket\b/i.test(name) ? 'socket' : 'ib';
}

/** What one NCCL INFO/WARN message says about the transport. */
export function classifyNccl(msg: string): Classified {
  let m = USING_NETWORK.exec(msg);
  if (m) return { path: netPath(m[1]!), strength: 3, name: m[1]! };
  const via = msg.indexOf(' via ');
  if (via >= 0) {
    const rest = msg.slice(via + 5);
    if (rest.startsWith('NET/')) {
      const name = rest.slice(4).split('/')[0]!.trim();
      return { path: netPath(name), strength: 3, name: `NET/${name}`, via: true };
    }
    if (rest.startsWith('P2P') || rest.startsWith('SHM')) return { path: 'intra', strength: 1, name: rest.split(/\s/)[0]! };
    return undefined;
  }
  if (msg.startsWith('NET/')) {
    if (NET_IB_USING.test(msg)) return { path: 'ib', strength: 2, name: 'NET/IB' };
    if (NO_IB_DEVICE.test(msg)) return { hint: 'no-ib-device' };
    if (msg.startsWith('NET/FastSocket')) return { path: 'socket', strength: 2, name: 'NET/FastSocket' };
    if (/^NET\/Socket ?: Using \d+ threads/.test(msg)) return { path: 'socket', strength: 2, name: 'NET/Socket' };
    if (/^NET\/IB ?: Got completion/.test(msg)) return { path: 'ib', strength: 1, name: 'NET/IB' };
    if ((m = OFI_PROVIDER.exec(msg))) {
      const provider = m[1]!;
      return /^(?:tcp|sockets|udp)\b/i.test(provider)
        ? { path: 'socket', strength: 2, name: `NET/OFI ${provider}` }
        : { path: 'ib', strength: 2, name: `NET/OFI ${provider}` };
    }
    if (msg.includes('Could not find any optimal provider')) return { hint: 'ofi-no-provider' };
  }
  if (msg.includes('GPU Direct RDMA')) return { path: 'ib', strength: 1, name: 'NET/IB' };
  if (msg.startsWith('P2P plugin ')) return { path: 'ib', strength: 1, name: msg.slice(11).split(/\s/)[0]! };
  if (/^NCCL_IB_DISABLE set by environment to 1\b/.test(msg)) return { hint: 'ib-disabled' };
  if (/^NCCL_IBEXT_DISABLE set by environment to 1\b/.test(msg)) return { hint: 'ibext-disabled' };
  if (msg.startsWith('Failed to initialize NET plugin IB')) return { hint: 'ib-plugin-failed' };
  if (msg.includes('Failed to open libibverbs')) return { hint: 'no-libibverbs' };
  if (msg.includes('Could not find any optimal provider')) return { hint: 'ofi-no-provider' };
  return undefined;
}

/** Hints on lines that are not NCCL's (libibverbs, Open MPI openib); callers pre-check the line. */
export function classifyOther(payload: string): HintKind | undefined {
  if (payload.includes('ibverbs')) {
    return payload.includes('no userspace device-specific driver found') ? 'libibverbs-warning' : undefined;
  }
  if (payload.includes('OpenFabrics') || payload.includes('openib')) {
    return /Module: OpenFabrics \(openib\)|no active ports detected/.test(payload) ? 'mpi-openib' : undefined;
  }
  return undefined;
}
