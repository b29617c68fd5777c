/**
 * The shell scripts the launcher runs on a node. Every value that comes from a recipe, the command
 * line or a host is already a quoted shell word (plan.ts, quote.ts) or a number we checked; the
 * rest is fixed text. Pure: no IO.
 *
 * The node script (run under `setsid` over SSH, or as the task of a Slurm step):
 *   - writes its PID (= its process group id: it is a session leader) to `node<k>.pid`,
 *   - runs the recipe's command in the working directory (created if missing, as DLPerf's
 *     launch_all.sh did) with the recipe's environment,
 *   - on SIGTERM passes it on and keeps waiting, so the exit status is still recorded,
 *   - writes the command's exit status to `node<k>.rc` (atomically, via a rename).
 * Its stdout and stderr go to `node<k>.log` next to them, on the node: a dropped connection loses
 * nothing.
 */
import type { PlannedCase, PlannedNode } from './plan.ts';
import { shPath, shQuoteAlways } from './quote.ts';

/** Markers the launcher looks for in a script's output (a login shell may print other lines). */
export const MARK = {
  ready: 'dlperf-top-ready',
  pgid: 'dlperf-top-pgid',
  error: 'dlperf-top-error',
  alive: 'dlperf-top-alive',
  gone: 'dlperf-top-gone',
} as const;

/** `bash -lc '<script>'`: the exec request of an SSH channel (the login shell sets up PATH, modules, conda). */
export function bashLogin(script: string): string {
  return `bash -lc ${shQuoteAlways(script)}`;
}

function nodeBody(node: PlannedNode, opts: { rank: string; runDir: string; slurm: boolean }): string {
  const lines: string[] = [
    `d=${opts.runDir}`,
    `k=${opts.rank}`,
    'mkdir -p -- "$d" && d=$(cd -- "$d" && pwd -P) || exit 125',
    'DLPERF_TOP_RUN_DIR=$d',
    'export DLPERF_TOP_RUN_DIR',
  ];
  if (opts.slurm) {
    lines.push(
      'exec 2>&1',
      'DLPERF_TOP_NODE_RANK=$k',
      'h=$(scontrol show hostnames "${SLURM_JOB_NODELIST:-}" 2>/dev/null)',
      '[ -n "$h" ] || h=$(hostname)',
      'DLPERF_TOP_MASTER_ADDR=$(printf \'%s\\n\' "$h" | head -n 1)',
      'DLPERF_TOP_NODE_IPS=$(printf \'%s\\n\' "$h" | paste -sd, -)',
      'DLPERF_TOP_HOST=$(hostname)',
      'export DLPERF_TOP_NODE_RANK DLPERF_TOP_MASTER_ADDR DLPERF_TOP_NODE_IPS DLPERF_TOP_HOST',
      'printf \'%s\\n\' "$DLPERF_TOP_HOST" > "$d/node$k.host"',
      'if [ "$k" = 0 ]; then printf \'%s\\n\' "${SLURM_JOB_ID:-}" > "$d/jobid"; fi',
    );
  }
  lines.push(
    'echo "$$" > "$d/node$k.pid.tmp" && mv -f "$d/node$k.pid.tmp" "$d/node$k.pid"',
    "trap '' HUP",
    'finish() { case "$1" in \'\'|*[!0-9]*) set -- 255 ;; esac; echo "$1" > "$d/node$k.rc.tmp" && mv -f "$d/node$k.rc.tmp" "$d/node$k.rc"; exit "$1"; }',
    `mkdir -p -- ${node.workdirShell} 2>/dev/null; cd -- ${node.workdirShell} || finish 126`,
  );
  for (const [name, word] of node.envShell) lines.push(`export ${name}=${word}`);
  lines.push(
    '(',
    node.command,
    ') &',
    'child=$!',
    // A signal interrupts `wait`: pass it on and wait again until the command has really ended.
    // (A second `wait` on a reaped child is unreliable in bash 5.2 — it may give -1 — so it is only
    // asked when the first was interrupted, and only a status 0…255 is believed.)
    'interrupted=0',
    'trap \'interrupted=1; kill -TERM "$child" 2>/dev/null\' TERM INT',
    'while :; do',
    '  interrupted=0',
    '  wait "$child"; rc=$?',
    '  [ "$interrupted" = 1 ] || break',
    '  if ! kill -0 "$child" 2>/dev/null; then',
    '    wait "$child" 2>/dev/null; r=$?',
    '    case "$r" in 127|-*|\'\') ;; *) [ "$r" -le 255 ] && rc=$r ;; esac',
    '    break',
    '  fi',
    'done',
    'finish "$rc"',
  );
  return lines.join('\n') + '\n';
}

