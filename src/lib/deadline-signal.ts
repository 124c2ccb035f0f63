/**
 * A signal that aborts when its parent does or when its time is up, on a timer of its own.
 *
 * Not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: the timer of
 * `AbortSignal.timeout()` holds its signal only weakly, and `AbortSignal.any()` holds its
 * sources weakly too, so nothing holds the timeout signal and under garbage-collection
 * pressure it is collected before it fires: the call outlives its deadline
 * (nodejs/node#55428). Here the timer's closure holds the controller until it fires or is
 * cleared, and the parent's listener holds it while the parent lives.
 */

/** The longest delay `setTimeout` takes (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

export interface DeadlineSignal {
  /**
   * Aborts with the parent's reason, or after the time with a `TimeoutError` DOMException
   * (what `AbortSignal.timeout()` aborts with: fetch rejects with it).
   */
  readonly signal: AbortSignal;
  /**
   * Stops the timer and the listener on the parent (idempotent; done by itself once the
   * signal aborts). Call it when the work is over, in a `finally`: a parent living long
   * (an action's signal) would otherwise collect one listener per call until each timer fires.
   */
  dispose(): void;
}

/**
 * A {@link DeadlineSignal} for work that must end after `ms` (at once when `ms` ≤ 0) or
 * when `parent` aborts (at once when it already has). The timer is unref'd: it keeps no
 * process alive. `message` is the timeout's, default "no answer within <ms> ms".
 */
export function deadlineSignal(
  parent: AbortSignal | undefined,
  ms: number,
  message = `no answer within ${ms} ms`,
): DeadlineSignal {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onParentAbort = () => controller.abort(parent?.reason);
  const dispose = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    parent?.removeEventListener("abort", onParentAbort);
  };
  controller.signal.addEventListener("abort", dispose, { once: true });
  if (parent?.aborted) {
    controller.abort(parent.reason);
  } else {
    parent?.addEventListener("abort", onParentAbort, { once: true });
    timer = setTimeout(
      () => controller.abort(new DOMException(message, "TimeoutError")),
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    timer.unref();
  }
  return { signal: controller.signal, dispose };
}
