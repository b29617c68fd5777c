/**
 * The line detectors every run gets, in a fixed order.
 *
 * Contract for callers (the run model):
 * - create one set per run with {@link createLineDetectors} and feed every line of every file
 *   of the run, in arrival order, as `onLine(unwrap(ev.text), ev)`;
 * - `onLine` returns a flag only the first time a finding appears (or, for `nan_loss`, when it
 *   gets a stronger category): use it for live notices;
 * - `evaluate(ctx)` returns the detector's complete, deduplicated list for the run as it stands
 *   (counts in `detail`, everything `onLine` raised included): it replaces, never adds to, what
 *   the detector returned earlier. It may be called any number of times.
 */
import { crash } from './crash.ts';
import { ibFallback } from './ib-fallback.ts';
import { nanLoss } from './nan-loss.ts';
import { ncclError } from './nccl-error.ts';
import { oom } from './oom.ts';
import { straggler } from './straggler.ts';
import type { Flag } from '../core/types.ts';
import type { LineDetector, LineDetectorFactory, RunContext } from './types.ts';

export const lineDetectors: LineDetectorFactory[] = [ibFallback, ncclError, oom, nanLoss, crash, straggler];

/** Fresh detector instances for one run, in {@link lineDetectors} order. */
export function createLineDetectors(): LineDetector[] {
  return lineDetectors.map((f) => f.create());
}

/** Every detector's verdict for the run, concatenated. */
export function evaluateAll(detectors: readonly LineDetector[], ctx: RunContext): Flag[] {
  return detectors.flatMap((d) => d.evaluate(ctx));
}
