import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "../src/store/free-port.js";
import { requestWithHost } from "./support/api.js";
import { projectRoot } from "./support/cli-harness.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";
import { isRunning, killSupervisedProcesses } from "./support/stray-processes.js";

/**
 * The README's quickstart, run as a user runs it: `npm start`'s server (`node dist/cli/main.js
 * serve`, on this file's own database, its data in `./.tenantry` of a fresh working
 * directory that holds the project) and every command of the quickstart's shell block,
 * verbatim, through `bash` — `npx tenantry …`, `curl …`. The only change: the port, 8080 in
 * the README, is a free one here (the server and the CLI both read `PORT`).
 *
 * Between the commands the test checks what each one claims: acme's page and its counter,
 * the cron job's row in acme's database, 503 while suspended, and after the delete that
 * the database, role, processes and files are all gone.
 */

const execFileP = promisify(execFile);
const readme = await fs.readFile(path.join(projectRoot, "README.md"), "utf8");
const hasCurl = spawnSync("curl", ["--version"]).status === 0;
if (!hasCurl)
  console.warn("[readme-quickstart] SKIPPED: curl is not installed (the README's commands use it)");

/** The quickstart section: its shell block's commands, and the inline `npx tenantry …` commands. */
function quickstart(): { commands: string[]; inline: string[] } {
  const start = readme.indexOf("## Quickstart");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end);
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  const commands = block
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const inline = [...section.matchAll(/`(npx tenantry [^`]+)`/g)].map((m) => m[1] ?? "");
  return { commands, inline };
}

/** The README's "same over HTTP" shell block (the one that exports TENANTRY_API_KEY). */
function httpBlock(): string {
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? "")
    .find((b) => b.includes("export TENANTRY_API_KEY"));
  if (!block) throw new Error("README: no shell block exporting TENANTRY_API_KEY");
  return block;
}

/** `dist/` as `npm start` builds it: rebuilt when missing or older than a source file. */
async function ensureBuilt(): Promise<void> {
  // The oldest of what the build makes (the server's entry point, the dashboard's page).
  const outputs = ["dist/cli/main.js", "dist/dashboard/index.html"];
  const times = await Promise.all(
    outputs.map((f) =>
      fs.stat(path.join(projectRoot, f)).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    ),
  );
  const built = Math.min(...times);
  let newest = 0;
  for (const dir of ["src", "dashboard"]) {
    for (const entry of await fs.readdir(path.join(projectRoot, dir), { recursive: true })) {
      const s = await fs.stat(path.join(projectRoot, dir, entry));
      if (s.isFile()) newest = Math.max(newest, s.mtimeMs);
    }
  }
  if (built >= newest) return;
  console.warn("[readme-quickstart] dist/ is missing or stale: running npm run build");
  await execFileP("npm", ["run", "build"], { cwd: projectRoot, timeout: 120_000 });
}

/** The environment without Tenantry settings from the developer's shell. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(TENANTRY_|PORT$|HOST$|DATABASE_URL$|LOG_LEVEL$|npm_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

let db: TestDatabase;
let work: string;
let port: number;
let server: ChildProcess | undefined;
let serverOutput = "";
let webHost = "";

async function sh(script: string, timeoutMs = 120_000): Promise<{ code: number | null; out: string }> {
  const child = spawn("bash", ["-c", script], {
    cwd: work,
    env: cleanEnv({ PORT: String(port) }),
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a timeout kills what the command started too (npx, the CLI).
    detached: true,
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  }, timeoutMs);
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  if (timedOut) out += `\n[readme-quickstart] killed after ${timeoutMs / 1000} s: it did not finish`;
  return { code, out };
}

/** Runs one README command with only the port changed; it must succeed. */
async function readmeCommand(command: string): Promise<string> {
  const { code, out } = await sh(command.replaceAll("localhost:8080", `localhost:${port}`));
  if (code !== 0)
    throw new Error(`README command failed (exit ${code}): ${command}\n${out}\nserver:\n${serverOutput}`);
  return out;
}

/** acme's page through the proxy (fetch cannot set a Host header). */
async function visits(): Promise<{ status: number; count: number | undefined; body: string }> {
  const { status, body } = await requestWithHost(`http://127.0.0.1:${port}`, `${webHost}:${port}`);
  const m = /id="visits">(\d+)</.exec(body);
  return { status, count: m ? Number(m[1]) : undefined, body };
}

