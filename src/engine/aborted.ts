/**
 * The engine's one "aborted" error: the lease was lost, the process is shutting down, or
 * an action's time ran out while a call was in flight. Drivers never make their own: they
 * call `ctx.throwIfAborted()`, or let a request fail on `ctx.signal`, and the engine
 * recognises the abort by the signal. Being aborted is not a failure of the tenant.
 */
export class AbortedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "AbortedError";
  }
}

/** The reason of an aborted signal, as text. */
export function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r.message;
  return r === undefined ? "aborted" : String(r);
}
