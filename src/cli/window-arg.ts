import type { WindowOverride } from '../metrics/run-set.ts';
import { formatById } from '../formats/registry.ts';
import { UserError } from './errors.ts';

/** `--window 20:120`, `--window oneflow-cnn=20:120`, `--window megatron=10:` (to the end). */
export function parseWindowArg(v: string): WindowOverride {
  const m = /^(?:([a-z0-9-]+)=)?(\d+):(\d*)$/.exec(v.trim());
  if (!m) throw new UserError(`--window '${v}': expected START:END (e.g. 20:120), optionally FORMAT=START:END`);
  const format = m[1] ?? null;
  if (format && !formatById(format)) throw new UserError(`--window '${v}': unknown format '${format}'`, 'see `dlperf-top formats` for the list');
  const start = Number(m[2]);
  const end = m[3] === '' ? null : Number(m[3]);
  if (end !== null && end <= start) throw new UserError(`--window '${v}': END must be greater than START`);
  return { format, start, end };
}