/** Checks a node before anything starts: `setsid` present, run directory created, working directory enterable. */
export function preflightScript(node: PlannedNode): string {
  return [
    `command -v setsid >/dev/null 2>&1 || { echo "${MARK.error} setsid is not installed on this node (util-linux)"; exit 3; }`,
    `mkdir -p -- ${shPath(node.runDir)} || { echo "${MARK.error} cannot create the run directory"; exit 3; }`,
    `mkdir -p -- ${node.workdirShell} 2>/dev/null; cd -- ${node.workdirShell} || { echo "${MARK.error} cannot enter the working directory"; exit 3; }`,
    `echo "${MARK.ready} $(uname -n)"`,
  ].join('\n');
}

/**
 * Starts the node script detached (`setsid`, own session and process group, stdin /dev/null,
 * output to the log) and prints `dlperf-top-pgid <pgid>` once it runs.
 */
export function sshStartScript(node: PlannedNode): string {
  const k = node.node_rank;
  const inner = nodeBody(node, { rank: String(k), runDir: shPath(node.runDir), slurm: false });
  return [
    `d=${shPath(node.runDir)}`,
    `mkdir -p -- "$d" || { echo "${MARK.error} cannot create the run directory"; exit 3; }`,
    `rm -f -- "$d/node${k}.rc" "$d/node${k}.pid" "$d/node${k}.log"`,
    `setsid bash -c ${shQuoteAlways(inner)} dlperf-top-node < /dev/null > "$d/node${k}.log" 2>&1 &`,
    'i=0',
    `while [ ! -s "$d/node${k}.pid" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done`,
    `if [ -s "$d/node${k}.pid" ]; then echo "${MARK.pgid} $(cat "$d/node${k}.pid")"; else echo "${MARK.error} the node process did not start"; exit 3; fi`,
  ].join('\n');
}

/** Is the process group still there? */
export function aliveScript(pgid: number): string {
  return `if kill -0 -- -${checkPgid(pgid)} 2>/dev/null; then echo ${MARK.alive}; else echo ${MARK.gone}; fi`;
}

/** SIGTERM to the group, up to `graceS` seconds for it to go, then SIGKILL. `graceS` 0: SIGKILL at once. */
export function stopScript(pgid: number, graceS: number): string {
  const pg = checkPgid(pgid);
  if (graceS <= 0) return `kill -KILL -- -${pg} 2>/dev/null; echo ${MARK.gone}`;
  const ticks = Math.max(1, Math.round(graceS * 10));
  return [
    `kill -TERM -- -${pg} 2>/dev/null || { echo ${MARK.gone}; exit 0; }`,
    `i=0; while kill -0 -- -${pg} 2>/dev/null && [ $i -lt ${ticks} ]; do sleep 0.1; i=$((i+1)); done`,
    `if kill -0 -- -${pg} 2>/dev/null; then kill -KILL -- -${pg} 2>/dev/null; sleep 0.2; fi`,
    `echo ${MARK.gone}`,
  ].join('\n');
}

/** The task script of a Slurm step: every node runs the same text; rank, master and hosts come from Slurm. */
export function slurmTaskScript(c: PlannedCase): string {
  const node = c.nodes[0]!;
  return nodeBody(node, { rank: '${SLURM_NODEID:-0}', runDir: shPath(node.runDir), slurm: true });
}

/** A process group id read from a node: a plain positive integer, never 0, 1 or negative. */
export function checkPgid(pgid: number): number {
  if (!Number.isSafeInteger(pgid) || pgid < 2 || pgid > 0x3fffffff) throw new Error(`refusing to signal process group ${pgid}`);
  return pgid;
}

/** The pgid a start script printed, or null. Only a whole line `dlperf-top-pgid <digits>` counts. */
export function parsePgid(output: string): number | null {
  for (const line of output.split('\n').reverse()) {
    const m = /^dlperf-top-pgid (\d{1,10})\s*$/.exec(line);
    if (m) {
      const n = Number(m[1]);
      return Number.isSafeInteger(n) && n >= 2 && n <= 0x3fffffff ? n : null;
    }
  }
  return null;
}

/** The text after `dlperf-top-error ` in a script's output, if any. */
export function parseScriptError(output: string): string | null {
  const m = /^dlperf-top-error (.*)$/m.exec(output);
  return m ? m[1]!.slice(0, 300) : null;
}
