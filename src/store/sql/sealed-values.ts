import type { Queryable } from "../db.js";

/**
 * Where sealed values (SecretBox envelopes) live: one entry per table, with the column
 * that orders and names its rows and the columns that hold envelopes. Re-sealing after an
 * encryption key rotation walks this list; a table that holds sealed values is added here.
 */
export interface SealedTable {
  table: string;
  /** A unique, orderable column: batches are taken in its order. */
  id: string;
  columns: readonly string[];
  /** A condition on the rows that hold envelopes (settings: only the sealed ones). */
  where?: string;
  /** Skipped when the table does not exist (a table added by a later migration). */
  optional?: boolean;
}

export const SEALED_TABLES: readonly SealedTable[] = [
  { table: "tenants", id: "id", columns: ["secrets_enc", "generated_enc"] },
  { table: "resources", id: "id", columns: ["secret_outputs_enc"] },
  {
    table: "settings",
    id: "key",
    columns: ["value"],
    where: "key in ('encryption_key_check', 'secret_digest_key')",
  },
  // Organizations' own target credentials (issue 14): present once its migration is.
  { table: "target_credentials", id: "id", columns: ["secret_enc"], optional: true },
  // Webhook endpoints' signing secrets (issue 16).
  { table: "webhook_endpoints", id: "id", columns: ["secret_enc"], optional: true },
];

export async function tableExists(q: Queryable, table: string): Promise<boolean> {
  const { rows } = await q.query(
    "select 1 from information_schema.tables where table_schema = current_schema() and table_name = $1",
    [table],
  );
  return rows.length > 0;
}

/**
 * The next batch of rows of `t` after `after` (by its id column, as text), locked until
 * the end of the transaction so that no concurrent write of the same row is lost.
 */
export async function lockSealedBatch(
  q: Queryable,
  t: SealedTable,
  after: string | null,
  limit: number,
): Promise<{ id: string; values: Record<string, string | null> }[]> {
  const cols = t.columns.map((c) => `${quote(c)}`).join(", ");
  const conditions = [
    ...(t.where ? [`(${t.where})`] : []),
    ...(after === null ? [] : [`${quote(t.id)}::text > $2`]),
  ];
  const { rows } = await q.query<Record<string, string | null>>(
    `select ${quote(t.id)}::text as "__id", ${cols} from ${quote(t.table)}
      ${conditions.length ? `where ${conditions.join(" and ")}` : ""}
      order by ${quote(t.id)}::text limit $1 for update`,
    after === null ? [limit] : [limit, after],
  );
  return rows.map(({ __id, ...values }) => ({ id: String(__id), values }));
}

export async function updateSealedRow(
  q: Queryable,
  t: SealedTable,
  id: string,
  values: Record<string, string>,
): Promise<void> {
  const entries = Object.entries(values);
  if (entries.length === 0) return;
  await q.query(
    `update ${quote(t.table)} set ${entries.map(([c], i) => `${quote(c)} = $${i + 2}`).join(", ")}
      where ${quote(t.id)}::text = $1`,
    [id, ...entries.map(([, v]) => v)],
  );
}

/** Table and column names come from {@link SEALED_TABLES}, never from input; quoted all the same. */
function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
