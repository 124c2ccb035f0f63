import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../../src/client/index.js";

/**
 * The signed-in API key, kept in this tab's sessionStorage only: it is gone when the tab
 * closes, never written to localStorage or a cookie, and never sent anywhere but this
 * Tenantry's API (as `Authorization: Bearer`).
 */
const KEY = "tenantry.session";

export interface Session {
  apiKey: string;
  identity: Schemas["CallerIdentity"];
}

let current: Session | null = read();
const listeners = new Set<() => void>();

function read(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function getSession(): Session | null {
  return current;
}

export function signIn(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
  current = session;
  for (const l of listeners) l();
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  current = null;
  for (const l of listeners) l();
}

export function useSession(): Session | null {
  const [session, setSession] = useState(current);
  useEffect(() => {
    const listener = () => setSession(current);
    listeners.add(listener);
    listener();
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return session;
}

/** Whether the signed-in key may change tenants (viewers may only read). */
export function canWrite(session: Session | null): boolean {
  return session !== null && session.identity.api_key.role !== "viewer";
}
