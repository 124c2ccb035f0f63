// The web service: a per-tenant page with a visit counter, a health check, stats and a job queue.
import http from "node:http";
import { createPool, ensureSchema, sleep } from "./schema.js";

const port = Number(process.env.PORT || 10000);
const tenant = {
  name: process.env.TENANT_NAME || process.env.TENANT_SLUG || "Tenant",
  slug: process.env.TENANT_SLUG || "",
};
const welcome = process.env.WELCOME || "";
const MAX_BODY = 64 * 1024;

const pool = createPool();
let schemaReady = false;
let stopping = false;

function escapeHtml(value) {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}

function send(res, status, type, body) {
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}

const sendJson = (res, status, value) =>
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value));

function page(count) {
  const name = escapeHtml(tenant.name);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f6f7f9; color: #1f2328; }
  main { background: #fff; padding: 2.5rem 3rem; border-radius: 12px; box-shadow: 0 1px 3px rgb(0 0 0 / 0.1); text-align: center; }
  h1 { margin: 0 0 0.25rem; font-size: 1.75rem; }
  .slug { color: #656d76; font-family: ui-monospace, monospace; margin: 0 0 1.5rem; }
  .count { font-size: 3rem; font-weight: 700; margin: 0; }
</style>
</head>
<body>
<main>
  <h1>${name}</h1>
  <p class="slug">${escapeHtml(tenant.slug)}</p>
  ${welcome ? `<p>${escapeHtml(welcome)}</p>` : ""}
  <p class="count" id="visits">${count}</p>
  <p>visits so far</p>
</main>
</body>
</html>
`;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error("request body too large"), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function enqueueJob(req, res) {
  const text = await readBody(req);
  let body = {};
  if (text.trim() !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      return sendJson(res, 400, { error: "the body must be JSON" });
    }
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return sendJson(res, 400, { error: "the body must be a JSON object" });
  }
  const kind = typeof body.kind === "string" && body.kind !== "" ? body.kind : "echo";
  const payload = body.payload ?? {};
  const { rows } = await pool.query(
    "insert into jobs (kind, payload) values ($1, $2) returning id, kind, status, created_at",
    [kind, JSON.stringify(payload)],
  );
  return sendJson(res, 202, rows[0]);
}

async function stats() {
  const { rows } = await pool.query(`
    select
      coalesce((select count from visits where id = 1), 0)::bigint as visits,
      (select count(*) from jobs where status = 'done')::bigint as jobs_done,
      (select max(at) from heartbeats) as last_heartbeat`);
  const row = rows[0];
  return {
    tenant,
    visits: Number(row.visits),
    jobs_done: Number(row.jobs_done),
    last_heartbeat: row.last_heartbeat ? row.last_heartbeat.toISOString() : null,
  };
}

async function handle(req, res) {
  const { pathname } = new URL(req.url ?? "/", "http://localhost");
  const route = `${req.method} ${pathname}`;

  if (route === "GET /health" || route === "HEAD /health") {
    if (!schemaReady || stopping) return send(res, 503, "text/plain; charset=utf-8", "unavailable");
    try {
      await pool.query("select 1");
      return send(res, 200, "text/plain; charset=utf-8", "ok");
    } catch {
      return send(res, 503, "text/plain; charset=utf-8", "database unavailable");
    }
  }
  if (!schemaReady) return send(res, 503, "text/plain; charset=utf-8", "starting");

  switch (route) {
    case "GET /": {
      const { rows } = await pool.query(
        `insert into visits (id, count) values (1, 1)
         on conflict (id) do update set count = visits.count + 1
         returning count`,
      );
      return send(res, 200, "text/html; charset=utf-8", page(Number(rows[0].count)));
    }
    case "GET /api/stats":
      return sendJson(res, 200, await stats());
    case "POST /api/jobs":
      return enqueueJob(req, res);
    default:
      return sendJson(res, 404, { error: "not found" });
  }
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(`${req.method} ${req.url}: ${err.message}`);
    if (!res.headersSent)
      sendJson(res, err.status ?? 500, { error: err.status ? err.message : "internal error" });
    else res.destroy();
  });
});

/** Creates the tables, retrying while the database is not reachable yet; /health is 503 until then. */
async function prepare() {
  for (let attempt = 1; !stopping; attempt++) {
    try {
      await ensureSchema(pool);
      schemaReady = true;
      console.log("database ready");
      return;
    } catch (err) {
      console.error(`database not ready (attempt ${attempt}): ${err.message}`);
      await sleep(Math.min(1000 * attempt, 5000));
    }
  }
}

async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down`);
  const force = setTimeout(() => {
    console.error("shutdown timed out");
    process.exit(1);
  }, 10_000);
  force.unref();
  await new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await pool.end();
  process.exit(0);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

server.listen(port, "0.0.0.0", () => {
  console.log(`${tenant.name} listening on http://0.0.0.0:${port}`);
});
await prepare();
