import type { AuditEntry, AuditOutcome, NewAuditEntry } from "../../domain/audit.js";
import { newId } from "../../lib/ids.js";
import type { Queryable } from "../db.js";

/** Appends one entry; an API key's name is looked up when the entry does not carry it. */
export async function insertAuditEntry(q: Queryable, e: NewAuditEntry): Promise<string> {
  const id = newId();
  const key = e.actor.type === "api_key" ? e.actor : null;
  await q.query(
    `insert into audit_log (id, actor_type, actor_id, actor_name, organization_id, request_id, tenant_id,
       operation_id, action, outcome, status, summary)
     values ($1, $2, $3::uuid,
       coalesce($4, (select name from api_keys where id = $3::uuid), case when $3::uuid is null then 'system' else 'unknown' end),
       $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      id,
      e.actor.type,
      key?.id ?? null,
      key?.name ?? null,
      e.organizationId,
      e.requestId,
      e.tenantId,
      e.operationId,
      e.action,
      e.outcome,
      e.status,
      e.summary,
    ],
  );
  return id;
}

export interface AuditFilter {
  tenantId?: string;
  /** An API key's id, or `system`. */
  actor?: string;
  /** Exact, or a prefix when it ends with `.` (`tenant.`) or `*` (`provider.*`). */
  action?: string;
  since?: Date;
  until?: Date;
  requestId?: string;
  /** Entries after this id (the previous page's last). */
  after?: string;
  limit: number;
}

/** The organization's entries matching `filter`, oldest first. */
export async function listAuditEntries(
  q: Queryable,
  organizationId: string,
  filter: AuditFilter,
): Promise<AuditEntry[]> {
  const where = ["organization_id = $1"];
  const args: unknown[] = [organizationId];
  const add = (sql: string, value: unknown) => {
    args.push(value);
    where.push(sql.replace("?", `$${args.length}`));
  };
  if (filter.tenantId) add("tenant_id = ?", filter.tenantId);
  if (filter.actor === "system") where.push("actor_type = 'system'");
  else if (filter.actor) add("actor_id = ?", filter.actor);
  if (filter.action) {
    const prefix = filter.action.endsWith("*")
      ? filter.action.slice(0, -1)
      : filter.action.endsWith(".")
        ? filter.action
        : null;
    if (prefix !== null) add("starts_with(action, ?)", prefix);
    else add("action = ?", filter.action);
  }
  if (filter.since) add("at >= ?", filter.since);
  if (filter.until) add("at < ?", filter.until);
  if (filter.requestId) add("request_id = ?", filter.requestId);
  if (filter.after) add("id > ?", filter.after);
  args.push(filter.limit);
  const { rows } = await q.query(
    `select * from audit_log where ${where.join(" and ")} order by id limit $${args.length}`,
    args,
  );
  return rows.map(toAuditEntry);
}

function toAuditEntry(r: Record<string, unknown>): AuditEntry {
  return {
    id: r["id"] as string,
    at: r["at"] as Date,
    actor:
      r["actor_type"] === "api_key"
        ? { type: "api_key", id: r["actor_id"] as string, name: r["actor_name"] as string }
        : { type: "system" },
    organizationId: r["organization_id"] as string,
    requestId: (r["request_id"] as string | null) ?? null,
    tenantId: (r["tenant_id"] as string | null) ?? null,
    operationId: (r["operation_id"] as string | null) ?? null,
    action: r["action"] as string,
    outcome: r["outcome"] as AuditOutcome,
    status: (r["status"] as number | null) ?? null,
    summary: (r["summary"] as Record<string, unknown>) ?? {},
  };
}
