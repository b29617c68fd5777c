import type { Flag, LineEvent } from '../core/types.ts';
import type { UnwrappedLine } from '../formats/unwrap.ts';

/** What the run knows when a detector is asked for its verdict. */
export interface RunContext {
  /** Nodes the run spans (from its identity), null when unknown. */
  readonly numNodes: number | null;
  /** Distinct node labels whose logs belong to the run. */
  readonly nodes: readonly string[];
  /** True once the input has ended (summary, replay end, live with the run done). */
  readonly ended: boolean;
  /** True once the measuring window completed. */
  readonly windowComplete: boolean;
  /** GPUs per node (from the run's identity), to map a global rank to its node; absent when unknown. */
  readonly gpusPerNode?: number | null;
}

/** Which transport NCCL used between nodes, as far as the log tells. */
export type Transport =
  | 'ib' // RDMA (IB, IBext, RoCE, Libfabric/EFA) proven by `Using network …` / `via NET/IB…`
  | 'socket' // TCP sockets proven by `Using network Socket` / `via NET/Socket`
  | 'suspected_socket' // hints only (libibverbs warnings, NCCL_IB_DISABLE, `NET/IB : No device found`)
  | 'intra_node' // only P2P/SHM/NVLink paths seen
  | 'not_visible'; // no NCCL INFO lines at all

/**
 * A line-level detector: one instance per run, fed every line of every file of the run
 * (all nodes), in arrival order. Pure: no IO, no timers; time comes on the line.
 */
export interface LineDetector {
  /** Feed one line; returns findings raised by this line alone (e.g. an OOM), if any. */
  onLine(line: UnwrappedLine, ev: LineEvent): Flag[] | undefined;
  /** Findings that depend on the run as a whole (e.g. IB fallback needs to know the run spans nodes). */
  evaluate(ctx: RunContext): Flag[];
}

export interface LineDetectorFactory {
  readonly id: string;
  create(): LineDetector;
}
