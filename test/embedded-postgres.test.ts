import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { type Logger, pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EmbeddedPostgres,
  EmbeddedPostgresError,
  startEmbeddedPostgres,
} from "../src/store/embedded-postgres.js";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const moduleUrl = pathToFileURL(path.join(projectRoot, "src/store/embedded-postgres.ts")).href;
const TIMEOUT = 60_000;

let root: string;
let template: string;
const running = new Set<EmbeddedPostgres>();
const children = new Set<ChildProcess>();

interface LogEntry {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function captureLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const logger = pino(
    { level: "debug" },
    { write: (line: string) => entries.push(JSON.parse(line) as LogEntry) },
  );
  return { logger, entries };
}

async function start(dataDir: string, logger?: Logger): Promise<EmbeddedPostgres> {
  const db = await startEmbeddedPostgres({ dataDir, logger });
  running.add(db);
  return db;
}

async function stop(db: EmbeddedPostgres): Promise<void> {
  await db.stop();
  running.delete(db);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A data dir holding a copy of the cluster initialised in beforeAll (saves an initdb per test). */
async function copyOfTemplate(name: string): Promise<string> {
  const dir = path.join(root, name);
  await fs.cp(template, dir, { recursive: true });
  return dir;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An orphan that exited may stay a zombie when pid 1 does not reap.
  return process.platform !== "linux" || !/\) Z /.test(readStat(pid));
}

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return ") Z "; // gone
  }
}

async function serverPid(dataDir: string): Promise<number> {
  const content = await fs.readFile(path.join(dataDir, "postgres", "postmaster.pid"), "utf8");
  return Number.parseInt(content.split("\n")[0] ?? "", 10);
}

