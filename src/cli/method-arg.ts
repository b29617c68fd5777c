import type { ThroughputMethod } from '../formats/types.ts';
import { UserError } from './errors.ts';

/** `--method reported|timestamps`: DLPerf's two script families (default: each format's published one). */
export function parseMethodArg(v: string | undefined): { method?: ThroughputMethod } {
  if (v === undefined) return {};
  if (v !== 'reported' && v !== 'timestamps') throw new UserError(`--method '${v}': expected reported or timestamps`, "default: the method behind DLPerf's published table for each format (see README, Methodology)");
  return { method: v };
}

export const METHOD_HELP = `  --method reported|timestamps
                            reported = mean of the throughput the log prints over the window
                            (DLPerf's extract_<fw>_logs.py); timestamps = samples in the window /
                            wall time (extract_<fw>_logs_time.py). Default: per format, the method
                            behind DLPerf's published table; the other is the cross-check`;
