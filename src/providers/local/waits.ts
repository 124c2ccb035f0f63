import { type DeadlineSignal, deadlineSignal } from "../../lib/deadline-signal.js";
import { type ProviderContext, ProviderError } from "../provider.js";

/**
 * Waits of the local drivers, each bounded by the action's context: they end when
 * `ctx.signal` aborts (the engine's `AbortedError`, from `ctx.throwIfAborted()`) or when
 * `ctx.timeLeft()` runs out (a retryable {@link ProviderError}: the call took too long).
 *
 * `timeLeft()` is read live, never once: the engine's deadline follows the lease, which
 * moves forward each time it is renewed.
 */

/** The longest delay `setTimeout` takes (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** The error for a call whose time ran out before it finished. */
export function outOfTime(what: string): ProviderError {
  return new ProviderError(`${what}: the action's time ran out before it finished`, { retryable: true });
}

/**
 * Calls `onEnd` once, when `ctx.signal` aborts or the deadline passes (re-checked when its
 * timer fires, since a renewed lease moves it). Returns a function that stops watching.
 */
export function watchContext(ctx: ProviderContext, onEnd: (why: "aborted" | "deadline") => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const end = (why: "aborted" | "deadline") => {
    if (done) return;
    done = true;
    stop();
    onEnd(why);
  };
  const onAbort = () => end("aborted");
  const arm = () => {
    const left = ctx.timeLeft();
    if (left <= 0) return end("deadline");
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref?.();
  };
  function stop() {
    done = true;
    if (timer) clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onAbort);
  }
  if (ctx.signal.aborted) {
    queueMicrotask(onAbort);
    return stop;
  }
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  arm();
  return stop;
}

/**
 * Settles with `work`, unless the context ends first: then `cancel` (if given) is called
 * to stop the work, `work` is given at most `graceMs` more to settle, and the call throws
 * the `AbortedError` (aborted) or {@link outOfTime} (deadline). `work` keeps running in the
 * background when it cannot be stopped; its late result is dropped.
 */
export async function bounded<T>(
  ctx: ProviderContext,
  what: string,
  work: Promise<T>,
  options: { cancel?: () => unknown; graceMs?: number } = {},
): Promise<T> {
  ctx.throwIfAborted();
  if (ctx.timeLeft() <= 0) throw outOfTime(what);
  let ended: (why: "aborted" | "deadline") => void = () => {};
  const end = new Promise<"aborted" | "deadline">((resolve) => {
    ended = resolve;
  });
  const stop = watchContext(ctx, (why) => ended(why));
  const settled = work.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  try {
    const first = await Promise.race([settled, end]);
    if (typeof first === "object") {
      // Failed because of the abort (a cancelled query, a closed socket): the abort it is.
      if (!first.ok) {
        ctx.throwIfAborted();
        throw first.error;
      }
      return first.value;
    }
    try {
      await options.cancel?.();
    } catch {
      // Best effort: the caller stops waiting either way.
    }
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      settled,
      new Promise((resolve) => {
        graceTimer = setTimeout(resolve, options.graceMs ?? 0);
      }),
    ]);
    clearTimeout(graceTimer);
    ctx.throwIfAborted();
    throw outOfTime(what);
  } finally {
    stop();
  }
}

/** Waits `ms` (less when the deadline comes sooner: then {@link outOfTime}); throws the `AbortedError` on abort. */
export async function sleep(ctx: ProviderContext, ms: number, what: string): Promise<void> {
  ctx.throwIfAborted();
  const left = ctx.timeLeft();
  if (left <= 0) throw outOfTime(what);
  const wait = Math.max(0, Math.min(ms, left, MAX_TIMER_MS));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, wait);
    function done() {
      clearTimeout(timer);
      ctx.signal.removeEventListener("abort", done);
      resolve();
    }
    ctx.signal.addEventListener("abort", done, { once: true });
  });
  ctx.throwIfAborted();
  if (wait < ms && ctx.timeLeft() <= 0) throw outOfTime(what);
}

/** `ms`, or less when the context's deadline is sooner (at least 1 ms). */
export function within(ctx: ProviderContext, ms: number): number {
  return Math.max(1, Math.min(ms, ctx.timeLeft()));
}

/**
 * A signal that aborts with `ctx.signal` or after {@link within}`(ctx, ms)`, for requests;
 * dispose it when the request is over (see {@link deadlineSignal}).
 */
export function requestSignal(ctx: ProviderContext, ms: number): DeadlineSignal {
  return deadlineSignal(ctx.signal, within(ctx, ms));
}
