/**
 * The replay fast path (`speed: 'max'` at creation): no index and no timelines; the inputs are
 * streamed once, file after file, exactly like `summarize()`.
 */
import { parseDateTimeUs, trailingEpochSeconds } from '../formats/timestamps.ts';
import { pathInfo } from '../metrics/path-identity.ts';
import { enumerateInputs, readLines } from '../sources/inputs.ts';
import type { SourceEvent } from '../sources/types.ts';
import type { ReplayEngineBase } from './replay-engine-base.ts';

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
    for await (const batch of readLines(f, node, (p) => e.report({ ...p, input: p.input ?? f.input }))) {
      while (e.clock.paused && !e.stopped) await e.clock.wait(Infinity);
      if (e.stopped) break;
      // Before any log clock was read, the first lines would be stamped 0 (1970: "never 1970" in
      // spec/ndjson.md, and a 51-year line age on screen): take the batch's first clock instead.
      if (e.position === 0) {
        const first = firstClockMs(batch);
        if (first !== null) {
          e.position = first;
          if (e.fastStart === 0) e.fastStart = first;
        }
      }
      const t = e.position;
      const events: SourceEvent[] = new Array(batch.length);
      for (let k = 0; k < batch.length; k++) {
        const ev = batch[k]!;
        events[k] = { type: 'line', node: ev.node, file: ev.file, offset: ev.offset, lineNo: ev.lineNo, text: ev.text, time: t };
      }
      e.store.ingest(events);
      const track = e.store.tracks.get(f.path);
      if (track?.logTime !== null && track?.logTime !== undefined) {
        const ms = track.logTime * 1000;
        if (ms > e.position) e.position = ms;
      }
    }
    e.endFiles([{ path: f.path, node }]);
  }
  await leaveRun();
}

/** The first log time (ms) a line of the batch carries: a date-time (dllogger, logging) or OneFlow's trailing Unix time. */
function firstClockMs(batch: readonly { text: string }[]): number | null {
  for (let i = 0; i < batch.length && i < 5000; i++) {
    const text = batch[i]!.text;
    const us = parseDateTimeUs(text);
    if (us !== undefined) return us / 1000;
    const s = trailingEpochSeconds(text);
    if (s !== undefined) return s * 1000;
  }
  return null;
}
