import type { Logger } from "pino";
import {
  type CredentialInput,
  type CredentialSecret,
  parseCredentialInput,
  type TargetCredential,
} from "../domain/credentials.js";
import { TenantryError } from "../domain/errors.js";
import type { Principal } from "../domain/types.js";
import type { SecretBox } from "../lib/crypto.js";
import { isUuid } from "../lib/ids.js";
import { type OrganizationCredentials, ProviderError, type ProviderRegistry } from "../providers/provider.js";
import {
  type CredentialRow,
  clearAccessErrorOnTenants,
  countLiveTenantsOnTarget,
  deleteCredential,
  findCredential,
  findCredentialByTarget,
  findCredentialForUse,
  listCredentials,
  setAccessErrorOnTenants,
  setCredentialStatus,
  upsertCredential,
} from "../store/sql/credentials.js";
import {
  type CheckSettings,
  CredentialCheckError,
  checkCredential,
  checkFailedProblem,
  credentialServerProblem,
} from "./credential-checks.js";
import type { Db, Queryable } from "./database.js";

export type { CredentialRow };

/**
 * Organizations' own target credentials (`/v1/credentials`, docs/credentials.md):
 * registered (checked first with a cheap authenticated call; a failed check stores
 * nothing), listed without their secrets, re-checked, deleted; and, for the engine, the
 * credential a tenant's provider uses, with the fallback to the installation's when
 * `TENANTRY_CREDENTIALS_FALLBACK=installation`.
 */
export interface CredentialServiceDeps {
  secrets: SecretBox;
  providers: ProviderRegistry;
  /** `TENANTRY_CREDENTIALS_FALLBACK`. */
  fallback: "installation" | "none";
  checks: CheckSettings;
  logger?: Logger;
}

/** What identifies the account a credential reaches: replacing it by one of another account strands tenants. */
function accountOf(display: Record<string, string>): string {
  // A cluster token confined to a namespace: its tenants' objects are in that namespace.
  const cluster =
    display["server"] && display["namespace"]
      ? `${display["server"]} namespace ${display["namespace"]}`
      : display["server"];
  return (
    display["workspace_id"] ??
    cluster ??
    display["role_arn"] ??
    display["service_account"] ??
    display["client_id"] ??
    ""
  );
}

export class CredentialService {
  constructor(private readonly deps: CredentialServiceDeps) {}

  list(q: Queryable, principal: Principal): Promise<CredentialRow[]> {
    return listCredentials(q, principal.organizationId);
  }

  async get(q: Queryable, principal: Principal, id: string, forUpdate = false): Promise<CredentialRow> {
    const row = isUuid(id) ? await findCredential(q, principal.organizationId, id, forUpdate) : null;
    if (!row) throw new TenantryError("CREDENTIAL_NOT_FOUND", `no credential "${id}" in this organization`);
    return row;
  }

  /**
   * Checks the credential against its platform, then stores it sealed (replacing the
   * organization's credential for the target, if any). Nothing is stored when the check
   * fails (422 `CREDENTIAL_CHECK_FAILED`), nor when a replacement reaches another account
   * while tenants use the old one (409 `CREDENTIAL_IN_USE`).
   */
  async register(
    db: Db,
    principal: Principal,
    input: CredentialInput,
  ): Promise<{ credential: CredentialRow; replaced: boolean }> {
    const parsed = parseCredentialInput(input);
    // A server on Tenantry's own network is bad input, refused before any call.
    const server = await credentialServerProblem(parsed.secret, this.deps.checks);
    if (server) {
      throw new TenantryError(
        "VALIDATION_FAILED",
        `invalid credential: ${server.pointer}: ${server.message}`,
        {
          errors: [server],
        },
      );
    }
    let checked: { secret: CredentialSecret; display: Record<string, string> };
    try {
      checked = await checkCredential(parsed.secret, this.deps.checks);
    } catch (err) {
      if (err instanceof CredentialCheckError) throw checkFailedProblem(parsed.target, err);
      throw err;
    }
    const display = { ...parsed.display, ...checked.display };
    return db.tx(async (q) => {
      const old = await findCredentialByTarget(q, principal.organizationId, parsed.target, true);
      if (old && accountOf(old.display) !== accountOf(display)) {
        await this.refuseWhileInUse(q, old, `it reaches ${accountOf(old.display) || "another account"}`);
      }
      const credential = await upsertCredential(q, {
        organizationId: principal.organizationId,
        target: parsed.target,
        name: parsed.name,
        kind: checked.secret.kind,
        secretEnc: this.deps.secrets.sealJson(checked.secret),
        display,
      });
      // A replacement that works ends the old one's access error.
      if (old?.status === "access_error")
        await clearAccessErrorOnTenants(q, principal.organizationId, parsed.target);
      return { credential, replaced: old !== null };
    });
  }

