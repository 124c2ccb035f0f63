/** The audit log: who did what, when, through which request (see docs/api.md, "Audit log"). */

/** Who acted: an API key, or the engine (`system`) performing an operation's provider actions. */
export type AuditActor = { type: "api_key"; id: string; name: string } | { type: "system" };

/**
 * `succeeded`: done (2xx, or a provider action that finished); `refused`: the API said no
 * (4xx: a role, a validation, a conflict) and nothing changed; `failed`: an error on our
 * side (5xx) or a provider action that failed.
 */
export type AuditOutcome = "succeeded" | "failed" | "refused";

export interface AuditEntry {
  id: string;
  at: Date;
  actor: AuditActor;
  organizationId: string;
  requestId: string | null;
  tenantId: string | null;
  operationId: string | null;
  /** `tenant.create`, `api_key.revoke`, `provider.create`… */
  action: string;
  outcome: AuditOutcome;
  /** The HTTP status of an API call; null for provider actions. */
  status: number | null;
  /** What changed, redacted: the names of secrets, never their values. */
  summary: Record<string, unknown>;
}

/** An entry to append (its id and time are given by the store). */
export type NewAuditEntry = Omit<AuditEntry, "id" | "at" | "actor"> & {
  /** For an API key, its name is looked up when not given. */
  actor: { type: "api_key"; id: string; name?: string } | { type: "system" };
};

/** The outcome of an API call by its HTTP status. */
export function outcomeOfStatus(status: number): AuditOutcome {
  if (status >= 500) return "failed";
  if (status >= 400) return "refused";
  return "succeeded";
}
