/** Retry policy for transient failures. */
export interface RetryPolicy {
  /** First backoff step in ms. */
  baseMs: number;
  /** Cap of one delay in ms. */
  maxMs: number;
  /** Attempts before the operation fails. */
  maxAttempts: number;
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): a uniform delay in [0, min(max, base·2^(attempt-1))]. Full jitter spreads a
 * burst of failing tenants over the window instead of retrying them in lockstep.
 * `attempt` is the number of failures so far, from 1.
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  // floor(r·(c+1)) with r in [0, 1) covers every whole delay from 0 to c.
  return Math.floor(random() * (ceiling + 1));
}
