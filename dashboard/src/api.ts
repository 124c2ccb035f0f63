import {
  type Blueprint,
  createClient,
  TenantryApiError,
  type TenantryClient,
  unwrap,
} from "../../src/client/index.js";
import { getSession, signOut } from "./session.js";

export { TenantryApiError, unwrap };

/**
 * The dashboard's API client: Tenantry's own SDK (`tenantry/client`) on this origin, with
 * the session's key. An answer of 401 (the key was revoked or expired) signs out.
 */
let cached: { apiKey: string; client: TenantryClient } | undefined;

export function api(): TenantryClient {
  const session = getSession();
  if (!session) throw new Error("not signed in");
  if (cached?.apiKey !== session.apiKey)
    cached = { apiKey: session.apiKey, client: clientFor(session.apiKey) };
  return cached.client;
}

/** A client for `apiKey` (sign-in checks a key with it before keeping it). */
export function clientFor(apiKey: string): TenantryClient {
  const client = createClient({ baseUrl: location.origin, apiKey });
  client.use({
    onResponse({ response }) {
      if (response.status === 401 && getSession()?.apiKey === apiKey) signOut();
      return response;
    },
  });
  return client;
}

/** What to tell the user about a failed call. */
export function describeError(err: unknown): string {
  if (err instanceof TenantryApiError) {
    const fields = err.errors.map((e) => `${e.pointer || "(body)"}: ${e.message}`);
    return [`${err.detail}${err.code ? ` (${err.code})` : ""}`, ...fields].join("\n");
  }
  if (err instanceof DOMException && err.name === "TimeoutError") return "Tenantry did not answer in time.";
  if (err instanceof TypeError) return "Tenantry cannot be reached (is the server running?).";
  return err instanceof Error ? err.message : String(err);
}

const versions = new Map<string, Promise<Blueprint>>();

/** A stored blueprint version, with its source and `parsed` form (immutable: read once). */
export function blueprintVersion(name: string, version: number): Promise<Blueprint> {
  const key = `${name}@${version}`;
  let p = versions.get(key);
  if (!p) {
    p = unwrap(
      api().GET("/v1/blueprints/{name}/versions/{version}", { params: { path: { name, version } } }),
    );
    p.catch(() => versions.delete(key));
    versions.set(key, p);
  }
  return p;
}

/** The latest version of a stored blueprint, with its `parsed` form. */
export async function latestBlueprint(name: string): Promise<Blueprint> {
  const latest = await unwrap(api().GET("/v1/blueprints/{name}", { params: { path: { name } } }));
  return blueprintVersion(name, latest.version);
}