async function adminQuery<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.adminUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

interface TenantJson {
  id: string;
  status: string;
  resources: { key: string; name: string; outputs: Record<string, unknown> }[];
}

async function tenantJson(): Promise<TenantJson> {
  const { code, out } = await sh("npx tenantry tenants get acme -o json 2>/dev/null");
  if (code !== 0) throw new Error(`tenants get failed: ${out}`);
  return JSON.parse(out) as TenantJson;
}

/** acme's directories under the data directory's `tenants/` (`acme-<hash of its id>`). */
async function acmeDirs(): Promise<string[]> {
  const entries = await fs.readdir(path.join(work, ".tenantry", "tenants")).catch(() => [] as string[]);
  return entries.filter((e) => e.startsWith("acme-"));
}

describe.skipIf(!hasCurl)("the README quickstart, command by command", () => {
  beforeAll(async () => {
    await ensureBuilt();
    db = await createTestDatabase();
    work = await fs.mkdtemp(path.join(os.tmpdir(), "tenantry-readme-"));
    // A working directory that is the project, as after `git clone` + `npm install`.
    for (const entry of ["package.json", "dist", "node_modules", "examples"]) {
      await fs.symlink(path.join(projectRoot, entry), path.join(work, entry));
    }
    port = await findFreePort();
    server = spawn(process.execPath, ["dist/cli/main.js", "serve"], {
      cwd: work,
      env: cleanEnv({
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: db.url,
        TENANTRY_LOCAL_POSTGRES_URL: db.adminUrl,
        LOG_LEVEL: "warn",
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout?.on("data", (d: Buffer) => {
      serverOutput += d.toString();
    });
    server.stderr?.on("data", (d: Buffer) => {
      serverOutput += d.toString();
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the server exited:\n${serverOutput}`);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready && existsSync(path.join(work, ".tenantry", "admin-api-key"))) break;
      if (Date.now() > deadline) throw new Error(`the server was not ready in 60 s:\n${serverOutput}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 180_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = once(server, "exit");
      server.kill("SIGTERM");
      await exited;
    }
    if (work) {
      await killSupervisedProcesses(path.join(work, ".tenantry"));
      await fs.rm(work, { recursive: true, force: true });
    }
    await db?.drop();
  }, 60_000);

  it("runs every quickstart command and each does what the README says", async () => {
    const { commands, inline } = quickstart();
    // The quickstart this test walks through; a changed README must be re-checked here.
    expect(commands.map((c) => c.split(/\s+/).slice(0, 4).join(" "))).toEqual([
      "npx tenantry blueprints push",
      "npx tenantry tenants create",
      'curl "$(npx tenantry tenants',
      "npx tenantry jobs run",
      "npx tenantry logs acme",
      "npx tenantry tenants status",
      "npx tenantry tenants get",
      "npx tenantry tenants suspend",
      "npx tenantry tenants resume",
      "npx tenantry tenants events",
      "npx tenantry tenants delete",
      "npx tenantry tenants list",
    ]);
    const [push, create, curl, runJob, logs, status, get, suspend, resume, events, del, list] = commands as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];

    expect(await readmeCommand(push)).toMatch(/starter/);
    expect(await readmeCommand(create)).toMatch(/active/);
    // The web service's host: its platform name (with the tenant's discriminator).
    const web = (await tenantJson()).resources.find((r) => r.key === "service:web");
    webHost = `${String(web?.name)}.localhost`;
    expect(webHost).toMatch(/^web-acme-[a-z2-7]{8}\.localhost$/);

    // acme's own page, its counter growing in acme's database.
    const page = await readmeCommand(curl);
    expect(page).toMatch(/<h1>acme<\/h1>/);
    const first = Number(/id="visits">(\d+)</.exec(page)?.[1]);
    expect(first).toBeGreaterThanOrEqual(1);
    expect((await visits()).count).toBe(first + 1);

    // The cron job ran now, wrote its heartbeat row, and its output is in the logs.
    expect(await readmeCommand(runJob)).toMatch(/exit code 0/);
    const tenant = await tenantJson();
    const dbOut = tenant.resources.find((r) => r.key === "database:app-db")?.outputs ?? {};
    const database = String(dbOut["database"]);
    const role = String(dbOut["user"]);
    const heartbeat = tenant.resources.find((r) => r.key === "service:heartbeat")?.outputs ?? {};
    // The job's schedule (every five minutes, on the clock) may also have fired during
    // the test: every run, on demand or scheduled, writes one heartbeat row.
    expect(heartbeat).toMatchObject({ lastExitCode: 0 });
    const runs = Number(heartbeat["runs"]);
    expect(runs).toBeGreaterThanOrEqual(1);
    const acmeDb = new pg.Client({ connectionString: db.adminUrl.replace(/\/[^/]*$/, `/${database}`) });
    await acmeDb.connect();
    const { rows } = await acmeDb.query<{ n: string }>("select count(*) as n from heartbeats");
    await acmeDb.end();
    expect(Number(rows[0]?.n)).toBe(runs);
    expect(await readmeCommand(logs)).toMatch(new RegExp(`\\[cron\\] heartbeat ${runs} at `));

    expect(await readmeCommand(status)).toMatch(/active/);
    const got = await readmeCommand(get);
    expect(got).toContain(`http://${webHost}:${port}`);
    expect(got).toContain(database);

    // Suspended: no process of acme's left, and the site answers 503.
    const pidFiles = path.join(work, ".tenantry", "supervisor");
    const pgids: number[] = [];
    for (const f of (await fs.readdir(pidFiles)).filter((f) => f.endsWith(".pid"))) {
      const { pgid } = JSON.parse(await fs.readFile(path.join(pidFiles, f), "utf8")) as { pgid: number };
      pgids.push(pgid);
    }
    expect(pgids.length).toBe(2); // web and worker
    expect(pgids.every(isRunning)).toBe(true);
    expect(await readmeCommand(suspend)).toMatch(/suspended/);
    expect((await visits()).status).toBe(503);
    expect(pgids.some(isRunning)).toBe(false);

    expect(await readmeCommand(resume)).toMatch(/active/);
    const resumed = await visits();
    expect(resumed.status).toBe(200);
    expect(resumed.count).toBe(first + 2); // the data was kept

    const timeline = await readmeCommand(events);
    expect(timeline).toMatch(/suspended/);
    expect(timeline).toMatch(/run started on demand/);

    // Deleted and verified gone: database, role, processes, files.
    expect(await acmeDirs()).toHaveLength(1);
    expect(await readmeCommand(del)).toMatch(/destroyed/);
    expect(await adminQuery("select 1 from pg_database where datname = $1", [database])).toEqual([]);
    expect(await adminQuery("select 1 from pg_roles where rolname = $1", [role])).toEqual([]);
    const after = (await fs.readdir(pidFiles)).filter((f) => f.endsWith(".pid"));
    expect(after).toEqual([]);
    expect(await acmeDirs()).toEqual([]);
    expect((await visits()).status).toBe(404);
    expect(await readmeCommand(list)).toMatch(/acme\s.*destroyed/);

    // The inline commands of the section (validate, cost) work as written.
    expect(inline.length).toBeGreaterThanOrEqual(2);
    for (const command of inline) await readmeCommand(command);
  }, 300_000);

  it("serves the dashboard the README tells to open, built into the package", async () => {
    expect(readme).toContain("Open <http://localhost:8080/>");
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await page.text();
    expect(html).toContain('<div id="app"></div>');
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const res = await fetch(`http://127.0.0.1:${port}${asset}`);
      expect(res.status, asset).toBe(200);
      await res.arrayBuffer();
    }
  });

  it("runs the README's HTTP example as written", async () => {
    const { code, out } = await sh(
      `set -euo pipefail\n${httpBlock().replaceAll("localhost:8080", `localhost:${port}`)}`,
    );
    expect(code, out).toBe(0);
    // create → 201 with the tenant queued; status; delete (of a queued or live tenant).
    expect(out).toMatch(/"slug":"globex"/);
    expect(out).toMatch(/"status":"queued"/);
    expect(out).not.toMatch(/"type":"about:blank"|"code":"[A-Z_]+"/);
    // The delete finishes (its database, if the create got that far, is dropped).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { out: statusOut } = await sh("npx tenantry tenants status globex -o json 2>/dev/null");
      if (/"status":\s*"destroyed"/.test(statusOut)) break;
      if (Date.now() > deadline) throw new Error(`globex was not destroyed in 30 s: ${statusOut}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }, 60_000);
});
