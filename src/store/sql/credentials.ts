import type { CredentialKind } from "../../domain/credentials.js";
import { newId } from "../../lib/ids.js";
import type { Queryable } from "../db.js";

/**
 * `target_credentials` (migration 0009): an organization's own credential per target.
 * `secret_enc` is sealed by the caller (SecretBox) and only read by {@link findCredentialForUse}.
 */

export type { CredentialKind };
export type CredentialStatus = "ok" | "access_error";

export interface CredentialRow {
  id: string;
  organizationId: string;
  target: string;
  name: string;
  kind: CredentialKind;
  /** What may be shown: workspace id, server URL, last four characters of a key… */
  display: Record<string, string>;
  status: CredentialStatus;
  version: number;
  lastCheckedAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, organization_id, target, name, kind, display, status, version, last_checked_at,
  last_error, created_at, updated_at`;

function toCredential(r: Record<string, unknown>): CredentialRow {
  return {
    id: r["id"] as string,
    organizationId: r["organization_id"] as string,
    target: r["target"] as string,
    name: r["name"] as string,
    kind: r["kind"] as CredentialKind,
    display: (r["display"] as Record<string, string>) ?? {},
    status: r["status"] as CredentialStatus,
    version: r["version"] as number,
    lastCheckedAt: (r["last_checked_at"] as Date | null) ?? null,
    lastError: (r["last_error"] as string | null) ?? null,
    createdAt: r["created_at"] as Date,
    updatedAt: r["updated_at"] as Date,
  };
}

export async function listCredentials(q: Queryable, organizationId: string): Promise<CredentialRow[]> {
  const { rows } = await q.query(
    `select ${COLUMNS} from target_credentials where organization_id = $1 order by target, id`,
    [organizationId],
  );
  return rows.map(toCredential);
}

export async function findCredential(
  q: Queryable,
  organizationId: string,
  id: string,
  forUpdate = false,
): Promise<CredentialRow | null> {
  const { rows } = await q.query(
    `select ${COLUMNS} from target_credentials where organization_id = $1 and id = $2${forUpdate ? " for update" : ""}`,
    [organizationId, id],
  );
  return rows[0] ? toCredential(rows[0]) : null;
}

export async function findCredentialByTarget(
  q: Queryable,
  organizationId: string,
  target: string,
  forUpdate = false,
): Promise<CredentialRow | null> {
  const { rows } = await q.query(
    `select ${COLUMNS} from target_credentials where organization_id = $1 and target = $2${forUpdate ? " for update" : ""}`,
    [organizationId, target],
  );
  return rows[0] ? toCredential(rows[0]) : null;
}

/** The credential with its sealed secret, for a provider that is about to use it. */
export async function findCredentialForUse(
  q: Queryable,
  organizationId: string,
  target: string,
): Promise<(CredentialRow & { secretEnc: string }) | null> {
  const { rows } = await q.query(
    `select ${COLUMNS}, secret_enc from target_credentials where organization_id = $1 and target = $2`,
    [organizationId, target],
  );
  const row = rows[0];
  return row ? { ...toCredential(row), secretEnc: row["secret_enc"] as string } : null;
}

export interface CredentialWrite {
  organizationId: string;
  target: string;
  name: string;
  kind: CredentialKind;
  secretEnc: string;
  display: Record<string, string>;
}

/** Registers the organization's credential for the target, or replaces it (`version` + 1); checked just now. */
export async function upsertCredential(q: Queryable, c: CredentialWrite): Promise<CredentialRow> {
  const { rows } = await q.query(
    `insert into target_credentials (id, organization_id, target, name, kind, secret_enc, display, last_checked_at)
     values ($1, $2, $3, $4, $5, $6, $7, now())
     on conflict (organization_id, target) do update set
       name = excluded.name, kind = excluded.kind, secret_enc = excluded.secret_enc,
       display = excluded.display, status = 'ok', last_error = null, last_checked_at = now(),
       version = target_credentials.version + 1, updated_at = now()
     returning ${COLUMNS}`,
    [newId(), c.organizationId, c.target, c.name, c.kind, c.secretEnc, c.display],
  );
  return toCredential(rows[0] as Record<string, unknown>);
}

/** The outcome of a check: `ok`, or `access_error` with why. */
export async function setCredentialStatus(
  q: Queryable,
  id: string,
  status: CredentialStatus,
  error: string | null,
): Promise<CredentialRow | null> {
  const { rows } = await q.query(
    `update target_credentials set status = $2, last_error = $3, last_checked_at = now(), updated_at = now()
      where id = $1 returning ${COLUMNS}`,
    [id, status, error],
  );
  return rows[0] ? toCredential(rows[0]) : null;
}

export async function deleteCredential(q: Queryable, id: string): Promise<void> {
  await q.query("delete from target_credentials where id = $1", [id]);
}

/** How many of the organization's tenants on the target are not destroyed (they use its credential). */
export async function countLiveTenantsOnTarget(
  q: Queryable,
  organizationId: string,
  target: string,
): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    "select count(*)::int as n from tenants where organization_id = $1 and target = $2 and status <> 'destroyed'",
    [organizationId, target],
  );
  return rows[0]?.n ?? 0;
}

const CONDITION_NOW = `to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Puts `access_error` on every live tenant of the organization on the target (keeping
 * when it was first seen), and only theirs; returns their ids.
 */
export async function setAccessErrorOnTenants(
  q: Queryable,
  organizationId: string,
  target: string,
  message: string,
): Promise<string[]> {
  // Each tenant that did not have the condition yet gets a `condition.raised` event.
  const { rows } = await q.query<{ id: string }>(
    `with before as (
       select id from tenants
       where organization_id = $1 and target = $2 and status <> 'destroyed'
         and not conditions @> '[{"type":"access_error"}]'),
     u as (
       update tenants set conditions =
         (select coalesce(jsonb_agg(c), '[]'::jsonb) from jsonb_array_elements(conditions) c where c->>'type' <> 'access_error')
         || jsonb_build_array(jsonb_build_object('type', 'access_error', 'message', $3::text, 'since',
              coalesce((select c->>'since' from jsonb_array_elements(conditions) c where c->>'type' = 'access_error' limit 1),
                       ${CONDITION_NOW})))
       where organization_id = $1 and target = $2 and status <> 'destroyed'
       returning id, organization_id, conditions),
     e as (
       insert into events (organization_id, tenant_id, type, message, data)
       select u.organization_id, u.id, 'condition.raised', 'access_error: ' || $3::text,
         jsonb_build_object('condition', 'access_error', 'message', $3::text,
           'since', (select c->'since' from jsonb_array_elements(u.conditions) c where c->>'type' = 'access_error' limit 1))
       from u where u.id in (select id from before))
     select id from u`,
    [organizationId, target, message],
  );
  return rows.map((r) => r.id);
}

/** Clears `access_error` from the organization's tenants on the target (the credential works again). */
export async function clearAccessErrorOnTenants(
  q: Queryable,
  organizationId: string,
  target: string,
): Promise<void> {
  await q.query(
    `with before as (
       select id, (select c->'since' from jsonb_array_elements(conditions) c where c->>'type' = 'access_error' limit 1) as since
       from tenants where organization_id = $1 and target = $2 and conditions @> '[{"type":"access_error"}]'),
     u as (
       update tenants set conditions =
         (select coalesce(jsonb_agg(c), '[]'::jsonb) from jsonb_array_elements(conditions) c where c->>'type' <> 'access_error')
       where id in (select id from before)
       returning id, organization_id)
     insert into events (organization_id, tenant_id, type, message, data)
     select u.organization_id, u.id, 'condition.cleared', 'access_error cleared: the credential works again',
       jsonb_build_object('condition', 'access_error', 'since', b.since)
     from u join before b on b.id = u.id`,
    [organizationId, target],
  );
}
