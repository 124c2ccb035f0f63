import { isStaticSite } from "../domain/resources.js";
import {
  type BootstrapHook,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
} from "./provider.js";

/**
 * What every provider's `runBootstrap` shares: which service a blueprint's `hooks.bootstrap`
 * runs in, its time limit, the operation it runs for, and how it fails.
 *
 * A hook is followed over several passes (the call starts it, or looks at the run it started
 * before, and answers `pending` while it runs), so no single provider call lasts longer than a
 * few seconds whatever the hook's own timeout: a long migration never holds a worker slot,
 * never needs the engine's action timeout to be raised, and never outlives a lease.
 */

/** `hooks.bootstrap.timeoutSeconds` when the blueprint says nothing: 10 minutes. */
export const DEFAULT_BOOTSTRAP_TIMEOUT_SECONDS = 600;
/** The longest a hook may run: 1 hour. A longer `timeoutSeconds` is cut to it. */
export const MAX_BOOTSTRAP_TIMEOUT_SECONDS = 3600;

/** The hook's time limit in ms: its `timeoutSeconds` (default 10 min), at most 1 hour. */
export function bootstrapTimeoutMs(hook: BootstrapHook): number {
  const raw = hook.timeoutSeconds;
  const seconds =
    typeof raw === "number" && Number.isFinite(raw) && raw > 0 ? raw : DEFAULT_BOOTSTRAP_TIMEOUT_SECONDS;
  return Math.round(Math.min(seconds, MAX_BOOTSTRAP_TIMEOUT_SECONDS) * 1000);
}

/** Kinds a hook can run in (those that have code and an environment). */
const RUNNABLE = new Set(["web", "pserv", "worker", "cron"]);

/**
 * The service the hook runs in: `hook.service` (resource `service:<name>`), else the first web
 * service that is not a static site, in the order the engine created them (the blueprint's
 * order, dependencies first). A permanent error when there is none, or it cannot run commands.
 */
export function bootstrapService(
  hook: BootstrapHook,
  resources: readonly RecordedResource[],
): RecordedResource {
  if (hook.service !== undefined) {
    const key = `service:${hook.service}`;
    const found = resources.find((r) => r.key === key);
    if (!found) {
      throw new ProviderError(`hooks.bootstrap.service: the tenant has no service ${hook.service}`, {
        retryable: false,
        code: "BOOTSTRAP_FAILED",
      });
    }
    if (!RUNNABLE.has(found.kind) || isStaticSite(found)) {
      throw new ProviderError(
        `hooks.bootstrap.service: ${hook.service} cannot run commands (a ${isStaticSite(found) ? "static site" : found.kind}); name a web, pserv, worker or cron service`,
        { retryable: false, code: "BOOTSTRAP_FAILED" },
      );
    }
    return found;
  }
  const web = resources.find((r) => r.kind === "web" && !isStaticSite(r));
  if (!web) {
    throw new ProviderError(
      "hooks.bootstrap runs in the first web service by default, and the blueprint has none that runs code: name one with hooks.bootstrap.service",
      { retryable: false, code: "BOOTSTRAP_FAILED" },
    );
  }
  return web;
}

/**
 * The id of the operation the call belongs to, when the engine says: a run started by this
 * operation is followed to its end, and a run left by an earlier one (a failed create being
 * retried) is not taken for this one's. `ProviderContext` has no field for it yet: the
 * engine's pass logger carries it as its `operation` binding, which is read here until the
 * context has `operation.id` of its own (read first, so that change needs nothing here).
 */
export function operationIdOf(ctx: ProviderContext): string | undefined {
  const own = (ctx as { operation?: { id?: unknown } }).operation?.id;
  if (typeof own === "string" && own !== "") return own;
  const bindings = (ctx.logger as { bindings?: () => Record<string, unknown> }).bindings?.();
  const bound = bindings?.["operation"];
  return typeof bound === "string" && bound !== "" ? bound : undefined;
}

/** A hook that failed (non-zero exit, timeout, a job Render failed or canceled): permanent. */
export function bootstrapFailed(message: string): ProviderError {
  return new ProviderError(message, { retryable: false, code: "BOOTSTRAP_FAILED" });
}

/** How soon to look at a running hook again: a fifth of how long it has run, within [min, max]. */
export function bootstrapPollMs(elapsedMs: number, minMs: number, maxMs: number): number {
  return Math.round(Math.min(maxMs, Math.max(minMs, elapsedMs / 5)));
}

/** `1.2 s`, `3 min 5 s`: how long something ran. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}
