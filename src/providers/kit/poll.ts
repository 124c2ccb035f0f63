import { ProviderError } from "../provider.js";
import { type Scope, sleep } from "./abort.js";

/**
 * Polling within an action: look, wait, look again, until a condition holds, the action's
 * signal aborts (the engine's `AbortedError`) or its time runs out ({@link PollTimeoutError}).
 * `timeLeft()` is read live before every wait: a renewed lease moves the deadline on.
 *
 * For waits longer than an action (a build, a database starting), return `pending` with
 * `retryAfterMs` instead and let the engine come back: a worker is not held meanwhile.
 */

/** A poll whose time (its own `timeoutMs`, or the action's deadline) ran out first: retryable. */
export class PollTimeoutError extends ProviderError {
  constructor(what: string, waitedMs: number) {
    super(`${what}: still not there after ${Math.round(waitedMs)} ms, and the action's time ran out`, {
      retryable: true,
    });
    this.name = "PollTimeoutError";
  }
}

export interface PollOptions {
  /** What is waited for, in messages: "service srv-1 to be live". */
  what: string;
  /** Between two looks. */
  intervalMs: number;
  /** At most this long in all (also bounded by the scope's deadline). @default no limit but the deadline */
  timeoutMs?: number;
}

/**
 * Calls `check` until it returns something other than `undefined`, and returns that.
 * Between calls it waits `intervalMs` (less when less time is left). Throws the engine's
 * `AbortedError` on abort and {@link PollTimeoutError} when the time runs out; an error
 * thrown by `check` ends the poll.
 */
export async function pollUntil<T>(
  scope: Scope,
  check: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const started = Date.now();
  const until = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : started + options.timeoutMs;
  const left = () => Math.min(scope.timeLeft(), until - Date.now());
  for (;;) {
    scope.throwIfAborted();
    const value = await check();
    if (value !== undefined) return value;
    scope.throwIfAborted();
    const room = left();
    if (room <= 0) throw new PollTimeoutError(options.what, Date.now() - started);
    await sleep(Math.min(options.intervalMs, room), scope.signal);
  }
}

/**
 * Waits `ms` within the scope: throws the engine's `AbortedError` on abort, and
 * {@link PollTimeoutError} when the deadline comes before `ms` has passed.
 */
export async function waitWithin(scope: Scope, ms: number, what: string): Promise<void> {
  scope.throwIfAborted();
  const left = scope.timeLeft();
  if (left < ms) {
    if (left > 0) await sleep(left, scope.signal);
    throw new PollTimeoutError(what, left);
  }
  await sleep(ms, scope.signal);
}
