import type { FastifyRequest } from "fastify";
import { TenantryError } from "../domain/errors.js";
import type { Principal, Role } from "../domain/types.js";
import { principalForApiKey } from "../services/auth-service.js";
import type { Queryable } from "../services/database.js";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Least role a route needs; routes without it are public. */
    role?: Role;
    /** The route's body may be left out: no body is read as `{}` (its defaults). */
    optionalBody?: boolean;
  }
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3, platform_admin: 4 };

/** Whether `role` includes `needed` (each role includes the ones below it). */
export function roleAllows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** Resolves `Authorization: Bearer <key>` to a principal, or throws 401/403. */
export async function authenticate(db: Queryable, request: FastifyRequest, needed: Role): Promise<Principal> {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) {
    throw new TenantryError("UNAUTHENTICATED", "send an API key as `Authorization: Bearer <key>`");
  }
  const principal = await principalForApiKey(db, match[1]);
  if (!principal) throw new TenantryError("UNAUTHENTICATED", "the API key is not valid or was revoked");
  // Known from here on, also when refused below: the audit log names who was refused.
  request.caller = principal;
  if (!roleAllows(principal.role, needed)) {
    throw new TenantryError("FORBIDDEN", `this needs the ${needed} role; the key has ${principal.role}`);
  }
  return principal;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new TenantryError("UNAUTHENTICATED", "not authenticated");
  return request.principal;
}
