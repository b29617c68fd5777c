import path from 'node:path';
import type { LocalSourceOptions } from './source-options.ts';

const MiB = 1024 * 1024;

/** The local tail's options with their defaults and bounds applied, and the timings derived from them. */
export function tailSettings(opts: LocalSourceOptions) {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const mode = opts.poll ?? 'auto';
  const watcher = opts.watcher ?? (process.platform === 'linux' ? 'native' : 'chokidar');
  const pollMs = Math.max(10, opts.pollMs ?? 500);
  const quietMs = opts.quietMs ?? 10_000;
  const staleMs = opts.staleMs ?? 60_000;
  // Polling: chokidar stats every file and directory each pollMs; our own checks and re-walks are
  // only a slow safety net behind it.
  const safetyMs = Math.max(5_000, 10 * pollMs);
  const checkMs = mode === true ? Math.max(10, opts.checkMs ?? safetyMs) : mode === 'auto' ? Math.max(10, opts.checkMs ?? 3_000) : 0;
  const rescanMs = opts.rescanMs ?? (mode === true ? safetyMs : mode === 'auto' ? 5_000 : 0);
  const chunk = Math.max(4096, opts.readChunkBytes ?? MiB);
  const coalesceMs = Math.max(0, opts.coalesceMs ?? 50);
  // 'auto': files found on a network filesystem (where inotify misses other machines' writes) are
  // polled every pollMs by the per-file check, whatever checkMs says.
  const period = Math.max(10, Math.min(1000, checkMs || 1000, rescanMs || 1000, Math.floor(quietMs / 4), mode === 'auto' ? pollMs : 1000));
  return { cwd, mode, watcher, pollMs, quietMs, staleMs, checkMs, rescanMs, chunk, coalesceMs, period };
}
