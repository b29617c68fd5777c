import type { Flag, RunIdentity } from '../core/types.ts';
import { transportOf } from '../signals/ib-fallback.ts';
import { isStragglerDetector, stragglerFlags } from '../signals/straggler.ts';
import type { RunContext, Transport } from '../signals/types.ts';
import type { Run, RunStatus } from './run.ts';
import { trustFlags } from './trust.ts';
import type { ThroughputUnit } from '../formats/types.ts';
import { describeSpec, StoredWindow, type StoredResult } from './stored-window.ts';
import { isShortfall } from './window-tracker.ts';

/** One entry of summary-json.md's `runs[]` (plus a few added keys). */
export interface RunReport extends RunIdentity {
  source: string;
  format: string | null;
  throughput: number | null;
  throughput_method: 'timestamps' | 'reported' | null;
  /** The other method on the same window, where the log has both; null otherwise. */
  throughput_crosscheck: number | null;
  window: { start_iter: number; end_iter: number } | null;
  latency_ms: number | null;
  /** What `throughput` counts; always the whole cluster's figure. */
  throughput_unit?: ThroughputUnit | null;
  /** Mean model TFLOP/s per GPU over the window, where the log prints it. */
  tflops_per_gpu?: number | null;
  /** Added: devices of the job, and whether the log or the path (`NnMg`) said so. */
  world_size?: number | null;
  world_size_source?: 'log' | 'path' | 'log+path' | null;
  /** Added: how the printed figure became the cluster's (`per-device × world size`, `global as printed`, …). */
  throughput_scope?: string | null;
  /** Added: the window that was used, in words (format rule, DLPerf's, auto, or --window). */
  window_rule?: string | null;
  /** Added: the steady-state figure where `throughput` is the framework's whole-run figure (Hugging Face). */
  throughput_steady_state?: number | null;
  /** Added: what the reader must know about the figure. */
  notes?: string[];
  memory_mib: number | null;
  status: RunStatus;
  flags: Flag[];
  /** Added: why a run has no figure. */
  reason?: string;
  /** Added: every file of the run (one per node or rank). */
  files: { file: string; node: string; lines: number; format: string | null }[];
  /**
   * Added: how NCCL carried the traffic as far as the log tells (`ib`, `socket`, `suspected_socket`,
   * `intra_node`, `not_visible` when no NCCL INFO line was seen).
   */
  transport: Transport;
}

/**
 * Whether a run counts as recognised for the exit code (3: "no run recognised"): summary, replay
 * and live alike. A run whose log was recognised but whose number cannot be given (status error,
 * e.g. a clock jump) is still a recognised run: the report says why, and --fail-on gates on it.
 */
export function isRecognisedRun(r: { readonly status: string; readonly format: string | null }): boolean {
  return r.status !== 'unrecognized' && (r.status !== 'error' || r.format !== null);
}

/** Context the detectors judge a run in. */
export function runContext(run: Run, ended: boolean): RunContext {
  const id = run.identity();
  const p = run.primary();
  return {
    numNodes: id.num_nodes,
    nodes: [...new Set(run.files.map((f) => f.node))],
    ended,
    windowComplete: p?.phase === 'done' && (p.tracker?.spec.end !== null || ended),
    gpusPerNode: id.gpu_num_per_node,
  };
}