  /** Deletes it; refused (409) while the organization has tenants on its target. */
  async delete(q: Queryable, principal: Principal, id: string): Promise<void> {
    const row = await this.get(q, principal, id, true);
    await this.refuseWhileInUse(q, row, "its tenants' objects live in that account");
    await deleteCredential(q, row.id);
  }

  private async refuseWhileInUse(q: Queryable, row: CredentialRow, why: string): Promise<void> {
    const live = await countLiveTenantsOnTarget(q, row.organizationId, row.target);
    if (live > 0) {
      throw new TenantryError(
        "CREDENTIAL_IN_USE",
        `${live} tenant(s) of the organization on target ${row.target} use credential "${row.name}" (${why}): destroy them first`,
        { extra: { target: row.target } },
      );
    }
  }

  /** Checks the stored credential again; records the outcome on it and on the organization's tenants. */
  async recheck(db: Db, principal: Principal, id: string): Promise<CredentialRow> {
    const row = await this.get(db, principal, id);
    const stored = await findCredentialForUse(db, principal.organizationId, row.target);
    if (!stored || stored.id !== row.id)
      throw new TenantryError("CREDENTIAL_NOT_FOUND", `no credential "${id}"`);
    const secret = this.deps.secrets.openJson<CredentialSecret>(stored.secretEnc);
    try {
      await checkCredential(secret, this.deps.checks);
    } catch (err) {
      if (!(err instanceof CredentialCheckError)) throw err;
      return db.tx(async (q) => {
        const updated = await setCredentialStatus(q, row.id, "access_error", err.message);
        await setAccessErrorOnTenants(
          q,
          row.organizationId,
          row.target,
          accessMessage(row.target, err.message),
        );
        return updated ?? row;
      });
    }
    return db.tx(async (q) => {
      const updated = await setCredentialStatus(q, row.id, "ok", null);
      await clearAccessErrorOnTenants(q, row.organizationId, row.target);
      return updated ?? row;
    });
  }

  /**
   * Refuses early (422 `CREDENTIAL_REQUIRED`, before anything exists) a tenant on a target
   * that takes organizations' credentials when its organization has none and there is no
   * installation credential to fall back on (or falling back is not allowed).
   */
  async requireFor(q: Queryable, organizationId: string, target: string): Promise<void> {
    const takes = this.deps.providers.get(target)?.credentials;
    if (!takes) return;
    if (takes.installation && this.deps.fallback === "installation") return;
    if (await findCredentialByTarget(q, organizationId, target)) return;
    throw new TenantryError(
      "CREDENTIAL_REQUIRED",
      `the organization has no credential for target ${target}${takes.installation ? " and TENANTRY_CREDENTIALS_FALLBACK=none" : ", and the installation has none of its own"}: register one (POST /v1/credentials, docs/credentials.md)`,
      { errors: [{ pointer: "/target", message: `no credential for ${target}` }], extra: { target } },
    );
  }

  /** The engine's view of one organization's credentials (ProviderContext.credentials). */
  forOrganization(db: Db, organizationId: string): OrganizationCredentials {
    const { secrets, fallback, logger } = this.deps;
    return {
      async resolve(target) {
        const stored = await findCredentialForUse(db, organizationId, target);
        if (stored) {
          return {
            id: stored.id,
            organizationId,
            target,
            version: stored.version,
            status: stored.status,
            secret: secrets.openJson<CredentialSecret>(stored.secretEnc),
          } satisfies TargetCredential;
        }
        if (fallback === "installation") return null;
        throw new ProviderError(
          `the organization has no credential for target ${target} and TENANTRY_CREDENTIALS_FALLBACK=none: register one (POST /v1/credentials)`,
          { code: "CREDENTIAL_REQUIRED", retryable: false },
        );
      },
      async accessLost(credential, message) {
        logger?.warn(
          { credential: credential.id, target: credential.target, organizationId },
          "an organization's credential lost access",
        );
        await db.tx(async (q) => {
          await setCredentialStatus(q, credential.id, "access_error", message);
          await setAccessErrorOnTenants(
            q,
            organizationId,
            credential.target,
            accessMessage(credential.target, message),
          );
        });
      },
      async accessRestored(credential) {
        logger?.info(
          { credential: credential.id, target: credential.target, organizationId },
          "an organization's credential works again",
        );
        await db.tx(async (q) => {
          await setCredentialStatus(q, credential.id, "ok", null);
          await clearAccessErrorOnTenants(q, organizationId, credential.target);
        });
      },
    };
  }
}

function accessMessage(target: string, message: string): string {
  return `the organization's ${target} credential lost access: ${message}; register a working one (POST /v1/credentials) and retry`;
}
