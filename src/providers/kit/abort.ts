import { AbortedError, abortReason } from "../../engine/aborted.js";
import type { ProviderContext } from "../provider.js";

/**
 * The abort check every provider needs: an aborted signal (the lease was lost, Tenantry
 * shuts down, the action's time is up) ends the work with the engine's `AbortedError`,
 * which spends no attempt. Drivers normally call `ctx.throwIfAborted()`; this is what it does.
 */

/**
 * What bounds a piece of provider work: the action it belongs to. A {@link ProviderContext}
 * is one; its signal aborts the work, and its deadline caps every wait and request.
 */
export type Scope = Pick<ProviderContext, "signal" | "timeLeft" | "throwIfAborted">;

/** Throws the engine's `AbortedError` (with the signal's reason) when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AbortedError(abortReason(signal));
}

/** The longest delay `setTimeout` takes (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Waits `ms`; rejects with the engine's `AbortedError` as soon as `signal` aborts (at
 * once when it already is).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError(abortReason(signal)));
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, Math.min(ms, MAX_TIMER_MS)),
    );
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(signal ? abortReason(signal) : "aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
