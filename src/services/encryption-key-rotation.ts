import type { SecretBox } from "../lib/crypto.js";
import type { Db } from "../store/db.js";
import {
  lockSealedBatch,
  SEALED_TABLES,
  type SealedTable,
  tableExists,
  updateSealedRow,
} from "../store/sql/sealed-values.js";

/** What re-sealing did to one table's column. */
export interface ResealCount {
  table: string;
  column: string;
  /** Values opened with a previous key (or an old envelope format) and sealed anew. */
  resealed: number;
  /** Values already sealed with the current key: left as they are. */
  current: number;
}

/**
 * Rows per transaction: small enough that a batch holds its row locks only briefly while
 * the API and workers keep writing, large enough that a fleet's tenants take few round trips.
 */
export const RESEAL_BATCH_SIZE = 200;

/**
 * Re-seals every sealed value in the database with `box`'s current key (after
 * `TENANTRY_ENCRYPTION_KEY` was changed and the old key moved to
 * `TENANTRY_ENCRYPTION_KEY_PREVIOUS`). Batches of rows, each in its own transaction with
 * the rows locked; a value already sealed with the current key is left alone, so the
 * command is idempotent and, stopped half-way, resumes where it left off. Once it has
 * finished, no value needs a previous key. A value no key opens stops it with an error
 * naming the row (nothing of that batch is written).
 */
export async function resealAll(
  db: Db,
  box: SecretBox,
  options: { batchSize?: number; tables?: readonly SealedTable[]; onBatch?: (c: ResealCount[]) => void } = {},
): Promise<ResealCount[]> {
  const batchSize = options.batchSize ?? RESEAL_BATCH_SIZE;
  const counts: ResealCount[] = [];
  for (const t of options.tables ?? SEALED_TABLES) {
    if (t.optional && !(await tableExists(db, t.table))) continue;
    const mine = t.columns.map((column) => ({ table: t.table, column, resealed: 0, current: 0 }));
    counts.push(...mine);
    let after: string | null = null;
    for (;;) {
      const last: string | null = await db.tx(async (q) => {
        const rows = await lockSealedBatch(q, t, after, batchSize);
        for (const row of rows) {
          const changed: Record<string, string> = {};
          mine.forEach((count, i) => {
            const column = t.columns[i] as string;
            const value = row.values[column];
            if (value === null || value === undefined) return;
            if (box.isCurrent(value)) {
              count.current++;
              return;
            }
            let plain: string;
            try {
              plain = box.open(value);
            } catch (err) {
              throw new Error(
                `${t.table}.${column} of ${t.id} ${row.id}: ${(err as Error).message} (is the key it was sealed with in TENANTRY_ENCRYPTION_KEY_PREVIOUS?)`,
              );
            }
            changed[column] = box.seal(plain);
            count.resealed++;
          });
          await updateSealedRow(q, t, row.id, changed);
        }
        return rows.length < batchSize ? null : (rows[rows.length - 1]?.id ?? null);
      });
      options.onBatch?.(counts);
      if (last === null) break;
      after = last;
    }
  }
  return counts;
}
