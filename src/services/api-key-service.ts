import { TenantryError } from "../domain/errors.js";
import type { Principal, Role } from "../domain/types.js";
import { sha256 } from "../lib/crypto.js";
import {
  type ApiKeyRow,
  findApiKey,
  insertApiKeyWithExpiry,
  listApiKeys,
  retireApiKey,
  revokeApiKey,
} from "../store/sql/auth.js";
import { generateApiKey } from "./bootstrap.js";

export type { ApiKeyRow };

import type { Queryable } from "./database.js";

/**
 * API keys of an organization (`/v1/api-keys`, docs/api.md "API keys"): made with a name,
 * a role and an optional expiry (the key itself is shown once, only its hash is kept),
 * listed, revoked, and rotated (a new key with the same name and role; the old one keeps
 * working for a grace period). Revoked and expired keys are refused with 401. Admin role.
 */

export const MAX_GRACE_SECONDS = 30 * 24 * 3600;

export interface NewApiKey {
  name: string;
  role: Role;
  /** When it stops working; absent: never. */
  expiresAt?: Date | undefined;
  /** Another organization's (a platform admin making its first key); default: the caller's. */
  organizationId?: string;
}

/** Only a platform admin makes, revokes or rotates platform-admin keys. */
function guardPlatformAdmin(principal: Principal, role: Role, action: string): void {
  if (role === "platform_admin" && principal.role !== "platform_admin") {
    throw new TenantryError("FORBIDDEN", `only a platform_admin key can ${action} a platform_admin key`);
  }
}

/** A key as listed: never the key, only its first characters. */
export function keyState(k: ApiKeyRow, now = new Date()): "active" | "expiring" | "expired" | "revoked" {
  if (k.revokedAt) return "revoked";
  if (k.expiresAt && k.expiresAt <= now) return "expired";
  return k.replacedBy ? "expiring" : "active";
}

export class ApiKeyService {
  list(q: Queryable, principal: Principal): Promise<ApiKeyRow[]> {
    return listApiKeys(q, principal.organizationId);
  }

  async get(q: Queryable, principal: Principal, id: string, forUpdate = false): Promise<ApiKeyRow> {
    const key = /^[0-9a-f-]{36}$/i.test(id)
      ? await findApiKey(q, principal.organizationId, id, forUpdate)
      : null;
    if (!key) throw new TenantryError("API_KEY_NOT_FOUND", `no API key "${id}" in this organization`);
    return key;
  }

  async create(
    q: Queryable,
    principal: Principal,
    input: NewApiKey,
  ): Promise<{ key: ApiKeyRow; secret: string }> {
    if (input.expiresAt && input.expiresAt <= new Date()) {
      throw new TenantryError("VALIDATION_FAILED", "the expiry is in the past", {
        errors: [{ pointer: "/expires_at", message: "must be in the future" }],
      });
    }
    guardPlatformAdmin(principal, input.role, "create");
    const secret = generateApiKey();
    const key = await insertApiKeyWithExpiry(q, {
      organizationId: input.organizationId ?? principal.organizationId,
      name: input.name,
      role: input.role,
      keyHash: sha256(secret),
      keyPrefix: secret.slice(0, 12),
      expiresAt: input.expiresAt ?? null,
    });
    return { key, secret };
  }

  async revoke(q: Queryable, principal: Principal, id: string): Promise<ApiKeyRow> {
    const key = await this.get(q, principal, id, true);
    guardPlatformAdmin(principal, key.role, "revoke");
    if (key.id === principal.apiKeyId) {
      throw new TenantryError("VALIDATION_FAILED", "a key cannot revoke itself: use another admin key", {
        errors: [{ pointer: "/id", message: "the key making this request" }],
      });
    }
    return revokeApiKey(q, key.id);
  }

  /** A new key with the old one's name, role and expiry; the old one works `graceSeconds` more. */
  async rotate(
    q: Queryable,
    principal: Principal,
    id: string,
    graceSeconds: number,
  ): Promise<{ key: ApiKeyRow; secret: string; previous: ApiKeyRow }> {
    const old = await this.get(q, principal, id, true);
    guardPlatformAdmin(principal, old.role, "rotate");
    const state = keyState(old);
    if (state !== "active") {
      throw new TenantryError(
        "API_KEY_NOT_ACTIVE",
        `API key ${old.keyPrefix}… is ${state}: only an active key can be rotated`,
      );
    }
    const { key, secret } = await this.create(q, principal, {
      name: old.name,
      role: old.role,
      expiresAt: old.expiresAt ?? undefined,
    });
    const previous = await retireApiKey(q, old.id, key.id, new Date(Date.now() + graceSeconds * 1000));
    return { key, secret, previous };
  }
}
