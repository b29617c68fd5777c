/**
 * `ib_fallback`: a multi-node run whose NCCL traffic went over TCP sockets instead of
 * InfiniBand/RDMA (spec/formats.md §4.2–4.4).
 *
 * Lines only collect evidence; `evaluate(ctx)` decides, because only the run knows whether it
 * spans nodes. Single-node runs are never flagged: current NCCL prints `NET/IB : No device
 * found.` in every run on a machine without an HCA, while traffic goes over NVLink/PCIe.
 *
 * Decision, per run (all nodes together):
 * 1. a socket transport line (`Using network Socket`, `Using internal Network Socket`,
 *    `via NET/Socket/…`, `NET/FastSocket`, `NET/Socket : Using N threads…`) → confirmed;
 * 2. else an RDMA transport line (`Using network IB|IBext…|Libfabric`, `via NET/IB…`,
 *    `NET/IB : Using [0]mlx5_0:1/IB`, `GPU Direct RDMA …`) → no flag, transport `ib`,
 *    whatever the hints say (the HPC-X IBext plugin ignores `NCCL_IB_DISABLE=1`);
 * 3. else hints (libibverbs "no userspace device-specific driver", `NCCL_IB_DISABLE … 1`,
 *    `NET/IB : No device found`, `Failed to open libibverbs`, Open MPI openib "no relevant
 *    network interfaces") → suspected;
 * 4. else no flag; the transport is `not_visible` unless intra-node paths were seen.
 * `NET/Socket : Using [0]eth0…` alone decides nothing (NCCL prints it for bootstrap).
 */
import type { Flag, LineEvent } from '../core/types.ts';
import type { UnwrappedLine } from '../formats/unwrap.ts';
import { flagOf, sightingOf, type Sighting } from './evidence.ts';
import { ncclHost, parseNcclLine, type NcclLine } from './nccl-line.ts';
import { type Classified, classifyNccl, classifyOther, type HintKind, HINT_ORDER, HINTS } from './nccl-transport.ts';
import type { LineDetector, LineDetectorFactory, RunContext, Transport } from './types.ts';

/** A transport line: strength 3 = `Using network …`/`via NET/…`, 2 = init lines, 1 = side remarks. */
interface PathSeen {
  s: Sighting;
  strength: number;
  /** Network name as NCCL spells it (`Socket`, `IBext_v8`, `P2P/IPC`…). */
  name: string;
  count: number;
  nodes: string[];
  /** A `via NET/…` connection line was seen (not only the selected network). */
  via: boolean;
}

interface HintSeen {
  s: Sighting;
  count: number;
  nodes: string[];
}

interface NodeState {
  info: boolean;
  socket?: PathSeen;
  ib?: PathSeen;
  intra?: PathSeen;
  hints: Map<HintKind, HintSeen>;
}

/** The line that decided a transport, with a short human description. */
export interface TransportEvidence extends Sighting {
  /** e.g. `Using network Socket (12 lines on 4 nodes)`. */
  readonly detail: string;
}

export interface TransportReport {
  readonly transport: Transport;
  readonly evidence?: TransportEvidence;
  /** Whether any `NCCL INFO` line was seen (for this node, or the run). */
  readonly ncclInfoSeen: boolean;
  /** What a UI cell can say: `IB confirmed`, `sockets`, `transport not visible (NCCL_DEBUG not INFO)`… */
  readonly label: string;
}

const MAX_NODES = 4096;
const MAX_HOSTS = 64;
const MAX_LISTED = 16;

function addNode(list: string[], node: string): void {
  if (list.length < MAX_LISTED && !list.includes(node)) list.push(node);
}

function times(count: number, nodes: readonly string[]): string {
  const where = nodes.length > 1 ? ` on ${nodes.length}${nodes.length >= MAX_LISTED ? '+' : ''} nodes` : '';
  return count > 1 || where ? ` (${count} line${count === 1 ? '' : 's'}${where})` : '';
}

const NO_NODES: ReadonlyMap<string, NodeState> = new Map();
const NO_HOSTS: ReadonlySet<string> = new Set();

export class IbFallbackDetector implements LineDetector {
  /** Made on the first NCCL line (most runs have none; empty Maps and Sets add up over 100k runs). */
  private nodeMap: Map<string, NodeState> | null = null;
  private get nodes(): ReadonlyMap<string, NodeState> {
    return this.nodeMap ?? NO_NODES;
  }
  /** Host names seen in NCCL prefixes / pdsh prefixes: a multi-node hint when the run model knows nothing. */
  private hostSet: Set<string> | null = null;
  private get hosts(): ReadonlySet<string> {
    return this.hostSet ?? NO_HOSTS;
  }

  /** The last NCCL payload and what the pure readers said of it (made on the first NCCL line: most runs have none). */
  private memo: { p: string; nccl: NcclLine | undefined; host: { v: string | undefined } | null; c: Classified; classified: boolean } | null = null;

