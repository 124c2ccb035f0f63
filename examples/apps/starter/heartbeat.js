// The cron job: records one heartbeat with the current time and exits (0 on success).
import { createPool, ensureSchema } from "./schema.js";

const pool = createPool({ max: 1 });
try {
  await ensureSchema(pool);
  const { rows } = await pool.query("insert into heartbeats default values returning id, at");
  console.log(`heartbeat ${rows[0].id} at ${rows[0].at.toISOString()}`);
  await pool.end();
  process.exit(0);
} catch (err) {
  console.error(`heartbeat failed: ${err.message}`);
  await pool.end().catch(() => {});
  process.exit(1);
}
