import type { Logger } from "pino";
import { throwIfAborted } from "./kit/abort.js";
import type { ProviderContext } from "./provider.js";

/**
 * Builds a {@link ProviderContext}: the engine makes one per pass and narrows it per
 * action (its own signal and deadline); tests make their own with it.
 */
export function providerContext(base: {
  tenant: ProviderContext["tenant"];
  installationId: string;
  signal?: AbortSignal;
  /** Epoch ms; default: no deadline beyond the signal. */
  deadline?: number;
  /** A live limit the deadline never passes (the lease's own deadline). */
  limit?: () => number;
  logger: Logger;
  secret?: ProviderContext["secret"];
  resource?: ProviderContext["resource"];
  credentials?: ProviderContext["credentials"];
  digest?: ProviderContext["digest"];
}): ProviderContext {
  const signal = base.signal ?? new AbortController().signal;
  const deadline = base.deadline ?? Number.MAX_SAFE_INTEGER;
  const limit = base.limit;
  return {
    tenant: base.tenant,
    installationId: base.installationId,
    signal,
    deadline,
    timeLeft: () => Math.max(0, Math.min(deadline, limit ? limit() : deadline) - Date.now()),
    throwIfAborted() {
      throwIfAborted(signal);
    },
    logger: base.logger,
    secret: base.secret ?? (() => undefined),
    resource: base.resource ?? (() => undefined),
    ...(base.credentials && { credentials: base.credentials }),
    ...(base.digest ? { digest: base.digest } : {}),
  };
}

/** The same context with a narrower signal and deadline (one action's). */
export function narrowContext(ctx: ProviderContext, signal: AbortSignal, deadline: number): ProviderContext {
  const outer = ctx;
  return {
    ...ctx,
    signal,
    deadline: Math.min(deadline, ctx.deadline),
    timeLeft: () => Math.min(Math.max(0, deadline - Date.now()), outer.timeLeft()),
    throwIfAborted() {
      throwIfAborted(signal);
    },
  };
}