  onLine(line: UnwrappedLine, ev: LineEvent): Flag[] | undefined {
    const p = line.payload;
    if (p.includes('NCCL')) {
      // parseNcclLine, ncclHost and classifyNccl read the payload alone: a payload equal to the
      // last one (NCCL prints the same INFO line thousands of times) reuses their answers.
      let m = this.memo;
      if (m === null || p !== m.p) m = this.memo = { p, nccl: parseNcclLine(p), host: null, c: undefined, classified: false };
      const nccl = m.nccl;
      if (!nccl) return undefined;
      const st = this.state(ev.node);
      if (!st) return undefined;
      if (nccl.level === 'INFO') st.info = true;
      if (this.hosts.size < MAX_HOSTS) {
        const host = line.host ?? (m.host ??= { v: ncclHost(p, nccl) }).v;
        if (host) (this.hostSet ??= new Set()).add(host);
      }
      if (!m.classified) {
        m.c = classifyNccl(nccl.message);
        m.classified = true;
      }
      const c = m.c;
      if (c) this.record(st, c, p, ev);
    } else if (p.includes('ibverbs') || p.includes('OpenFabrics') || p.includes('openib')) {
      const kind = classifyOther(p);
      if (kind) this.hint(ev, kind, p);
    }
    return undefined;
  }

  evaluate(ctx: RunContext): Flag[] {
    if (!this.spansNodes(ctx)) return [];
    const all = this.aggregate([...this.nodes.values()]);
    if (all.socket) {
      const s = all.socket;
      const parts = [`NCCL carried inter-node traffic over TCP sockets, not IB/RDMA: ${s.name}${times(s.count, s.nodes)}`];
      if (all.ib) parts.push(`RDMA was seen elsewhere in the run (${all.ib.name}, line ${all.ib.s.line})`);
      const hints = this.hintSummary(all.hints);
      if (hints) parts.push(`hints: ${hints}`);
      return [flagOf('ib_fallback', s.s, 'confirmed', parts.join('; '))];
    }
    if (all.ib) return [];
    const kind = HINT_ORDER.find((k) => all.hints.has(k));
    if (!kind) return [];
    const why = all.info
      ? 'NCCL INFO lines show no `Using network`/`via NET/` line'
      : 'no NCCL INFO lines (NCCL_DEBUG=INFO not set), so the transport is not visible';
    const detail = `IB/RDMA probably unavailable, NCCL likely fell back to sockets: ${this.hintSummary(all.hints)}; ${why}`;
    return [flagOf('ib_fallback', all.hints.get(kind)!.s, 'suspected', detail)];
  }

  /**
   * The transport as far as the log tells, for the run (no `node`) or one node. With `ctx`,
   * a single-node run never reads as a suspected socket fallback.
   */
  report(ctx?: RunContext, node?: string): TransportReport {
    const states = node === undefined ? [...this.nodes.values()] : [this.nodes.get(node)].filter((s): s is NodeState => !!s);
    const agg = this.aggregate(states);
    const multi = ctx ? this.spansNodes(ctx) : true;
    const ev = (p: PathSeen): TransportEvidence => ({ ...p.s, detail: `${p.name}${times(p.count, p.nodes)}` });
    if (!multi) {
      // One node: `Using network Socket` only names the network NCCL set up; NVLink/PCIe/SHM carry
      // the traffic unless a `via NET/…` connection line says otherwise.
      if (agg.socket?.via) return { transport: 'socket', evidence: ev(agg.socket), ncclInfoSeen: agg.info, label: 'sockets (within the node)' };
      if (agg.ib?.via) return { transport: 'ib', evidence: ev(agg.ib), ncclInfoSeen: agg.info, label: 'IB (within the node)' };
      if (agg.intra) return { transport: 'intra_node', evidence: ev(agg.intra), ncclInfoSeen: agg.info, label: 'intra-node only' };
      if (agg.info) return { transport: 'intra_node', ncclInfoSeen: true, label: 'intra-node only' };
      return { transport: 'not_visible', ncclInfoSeen: false, label: 'transport not visible (NCCL_DEBUG not INFO)' };
    }
    if (agg.socket) return { transport: 'socket', evidence: ev(agg.socket), ncclInfoSeen: agg.info, label: 'sockets' };
    if (agg.ib) return { transport: 'ib', evidence: ev(agg.ib), ncclInfoSeen: agg.info, label: 'IB confirmed' };
    const kind = HINT_ORDER.find((k) => agg.hints.has(k));
    if (kind) {
      const h = agg.hints.get(kind)!;
      return {
        transport: 'suspected_socket',
        evidence: { ...h.s, detail: `${HINTS[kind]}${times(h.count, h.nodes)}` },
        ncclInfoSeen: agg.info,
        label: 'sockets suspected',
      };
    }
    if (agg.intra) return { transport: 'intra_node', evidence: ev(agg.intra), ncclInfoSeen: agg.info, label: 'intra-node paths only' };
    return {
      transport: 'not_visible',
      ncclInfoSeen: agg.info,
      label: agg.info ? 'transport not visible (no NCCL transport line)' : 'transport not visible (NCCL_DEBUG not INFO)',
    };
  }

