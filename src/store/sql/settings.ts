import type { Queryable } from "../db.js";

/** A setting's value, its row locked to the end of the transaction; undefined when it is not set. */
export async function lockSetting(q: Queryable, key: string): Promise<string | undefined> {
  const { rows } = await q.query<{ value: string }>("select value from settings where key = $1 for update", [
    key,
  ]);
  return rows[0]?.value;
}

/** Records a setting unless it is set already (the value first recorded stays). */
export async function insertSettingIfAbsent(q: Queryable, key: string, value: string): Promise<void> {
  await q.query("insert into settings (key, value) values ($1, $2) on conflict do nothing", [key, value]);
}
