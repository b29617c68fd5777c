/**
 * `oom`: the GPU (or framework allocator) ran out of memory (spec/formats.md §5).
 *
 * One finding per run: the first OOM line is the evidence, repeats (every rank, every line of
 * a TF OOM report) are counted in `detail`. Shapes recognised:
 * - PyTorch `torch.cuda.OutOfMemoryError: CUDA out of memory. …`, `RuntimeError: CUDA out of
 *   memory. … (… total capacity / total capacty …)`, `CUDA error: out of memory`;
 * - TensorFlow `ResourceExhaustedError … OOM when allocating tensor …`, `Resource exhausted: OOM …`;
 * - cuBLAS/cuDNN `*_STATUS_ALLOC_FAILED`, `cudaErrorMemoryAllocation`, NCCL `Cuda failure 'out of memory'`;
 * - OneFlow `Check failed: error == cudaSuccess (2 vs. 0) out of memory`, `what():  Error: out of memory`,
 *   `oneflow.ErrorProto.out_of_memory_error`; Paddle `Out of memory error on GPU 0`;
 *   MXNet `cudaMalloc failed: out of memory`; XLA `RESOURCE_EXHAUSTED: Out of memory`.
 */
import type { Flag, LineEvent } from '../core/types.ts';
import type { UnwrappedLine } from '../formats/unwrap.ts';
import { FindingBook } from './evidence.ts';
import type { LineDetector, LineDetectorFactory } from './types.ts';

const OOM =
  /CUDA out of memory|OutOfMemoryError|\bOOM when allocating|Resource exhausted: OOM|ResourceExhaustedError|RESOURCE_EXHAUSTED: Out of memory|CUDA error: out of memory|CUDA: out of memory|_STATUS_ALLOC_FAILED|cudaErrorMemoryAllocation|Cuda failure 'out of memory'|cudaMalloc\w* failed: out of memory|Check failed: .*\bout of memory|what\(\): +Error: out of memory|out_of_memory_error|Out of memory error on GPU/i;

/** Cheap gate: every shape above contains one of these. */
const GATE = /emory|EMORY|OOM|ALLOC_FAILED|xhausted/;

export class OomDetector implements LineDetector {
  private readonly book = new FindingBook('oom', 1);

  /** The last payload that failed GATE or OOM. */
  private miss: string | null = null;

  onLine(line: UnwrappedLine, ev: LineEvent): Flag[] | undefined {
    const p = line.payload;
    // Both tests read the text alone: the text that failed them last time fails them again (repeated lines).
    if (p === this.miss) return undefined;
    if (!GATE.test(p) || !OOM.test(p)) {
      this.miss = p;
      return undefined;
    }
    const r = this.book.note('oom', p, ev, 'confirmed');
    return r?.isNew ? [this.book.flag(r.finding, 'out of memory')] : undefined;
  }

  evaluate(): Flag[] {
    return this.book.findings().map((f) => this.book.flag(f, 'out of memory'));
  }
}

export const oom: LineDetectorFactory = {
  id: 'oom',
  create: () => new OomDetector(),
};
