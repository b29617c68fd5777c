/**
 * The replay fast path (`speed: 'max'` at creation): no index and no timelines; the inputs are
 * streamed once, file after file, exactly like `summarize()` (progress lines from bytes: replay-bytes.ts).
 */
import { ownText } from '../metrics/own-text.ts';
import { pathInfo } from '../metrics/path-identity.ts';
import { enumerateInputs } from '../sources/inputs.ts';
import type { ReplayEngineBase } from './replay-engine-base.ts';
import { playFileBytes } from './replay-bytes.ts';

/** Stream the inputs once, file after file, exactly as summarize() reads them. */
export async function playFast(e: ReplayEngineBase): Promise<void> {
  const enumOpts = e.opts.stdin ? { stdin: e.opts.stdin } : {};
  const index = new Map<string, number>();
  let curKey: string | null = null;
  let curFiles: string[] = [];
  const leaveRun = async () => {
    if (curKey === null) return;
    e.reportUnrecognized(curKey);
    e.updateInfo();
    // A run of files that gave no line (binary, empty) is not a run (summary's rule): no snapshot of its end.
    const run = e.runSet.runs.get(curKey);
    if (run && run.files.every((f) => f.lines === 0)) return;
    await e.opts.onRunEnd?.(index.get(curKey)!, curKey);
  };
  for await (const item of enumerateInputs(e.opts.inputs, enumOpts)) {
    if (e.stopped) break;
    if (item.type === 'problem') {
      e.report(item.problem);
      continue;
    }
    const f = item.file;
    const info = pathInfo(f.path);
    if (info.notALog) continue;
    if (!e.matches(info.runKey, f.path)) continue;
    const key = info.runKey;
    if (key !== curKey) {
      await leaveRun();
      curKey = key;
      curFiles = [];
      if (!index.has(key)) {
        index.set(key, e.fastNames.length);
        e.fastNames.push(key);
      }
      e.fastCur = index.get(key)!;
      e.fastStart = e.position;
    }
    const node = info.node ?? 'node0';
    curFiles.push(f.path);
    // Read as summary reads it: progress lines from bytes (replay-bytes.ts), one batch per chunk.
    const sliced = await playFileBytes(e, f, node, (p) => e.report({ ...p, input: p.input ?? f.input }));
    e.endFiles([{ path: f.path, node }]);
    // The texts the file keeps (evidence, its last progress line, its tail) may be views of decoded windows.
    if (sliced) {
      e.store.tracks.get(f.path)?.ownTexts(ownText);
      e.store.tails.get(f.path)?.ownTexts(ownText);
    }
  }
  await leaveRun();
}
