// The background worker: takes queued jobs one at a time (FOR UPDATE SKIP LOCKED, so several
// workers can run side by side), records the result and marks them done; polls every second.
import { createPool, ensureSchema } from "./schema.js";

const POLL_MS = 1000;
const pool = createPool({ max: 2 });
let stopping = false;
let wake = () => {};

/** What a job does. Unknown kinds fail with a recorded reason instead of blocking the queue. */
function run(kind, payload) {
  switch (kind) {
    case "echo":
      return { echo: payload };
    case "wordcount": {
      const text = typeof payload?.text === "string" ? payload.text : "";
      return { words: text.split(/\s+/).filter(Boolean).length };
    }
    default:
      throw new Error(`unknown job kind: ${kind}`);
  }
}

/** Processes one job if there is one; returns whether it did. */
async function processOne() {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const { rows } = await client.query(
      `select id, kind, payload from jobs
       where status = 'queued'
       order by id
       limit 1
       for update skip locked`,
    );
    const job = rows[0];
    if (!job) {
      await client.query("commit");
      return false;
    }
    let status = "done";
    let result;
    try {
      result = await run(job.kind, job.payload);
    } catch (err) {
      status = "failed";
      result = { error: err.message };
    }
    await client.query("update jobs set status = $2, result = $3, done_at = now() where id = $1", [
      job.id,
      status,
      JSON.stringify(result ?? null),
    ]);
    await client.query("commit");
    console.log(`job ${job.id} (${job.kind}): ${status}`);
    return true;
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Waits `ms`, or less when SIGTERM arrives. */
function pause(ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

async function main() {
  for (let attempt = 1; !stopping; attempt++) {
    try {
      await ensureSchema(pool);
      break;
    } catch (err) {
      console.error(`database not ready (attempt ${attempt}): ${err.message}`);
      await pause(Math.min(1000 * attempt, 5000));
    }
  }
  if (!stopping) console.log("worker started");
  while (!stopping) {
    try {
      // Drain the queue, then wait for the next poll.
      let more = true;
      while (more && !stopping) more = await processOne();
    } catch (err) {
      console.error(`worker: ${err.message}`);
    }
    if (!stopping) await pause(POLL_MS);
  }
  await pool.end();
  console.log("worker stopped");
}

function stop(signal) {
  if (stopping) return;
  console.log(`${signal}: finishing the current job`);
  stopping = true;
  wake();
  setTimeout(() => {
    console.error("shutdown timed out");
    process.exit(1);
  }, 10_000).unref();
}

process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

await main();
process.exit(0);