/** Every finding on a run: line-level ones, whole-run verdicts, name mismatches, completeness. */
export function runFlags(run: Run, ended: boolean): Flag[] {
  const ctx = runContext(run, ended);
  const out: Flag[] = [];
  const seen = new Set<string>();
  const add = (f: Flag) => {
    const k = `${f.kind}|${f.confidence ?? ''}|${f.file ?? ''}|${f.line ?? ''}|${f.detail ?? ''}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(f);
  };
  const progressedAfter = (f: Flag) => {
    const t = run.files.find((x) => x.file === f.file);
    return !!t && f.line !== undefined && t.lastIterLineNo > f.line;
  };
  // The detectors' verdicts (evaluate() supersedes what onLine() first noticed). A traceback
  // followed by more training was survived: not a crash. Stragglers are judged on the whole run
  // (the `--log-straggler` detector's reports together with every node's per-iteration times).
  for (const d of run.detectors) {
    if (isStragglerDetector(d)) continue;
    for (const f of d.evaluate(ctx)) if (!(f.kind === 'crashed' && progressedAfter(f))) add(f);
  }
  for (const f of stragglerFlags(run)) add(f);
  for (const f of run.liveFlags) add(f);
  for (const f of run.mismatches()) add(f);
  {
    const r = run.result();
    for (const f of trustFlags(run.files, run.primary(), r && !isShortfall(r) ? r : null)) add(f);
  }
  if (ended) {
    const r = run.result();
    const p = run.primary();
    if (p?.format && r && isShortfall(r) && !run.damageReason() && !(p.format.window.summaryFirst && p.summary)) {
      add({
        kind: 'too_short',
        evidence: p.lastIterText ? p.lastIterText.slice(0, 300) : '(no progress line)',
        ...(p.lastIterLineNo ? { line: p.lastIterLineNo } : {}),
        file: p.file,
        node: p.node,
        detail: r.reason,
      });
    }
  }
  return out;
}

export function runReport(run: Run, ended: boolean): RunReport {
  return run.withResultMemo(() => buildRunReport(run, ended));
}

function buildRunReport(run: Run, ended: boolean): RunReport {
  const id = run.identity();
  const p = run.primary();
  const r = run.result();
  const damage = run.damageReason();
  const ok = r && !isShortfall(r) && !damage ? r : null;
  const fmt = p?.format ?? null;
  const ws = run.worldSize();
  const notes: string[] = [];
  const tracker = p?.tracker ?? null;
  let windowRule = tracker instanceof StoredWindow ? tracker.rule() : tracker ? describeSpec(tracker.spec, tracker.spec !== fmt?.window && (tracker.spec.start !== fmt?.window.start || tracker.spec.end !== fmt?.window.end)) : null;
  let throughput = ok?.throughput ?? null;
  let method = ok?.method ?? null;
  let window = ok ? { start_iter: ok.startIter, end_iter: ok.endIter } : null;
  let steady: number | null = null;
  // A clock jump spoils the timestamps cross-check of a reported figure (trust.ts).
  let crosscheck = p?.tracker?.clockJump ? null : (ok?.crosscheck ?? null);
  // The framework's whole-run figure (warmup included) where the format prefers it; the steady-state one beside it.
  if (fmt?.window.summaryFirst && p?.summary && !damage) {
    steady = throughput;
    // The cross-check is of the steady-state window, not of the framework's whole-run figure.
    crosscheck = null;
    throughput = p.summary.throughput;
    method = 'reported';
    window = { start_iter: 0, end_iter: p.lastIter?.iter ?? 0 };
    windowRule = 'the whole run (the framework\'s own end-of-run figure)';
    notes.push(p.summary.note);
    if (steady !== null) notes.push(`steady state (${ok ? `iterations ${ok.startIter} → ${ok.endIter}` : 'window'}): ${steady.toFixed(2)} ${fmt.unit ?? 'samples/s'}, in throughput_steady_state`);
  }
  const scope = !fmt ? null : fmt.window.perDevice ? `per-device figure × world size${ws ? ` ${ws.value} (from the ${ws.source === 'log+path' ? 'log and the path' : ws.source})` : ' (unknown)'}` : fmt.window.perNode ? `per-node figure × ${id.num_nodes ?? '?'} nodes` : 'global figure';
  if ((fmt?.window.perDevice || fmt?.window.perNode) && ws && ws.source !== 'log') notes.push(ws.source === 'path' ? `world size ${ws.value} read from the path (the log does not say it)` : `world size ${ws.value}: GPUs or nodes read from the path (the log says only part of it)`);
  const rep: RunReport = {
    source: p?.file ?? run.files[0]?.file ?? run.key,
    format: fmt?.id ?? null,
    ...id,
    throughput,
    throughput_method: method,
    throughput_crosscheck: crosscheck,
    window,
    latency_ms: ok?.latencyMs ?? null,
    throughput_unit: fmt ? (fmt.unit ?? 'samples/s') : null,
    tflops_per_gpu: (ok as StoredResult | null)?.tflopsPerGpu ?? null,
    world_size: ws?.value ?? null,
    world_size_source: ws?.source ?? null,
    throughput_scope: scope,
    window_rule: windowRule,
    throughput_steady_state: steady,
    notes,
    memory_mib: run.memoryMib(),
    status: run.status(),
    flags: runFlags(run, ended),
    files: run.files.map((f) => ({ file: f.file, node: f.node, lines: f.lines, format: f.format?.id ?? null })),
    transport: transportOf(run.detectors, runContext(run, ended)),
  };
  if (damage) rep.reason = damage;
  else if (r && isShortfall(r) && rep.throughput === null) rep.reason = r.reason;
  else if (!p?.format) rep.reason = run.errors[0] ?? 'no line matched a known log format';
  return rep;
}