/** Starts the cluster in a separate Node process (the module loaded through tsx); resolves once it is ready. */
async function startInChild(dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `const { startEmbeddedPostgres } = await import(${JSON.stringify(moduleUrl)});
       const db = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
       process.stdout.write("READY " + db.port + "\\n");
       process.on("SIGTERM", () => db.stop().then(() => process.exit(0)));
       setInterval(() => {}, 60_000);`,
    ],
    { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  child.once("exit", () => children.delete(child));
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 45_000;
  while (!output.includes("READY")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`child did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "tenantry-embedded-pg-"));
  // When the tests run as root the server runs as the `postgres` OS user, which must reach it.
  await fs.chmod(root, 0o755);
  template = path.join(root, "template");
  const db = await start(template);
  await query(db.url, "create table kept (value text); insert into kept values ('from the template')");
  await stop(db);
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const db of running) await db.stop().catch(() => {});
  if (root) await fs.rm(root, { recursive: true, force: true });
}, 60_000);

describe("startEmbeddedPostgres", () => {
  it(
    "initialises a new cluster once and keeps data and port across restarts",
    async () => {
      const dataDir = path.join(root, "fresh", "nested"); // created when missing
      const { logger, entries } = captureLogger();
      const first = await start(dataDir, logger);

      expect(first.url).toBe(
        `postgres://postgres:${new URL(first.url).password}@127.0.0.1:${first.port}/postgres`,
      );
      expect(first.port).not.toBe(5432);
      expect(await query(first.url, "select 1 as one")).toEqual([{ one: 1 }]);
      const [settings] = await query<{ listen: string; sockets: string }>(
        first.url,
        "select current_setting('listen_addresses') as listen, current_setting('unix_socket_directories') as sockets",
      );
      expect(settings).toEqual({ listen: "127.0.0.1", sockets: "" });
      await query(first.url, "create table survivor (id int primary key); insert into survivor values (42)");
      await fs.access(path.join(dataDir, "postgres", "PG_VERSION"));
      expect(entries.some((e) => e.msg.includes("initialising a new embedded PostgreSQL cluster"))).toBe(
        true,
      );

      // The password is only in the URL and the 0600 settings file, never in the log.
      const password = decodeURIComponent(new URL(first.url).password);
      expect(password.length).toBeGreaterThanOrEqual(24);
      expect(JSON.stringify(entries)).not.toContain(password);
      const settingsFile = path.join(dataDir, "postgres.json");
      expect((await fs.stat(settingsFile)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await fs.readFile(settingsFile, "utf8"))).toEqual({ port: first.port, password });

      await stop(first);
      await first.stop(); // safe twice
      await expect(fs.access(path.join(dataDir, "postgres", "postmaster.pid"))).rejects.toThrow();

      const again = captureLogger();
      const second = await start(dataDir, again.logger);
      expect(second.port).toBe(first.port);
      expect(second.url).toBe(first.url);
      expect(again.entries.some((e) => e.msg.includes("initialising"))).toBe(false);
      expect(await query(second.url, "select id from survivor")).toEqual([{ id: 42 }]);
      await stop(second);
    },
    TIMEOUT,
  );

  it(
    "restarts the server when it dies, on the same port, and logs why",
    async () => {
      const dataDir = await copyOfTemplate("supervised");
      const { logger, entries } = captureLogger();
      const db = await start(dataDir, logger);
      await query(
        db.url,
        "create table kept_across_a_crash (id int); insert into kept_across_a_crash values (7)",
      );
      const first = await serverPid(dataDir);
      process.kill(first, "SIGKILL");
      // Back, on the same URL, with its data.
      const deadline = Date.now() + 30_000;
      let rows: { id: number }[] | undefined;
      while (!rows) {
        rows = await query<{ id: number }>(db.url, "select id from kept_across_a_crash").catch(
          () => undefined,
        );
        if (!rows) {
          if (Date.now() > deadline) throw new Error("the embedded PostgreSQL did not come back");
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(rows).toEqual([{ id: 7 }]);
      expect(await serverPid(dataDir)).not.toBe(first);
      expect(entries.some((e) => e.msg === "embedded PostgreSQL exited unexpectedly; restarting it")).toBe(
        true,
      );
      expect(entries.some((e) => e.msg === "embedded PostgreSQL restarted")).toBe(true);
      await stop(db);
      await expect(fs.access(path.join(dataDir, "postgres", "postmaster.pid"))).rejects.toThrow();
    },
    TIMEOUT,
  );

  it(
    "recovers a server orphaned by a kill -9 of its Node parent",
    async () => {
      const dataDir = await copyOfTemplate("orphan");
      const child = await startInChild(dataDir);
      const orphanPid = await serverPid(dataDir);
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
      expect(isAlive(orphanPid)).toBe(true); // the server outlived its parent

      const { logger, entries } = captureLogger();
      const db = await start(dataDir, logger);
      expect(isAlive(orphanPid)).toBe(false);
      expect(await serverPid(dataDir)).not.toBe(orphanPid);
      const warning = entries.find(
        (e) => e.msg === `recovered an orphaned embedded PostgreSQL (pid ${orphanPid})`,
      );
      expect(warning?.level).toBe(40);
      expect(await query(db.url, "select value from kept")).toEqual([{ value: "from the template" }]);
      await stop(db);
    },
    TIMEOUT,
  );

  it(
    "leaves alone a server that a live process still owns",
    async () => {
      const dataDir = await copyOfTemplate("owned");
      const db = await start(dataDir);
      const pid = await serverPid(dataDir);
      // The same process asking again.
      const again = await startEmbeddedPostgres({ dataDir }).catch((err: unknown) => err);
      expect(again).toBeInstanceOf(EmbeddedPostgresError);
      expect((again as EmbeddedPostgresError).step).toBe("recover");
      expect(await query(db.url, "select 1 as one")).toEqual([{ one: 1 }]);
      await stop(db);
      expect(isAlive(pid)).toBe(false);

      // Another live Node process.
      const child = await startInChild(dataDir);
      const childServer = await serverPid(dataDir);
      const other = await startEmbeddedPostgres({ dataDir }).catch((err: unknown) => err);
      expect(other).toBeInstanceOf(EmbeddedPostgresError);
      expect((other as EmbeddedPostgresError).message).toContain("in use by a PostgreSQL");
      expect(isAlive(childServer)).toBe(true);
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
      expect(isAlive(childServer)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    "removes a stale postmaster.pid left by a crash",
    async () => {
      const dataDir = await copyOfTemplate("stale");
      const pidFile = path.join(dataDir, "postgres", "postmaster.pid");
      const { port } = JSON.parse(await fs.readFile(path.join(dataDir, "postgres.json"), "utf8")) as {
        port: number;
      };
      // A PID that surely is gone: a child that has exited and been reaped.
      const dead = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
      await once(dead, "exit");
      const deadPid = dead.pid!;
      expect(isAlive(deadPid)).toBe(false);

      // Same layout as a real postmaster.pid; first with a dead PID, then with a live PID that
      // is not PostgreSQL (a reused PID: this test process).
      for (const pid of [deadPid, process.pid]) {
        const clusterDir = path.join(dataDir, "postgres");
        await fs.writeFile(
          pidFile,
          `${pid}\n${clusterDir}\n${Math.floor(Date.now() / 1000)}\n${port}\n\n127.0.0.1\n  1234567     98304\nready   \n`,
        );
        const { logger, entries } = captureLogger();
        const db = await start(dataDir, logger);
        expect(
          entries.some((e) => e.level === 40 && e.msg.startsWith("removed a stale postmaster.pid")),
        ).toBe(true);
        expect(entries.some((e) => e.msg.startsWith("recovered an orphaned"))).toBe(false);
        expect(await query(db.url, "select value from kept")).toEqual([{ value: "from the template" }]);
        await stop(db);
      }
      expect(isAlive(process.pid)).toBe(true);
    },
    TIMEOUT,
  );

  it(
    "moves to a new port when the remembered one is taken",
    async () => {
      const dataDir = await copyOfTemplate("port");
      const settingsFile = path.join(dataDir, "postgres.json");
      const before = JSON.parse(await fs.readFile(settingsFile, "utf8")) as {
        port: number;
        password: string;
      };
      const squatter = net.createServer();
      await new Promise<void>((resolve, reject) => {
        squatter.once("error", reject);
        squatter.listen(before.port, "127.0.0.1", resolve);
      });
      try {
        const { logger, entries } = captureLogger();
        const db = await start(dataDir, logger);
        expect(db.port).not.toBe(before.port);
        expect(entries.some((e) => e.msg.includes("remembered port is taken"))).toBe(true);
        expect(await query(db.url, "select 1 as one")).toEqual([{ one: 1 }]);
        const after = JSON.parse(await fs.readFile(settingsFile, "utf8")) as {
          port: number;
          password: string;
        };
        expect(after).toEqual({ port: db.port, password: before.password });
        expect((await fs.stat(settingsFile)).mode & 0o777).toBe(0o600);
        await stop(db);
      } finally {
        await new Promise((resolve) => squatter.close(resolve));
      }
    },
    TIMEOUT,
  );

  it(
    "fails with an EmbeddedPostgresError naming the step and quoting the server output",
    async () => {
      const dataDir = await copyOfTemplate("broken");
      await fs.appendFile(path.join(dataDir, "postgres", "postgresql.auto.conf"), "no_such_setting = 1\n");
      const error = await startEmbeddedPostgres({ dataDir }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(EmbeddedPostgresError);
      const err = error as EmbeddedPostgresError;
      expect(err.step).toBe("start");
      expect(err.message).toContain("could not start the server");
      expect(err.message).toContain("no_such_setting");
      expect(err.message).not.toContain("undefined");
      expect(err.logTail.length).toBeGreaterThan(0);
      expect(err.logTail.length).toBeLessThanOrEqual(20);
    },
    TIMEOUT,
  );
});
