/** Exponential reconnect backoff with jitter. Pure. */

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 10_000 };

/**
 * Delay before reconnect attempt `attempt` (0 = first retry): initialMs·2^attempt, capped at
 * maxMs, then spread by ±25 % (never below initialMs/2, never above maxMs).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  const jittered = base * (0.75 + 0.5 * random());
  return Math.round(Math.max(policy.initialMs / 2, Math.min(policy.maxMs, jittered)));
}

/** Sleep that a stop can cut short: resolves early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
