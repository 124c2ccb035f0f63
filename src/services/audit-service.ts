import type { AuditEntry, NewAuditEntry } from "../domain/audit.js";
import type { Principal } from "../domain/types.js";
import type { Queryable } from "../store/db.js";
import { type AuditFilter, insertAuditEntry, listAuditEntries } from "../store/sql/audit.js";

export type { AuditFilter };

/** Appends an entry to the audit log (append-only: the database refuses changes and deletes). */
export function recordAudit(q: Queryable, entry: NewAuditEntry): Promise<string> {
  return insertAuditEntry(q, entry);
}

/** The principal's organization's entries matching `filter`, oldest first. */
export function auditLog(q: Queryable, principal: Principal, filter: AuditFilter): Promise<AuditEntry[]> {
  return listAuditEntries(q, principal.organizationId, filter);
}
