import type { Principal } from "../domain/types.js";
import { sha256 } from "../lib/crypto.js";
import type { Queryable } from "../store/db.js";
import { findPrincipalByKeyHash } from "../store/sql/auth.js";

/** The principal of an API key (only its hash is stored), or null when it is unknown or revoked. */
export async function principalForApiKey(q: Queryable, apiKey: string): Promise<Principal | null> {
  return findPrincipalByKeyHash(q, sha256(apiKey));
}
