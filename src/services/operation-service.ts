import { TenantryError } from "../domain/errors.js";
import type { Operation, OperationStep, Principal } from "../domain/types.js";
import { isUuid } from "../lib/ids.js";
import type { Queryable } from "../store/db.js";
import { getOperation, listSteps, listTenantOperations } from "../store/sql/operations.js";

/** An operation of the principal's organization with its steps; 404 `OPERATION_NOT_FOUND` otherwise. */
export async function getOperationWithSteps(
  q: Queryable,
  principal: Principal,
  id: string,
): Promise<{ operation: Operation; steps: OperationStep[] }> {
  const operation = isUuid(id) ? await getOperation(q, principal.organizationId, id) : null;
  if (!operation) throw new TenantryError("OPERATION_NOT_FOUND", `no operation ${id}`);
  return { operation, steps: await listSteps(q, [operation.id]) };
}

/** A page of the tenant's operations, newest first (before the operation `before`), with their steps. */
export async function pageOfOperations(
  q: Queryable,
  tenantId: string,
  page: { before?: string; limit: number },
): Promise<{ operations: Operation[]; steps: OperationStep[]; more: boolean }> {
  const ops = await listTenantOperations(q, tenantId, { before: page.before, limit: page.limit + 1 });
  const operations = ops.slice(0, page.limit);
  const steps = await listSteps(
    q,
    operations.map((o) => o.id),
  );
  return { operations, steps, more: ops.length > page.limit };
}

/** The tenant's unfinished operation (queued or running) with its newest step, or null. */
export async function openOperation(
  q: Queryable,
  tenantId: string,
): Promise<{ operation: Operation; step: OperationStep | null } | null> {
  const latest = (await listTenantOperations(q, tenantId, { limit: 1 }))[0];
  if (!latest || (latest.status !== "queued" && latest.status !== "running")) return null;
  const steps = await listSteps(q, [latest.id]);
  return { operation: latest, step: steps.at(-1) ?? null };
}