  transport(ctx?: RunContext, node?: string): Transport {
    return this.report(ctx, node).transport;
  }

  transportEvidence(ctx?: RunContext, node?: string): TransportEvidence | undefined {
    return this.report(ctx, node).evidence;
  }

  /** Node labels that produced any line this detector kept. */
  knownNodes(): string[] {
    return [...this.nodes.keys()];
  }

  private spansNodes(ctx: RunContext): boolean {
    if (ctx.numNodes !== null) return ctx.numNodes > 1;
    if (ctx.nodes.length > 1) return true;
    return this.hosts.size > 1;
  }

  private state(node: string): NodeState | undefined {
    let st = this.nodes.get(node);
    if (!st) {
      if (this.nodes.size >= MAX_NODES) return undefined;
      st = { info: false, hints: new Map() };
      (this.nodeMap ??= new Map()).set(node, st);
    }
    return st;
  }

  private record(st: NodeState, c: NonNullable<Classified>, payload: string, ev: LineEvent): void {
    if ('hint' in c) {
      this.hint(ev, c.hint, payload, st);
      return;
    }
    const prev = st[c.path];
    const via = c.via === true || prev?.via === true;
    if (prev && prev.strength >= c.strength) {
      prev.count += 1;
      prev.via = via;
      return;
    }
    st[c.path] = { s: sightingOf(payload, ev), strength: c.strength, name: c.name, count: (prev?.count ?? 0) + 1, nodes: [ev.node], via };
  }

  private hint(ev: LineEvent, kind: HintKind, payload: string, st = this.state(ev.node)): void {
    if (!st) return;
    const prev = st.hints.get(kind);
    if (prev) prev.count += 1;
    else st.hints.set(kind, { s: sightingOf(payload, ev), count: 1, nodes: [ev.node] });
  }

  /** Fold node states: strongest (then earliest) line per path, hint counts summed. */
  private aggregate(states: readonly NodeState[]): {
    info: boolean;
    socket?: PathSeen;
    ib?: PathSeen;
    intra?: PathSeen;
    hints: Map<HintKind, HintSeen>;
  } {
    const out: { info: boolean; socket?: PathSeen; ib?: PathSeen; intra?: PathSeen; hints: Map<HintKind, HintSeen> } = {
      info: false,
      hints: new Map(),
    };
    for (const st of states) {
      out.info ||= st.info;
      for (const path of ['socket', 'ib', 'intra'] as const) {
        const p = st[path];
        if (!p) continue;
        const cur = out[path];
        if (!cur) out[path] = { ...p, nodes: [...p.nodes] };
        else {
          const better = p.strength > cur.strength;
          out[path] = { ...(better ? p : cur), count: cur.count + p.count, nodes: cur.nodes, via: cur.via || p.via };
          for (const n of p.nodes) addNode(cur.nodes, n);
        }
      }
      for (const [kind, h] of st.hints) {
        const cur = out.hints.get(kind);
        if (!cur) out.hints.set(kind, { ...h, nodes: [...h.nodes] });
        else {
          cur.count += h.count;
          for (const n of h.nodes) addNode(cur.nodes, n);
        }
      }
    }
    return out;
  }

  private hintSummary(hints: Map<HintKind, HintSeen>): string {
    return HINT_ORDER.filter((k) => hints.has(k))
      .map((k) => {
        const h = hints.get(k)!;
        return `${HINTS[k]}${times(h.count, h.nodes)}`;
      })
      .join(', ');
  }
}

export const ibFallback: LineDetectorFactory = {
  id: 'ib-fallback',
  create: () => new IbFallbackDetector(),
};

export function isIbFallbackDetector(d: LineDetector): d is IbFallbackDetector {
  return d instanceof IbFallbackDetector;
}

/** The ib-fallback detector among a run's detectors, if any. */
export function ibFallbackOf(detectors: readonly LineDetector[]): IbFallbackDetector | undefined {
  return detectors.find(isIbFallbackDetector);
}

/**
 * The transport of a run (or of one node) as the log tells it; `not_visible` when `detector`
 * is not an ib-fallback detector or saw no NCCL INFO line.
 */
export function transportOf(detector: LineDetector | readonly LineDetector[], ctx?: RunContext, node?: string): Transport {
  const d = Array.isArray(detector) ? ibFallbackOf(detector) : isIbFallbackDetector(detector as LineDetector) ? (detector as IbFallbackDetector) : undefined;
  return d ? d.transport(ctx, node) : 'not_visible';
}

/** A UI label for a transport value. */
export function describeTransport(t: Transport): string {
  switch (t) {
    case 'ib':
      return 'IB confirmed';
    case 'socket':
      return 'sockets';
    case 'suspected_socket':
      return 'sockets suspected';
    case 'intra_node':
      return 'intra-node only';
    case 'not_visible':
      return 'transport not visible (NCCL_DEBUG not INFO)';
  }
}
