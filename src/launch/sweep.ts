/**
 * Run a planned sweep: the cases in order, one at a time, each through the backend; the archive
 * rewritten after every case; at the end `summarize()` on the archive and the summary written
 * beside it (`<archive stem>.summary.md`).
 *
 * Stopping (Ctrl-C, `q`): the first `stop()` stops the running case gracefully (SIGTERM to the
 * process groups the launcher started, SIGKILL after the recipe's grace period) and ends the
 * sweep; a second `stop()` (or `stop(true)`) kills them at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../shared/safe-output.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, type SummaryResult } from '../pipeline/summarize.ts';
import { summaryMarkdown } from '../report/markdown.ts';
import type { SessionStore } from '../session/store.ts';
import type { SourceEvent } from '../sources/types.ts';
import { summaryPathFor, writeRunArchive, type CaseRecord } from './archive.ts';
import type { Backend, CaseOutcome } from './backends/types.ts';
import type { Plan, PlannedCase } from './plan.ts';

export interface SweepOptions {
  readonly plan: Plan;
  readonly backend: Backend;
  /** Archive path (`.tgz`). */
  readonly archive: string;
  readonly recipePath: string;
  readonly recipeText: string;
  /** The launch command line, for the manifest. */
  readonly argv?: readonly string[];
  /** Live view: every source event goes here. */
  readonly store?: SessionStore;
  /** Extra consumer of every source event. */
  readonly tap?: (events: SourceEvent[]) => void;
  readonly now?: () => number;
  /** Parent of the temporary directory for downloaded logs. @default os.tmpdir() */
  readonly tmpDir?: string;
  /** Called when a case starts and when it ends. */
  readonly onCase?: (e: CaseEvent) => void;
}

export type CaseEvent =
  | { type: 'start'; case: PlannedCase; time: number }
  | { type: 'end'; case: PlannedCase; outcome: CaseOutcome; time: number }
  | { type: 'stopping'; force: boolean; time: number };

export interface SweepResult {
  readonly records: readonly CaseRecord[];
  readonly interrupted: boolean;
  readonly ok: number;
  readonly failed: number;
  readonly notRun: number;
  readonly archive: string;
  readonly summaryPath: string | null;
  readonly summary: SummaryResult | null;
  /** The summary as markdown (what was written to summaryPath). */
  readonly summaryText: string | null;
  /** 0 every case ok, 4 some case failed, 130 interrupted. */
  readonly exitCode: 0 | 4 | 130;
}

export interface Sweep {
  run(): Promise<SweepResult>;
  /** First call: graceful stop and end of the sweep; second call (or force): SIGKILL now. */
  stop(force?: boolean): void;
  readonly stopping: boolean;
}

/** Map each node's event label to its archive member, so the live screen names runs as the archive will. */
export function runPathsOf(plan: Plan, backend: Backend): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of plan.cases) for (const n of c.nodes) m.set(backend.fileLabel(c, n.node_rank), n.member);
  return m;
}

export function createSweep(opts: SweepOptions): Sweep {
  const now = opts.now ?? Date.now;
  let stopCount = 0;
  let forced = false;
  const stop = (force = false): void => {
    stopCount++;
    const f = force || stopCount > 1;
    if (f) forced = true;
    opts.onCase?.({ type: 'stopping', force: f, time: now() });
    opts.backend.stop(f);
  };

  async function run(): Promise<SweepResult> {
    const { plan, backend } = opts;
    const startedAt = now();
    const staging = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'dlperf-top-launch-'));
    const records: CaseRecord[] = [];
    const emit = (events: SourceEvent[]) => {
      opts.tap?.(events);
      opts.store?.ingest(events);
    };
    const meta = (ended: boolean) => ({
      recipePath: opts.recipePath,
      recipeText: opts.recipeText,
      startedAt,
      endedAt: ended ? now() : null,
      interrupted: stopCount > 0,
      argv: opts.argv ?? [],
    });
    try {
      try {
        for (const c of plan.cases) {
          if (stopCount > 0) {
            records.push({ case: c, outcome: null });
            continue;
          }
          opts.onCase?.({ type: 'start', case: c, time: now() });
          let outcome: CaseOutcome;
          try {
            outcome = await backend.runCase({ plan, case: c, emit, stagingDir: join(staging, c.id), now });
          } catch (err) {
            const t = now();
            outcome = { status: 'failed', reason: `internal error: ${(err as Error)?.message ?? String(err)}`, startedAt: t, endedAt: t, startSkewMs: null, nodes: [] };
          }
          records.push({ case: c, outcome });
          opts.onCase?.({ type: 'end', case: c, outcome, time: now() });
          await writeRunArchive(opts.archive, plan, [...records, ...plan.cases.slice(records.length).map((x) => ({ case: x, outcome: null }))], meta(false), now());
        }
      } finally {
        await backend.close().catch(() => {});
      }
      await writeRunArchive(opts.archive, plan, records, meta(true), now());
    } finally {
      // The downloaded logs are in the archive (or the write failed and said so): never left behind.
      await rm(staging, { recursive: true, force: true });
    }

    let summary: SummaryResult | null = null;
    let summaryText: string | null = null;
    let summaryPath: string | null = null;
    if (records.some((r) => r.outcome && r.outcome.nodes.some((n) => n.localLog))) {
      summary = await summarize([opts.archive]);
      summaryText = summaryMarkdown(summary);
      summaryPath = summaryPathFor(opts.archive);
      await writeFileAtomic(summaryPath, summaryText);
    }
    const ok = records.filter((r) => r.outcome?.status === 'ok').length;
    const failed = records.filter((r) => r.outcome?.status === 'failed').length;
    const notRun = records.filter((r) => r.outcome === null).length;
    const interrupted = stopCount > 0 || records.some((r) => r.outcome?.status === 'interrupted');
    return {
      records,
      interrupted,
      ok,
      failed,
      notRun,
      archive: opts.archive,
      summaryPath,
      summary,
      summaryText,
      exitCode: interrupted ? 130 : failed > 0 ? 4 : 0,
    };
  }

  return {
    run,
    stop,
    get stopping() {
      return stopCount > 0 || forced;
    },
  };
}
