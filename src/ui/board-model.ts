/**
 * The sweep board's rows: the snapshot's `groups` (exactly `summary`'s groups, computed by
 * metrics/report-groups.ts; nothing is aggregated again here) with what only the session knows
 * added: repeats still running, the run on screen, and the badges of the member runs' findings.
 * Pure, shared by the Ink board and by {@link boardLines} (plain text, for `q`).
 */
import { groupKey, type GroupReport } from '../metrics/aggregate.ts';
import type { RunIdentity } from '../core/types.ts';
import type { RunView, SessionSnapshot } from '../session/types.ts';
import type { PlanView } from '../session/plan-progress.ts';
import { fmtDuration } from './format.ts';
import { badgeOf } from './selectors.ts';

export interface BoardRow {
  key: string;
  /** The configuration, only the parts that differ between the rows (`2n8g`, `bert_base 4n8g`, `dp8 tp2`). */
  label: string;
  /** Repeats with a figure, repeats seen, repeats expected (the sweep's siblings), repeats still going. */
  done: number;
  found: number;
  expected: number;
  running: number;
  median: number | null;
  /** A running repeat's rolling median while no repeat of the group has a figure yet. */
  provisional: number | null;
  cv: number | null;
  speedup: number | null;
  efficiency: number | null;
  /** This row is the 1-node-1-GPU baseline the speedups are computed from. */
  baseline: boolean;
  badges: string[];
  /** The run on screen belongs to this configuration. */
  current: boolean;
}

export interface BoardModel {
  /** What every row shares: `resnet50 · pytorch · amp · batch 256/GPU`. */
  title: string;
  /** The rows' throughput unit (`samples/s`, `tokens/s`), or a mix. */
  unit: string;
  rows: BoardRow[];
  /** Why some speedups are missing, when they are. */
  note: string | null;
  /** A launch sweep's progress: `plan: 3 of 12 done · 1 running · 0 failed · 8 pending · ETA 0:14:05`. */
  plan: string | null;
}

const LAYOUT: readonly (keyof RunIdentity)[] = ['data_parallel_size', 'tensor_model_parallel_size', 'pipeline_model_parallel_size', 'micro_batch_size', 'global_batch_size', 'seq_length', 'num_layers', 'hidden_size'];
const LAYOUT_LABEL: Partial<Record<keyof RunIdentity, string>> = {
  data_parallel_size: 'dp',
  tensor_model_parallel_size: 'tp',
  pipeline_model_parallel_size: 'pp',
  micro_batch_size: 'mbs',
  global_batch_size: 'gbs',
  seq_length: 'seq',
  num_layers: 'l',
  hidden_size: 'h',
};

const keyOf = (g: GroupReport) => groupKey({ repeat: null, ...g } as RunIdentity);
const scale = (g: Partial<RunIdentity>) => `${g.num_nodes ?? '?'}n${g.gpu_num_per_node ?? '?'}g`;

/** Identity parts, each as the board names it, in the order a row label lists them. */
function parts(g: GroupReport): [string, string][] {
  const out: [string, string][] = [
    ['model', g.model ?? 'model ?'],
    ['framework', g.framework ?? 'framework ?'],
    ['precision', g.precision ?? '—'],
    ['batch', g.batch_size_per_device !== null ? `batch ${g.batch_size_per_device}/GPU` : 'batch ?'],
  ];
  for (const k of LAYOUT) {
    const v = g[k];
    if (v !== null && v !== undefined) out.push([k, `${LAYOUT_LABEL[k]}${v}`]);
  }
  return out;
}

/** Whether the session's input is over: nothing still to come, so a missing repeat is missing. */
function sessionOver(s: SessionSnapshot): boolean {
  if (s.replay) return s.replay.finished;
  return s.runs.length > 0 && s.runs.every((r) => r.phase === 'done' || r.phase === 'failed');
}

function planText(p: PlanView): string {
  const eta = p.pending + p.running === 0 ? 'finished' : p.eta_ms === null ? 'ETA after the first case' : `ETA ${fmtDuration(p.eta_ms)}`;
  return `plan: ${p.done} of ${p.total} done · ${p.running} running · ${p.failed} failed · ${p.pending} pending · ${eta}`;
}

export function boardModel(s: SessionSnapshot, current?: RunView): BoardModel {
  const groups = s.groups ?? [];
  const byGroup = new Map<string, RunView[]>();
  for (const r of s.runs) {
    const k = groupKey(r);
    const list = byGroup.get(k) ?? [];
    list.push(r);
    byGroup.set(k, list);
  }
  const labelled = groups.map(parts);
  // A part goes into the title when every row has the same, else into each row's label.
  const shared = new Set<string>();
  if (labelled.length) for (const [k, v] of labelled[0]!) if (labelled.every((p) => p.some(([k2, v2]) => k2 === k && v2 === v))) shared.add(k);
  const over = sessionOver(s);
  const currentKey = current ? groupKey(current) : null;
  const rows = groups.map((g, i): BoardRow => {
    const key = keyOf(g);
    const members = byGroup.get(key) ?? [];
    const running = members.filter((r) => r.throughput === null && (r.phase === 'warmup' || r.phase === 'measuring')).length;
    const own = labelled[i]!.filter(([k]) => !shared.has(k)).map(([, v]) => v);
    const badges = new Set<string>();
    for (const f of g.flags) if (f.kind !== 'incomplete' || (over && running === 0)) badges.add(badgeOf(f));
    for (const r of members) for (const f of r.flags) badges.add(badgeOf(f));
    const baseline = g.num_nodes === 1 && g.gpu_num_per_node === 1;
    return {
      key,
      label: [...own, scale(g)].join(' '),
      done: g.runs,
      found: g.runs_found,
      expected: g.runs_expected,
      running,
      median: g.median_throughput,
      provisional: g.median_throughput === null ? (members.find((r) => r.throughput_rolling_median !== null)?.throughput_rolling_median ?? null) : null,
      cv: g.runs >= 2 ? g.cv : null,
      speedup: g.speedup,
      // A baseline's efficiency is 1 by definition: no figure to show.
      efficiency: baseline ? null : g.scaling_efficiency,
      baseline,
      badges: [...badges],
      current: key === currentKey,
    };
  });
  const units = [...new Set(groups.map((g) => g.throughput_unit ?? 'samples/s'))];
  const titleParts = labelled.length ? labelled[0]!.filter(([k]) => shared.has(k)).map(([, v]) => v) : [];
  const missingBase = rows.some((r) => !r.baseline && r.median !== null && r.speedup === null);
  return {
    title: titleParts.join(' · '),
    unit: units.length === 1 ? units[0]! : 'mixed units',
    rows,
    note: missingBase ? 'no 1n1g baseline yet for some rows: their speedup and efficiency wait for it' : null,
    plan: s.plan ? planText(s.plan) : null,
  };
}
