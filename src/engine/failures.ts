import { type ErrorCode, TenantryError } from "../domain/errors.js";
import type { OperationErrorCode } from "../domain/operation-errors.js";
import { type ProviderCondition, ProviderError } from "../providers/provider.js";
import { isDatabaseUnavailable } from "../store/connection-errors.js";
import { LeaseLostError } from "../store/sql/operations.js";
import { TenantStatusChangedError } from "../store/sql/tenants.js";
import { AbortedError } from "./aborted.js";

/**
 * The code a failure is recorded with: one of the operation error catalogue, or the
 * problem code of a {@link TenantryError} raised while the engine worked.
 */
export type FailureCode = OperationErrorCode | ErrorCode;

/** How the engine treats an error thrown while reconciling. */
export type Failure =
  | { kind: "lease_lost" }
  | { kind: "aborted"; message: string }
  /** `condition`: what the failure puts on the tenant beyond `failed` (a provider's {@link ProviderCondition}). */
  | { kind: "permanent"; code: FailureCode; message: string; condition?: ProviderCondition }
  | { kind: "transient"; code: FailureCode; message: string }
  /** Not now (a platform's rate limit): come back after `delayMs`, spending no attempt. */
  | { kind: "wait"; code: FailureCode; message: string; delayMs: number };

export { AbortedError };

/**
 * PostgreSQL errors worth retrying in our own writes: serialization failure, deadlock,
 * connection loss, a statement cancelled by its timeout, a lock not available, too many
 * connections.
 */
const TRANSIENT_PG = /^(40001|40P01|08...|57P0[123]|57014|55P03|53300)$/;

export function classify(err: unknown): Failure {
  if (err instanceof LeaseLostError) return { kind: "lease_lost" };
  if (err instanceof AbortedError) return { kind: "aborted", message: err.message };
  if (err instanceof TenantStatusChangedError) {
    // Someone else changed the tenant meanwhile (a health event): look again, no attempt spent.
    return { kind: "transient", code: "DATABASE_TRANSIENT", message: err.message };
  }
  if (err instanceof ProviderError) {
    if (err.retryAfterMs !== undefined) {
      return { kind: "wait", code: err.code, message: err.message, delayMs: err.retryAfterMs };
    }
    return err.retryable
      ? { kind: "transient", code: err.code, message: err.message }
      : {
          kind: "permanent",
          code: err.code,
          message: err.message,
          ...(err.condition ? { condition: err.condition } : {}),
        };
  }
  if (err instanceof TenantryError) return { kind: "permanent", code: err.code, message: err.message };
  const code = (err as { code?: unknown })?.code;
  if ((typeof code === "string" && TRANSIENT_PG.test(code)) || isDatabaseUnavailable(err)) {
    return { kind: "transient", code: "DATABASE_TRANSIENT", message: String((err as Error).message) };
  }
  // Unknown errors (network resets, timeouts, bugs) are retried: a transient cause is the
  // common one, and the attempt limit still ends a deterministic failure.
  return { kind: "transient", code: "UNEXPECTED", message: err instanceof Error ? err.message : String(err) };
}
