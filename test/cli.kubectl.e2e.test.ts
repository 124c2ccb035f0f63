import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { ApiClient as CliClient, type TenantEvent } from "../src/cli/api-client.js";
import { stripColor } from "../src/cli/color.js";
import { appendEvent } from "../src/store/sql/events.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from "./support/app.js";
import { cleanEnv, projectRoot } from "./support/cli-harness.js";
import { runCli } from "./support/cli-in-process.js";
import { addOrganization } from "./support/organizations.js";

/**
 * The CLI's kubectl-like surface against a real server (in this process, listening):
 * `-o` formats, exit codes, colour, login and contexts, `--watch`, `events -f` and the
 * event stream's reconnect. Commands run in-process (src/cli/program.ts) where they can;
 * the ones that need Ctrl-C or stdin run as child processes.
 */

let t: TestApp;
let base: string;
let api: ApiClient;
let tmp: string;
let configFile: string;
let orgId: string;
let alpha: { id: string; slug: string };

/** In-process, against the test server, with a config file of this file's own. */
const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, {
    TENANTRY_URL: base,
    TENANTRY_API_KEY: ADMIN_KEY,
    TENANTRY_CONFIG: configFile,
    FORCE_COLOR: undefined,
    NO_COLOR: undefined,
    ...env,
  });
const ok = async (args: string[], env?: Record<string, string | undefined>) => {
  const r = await cli(args, env);
  expect(r.code, `tenantry ${args.join(" ")}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};

async function closedPort(): Promise<number> {
  const srv = net.createServer().listen(0, "127.0.0.1");
  await once(srv, "listening");
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

beforeAll(async () => {
  t = await startTestApp({ env: { PORT: "0", HOST: "127.0.0.1", TENANTRY_WORKER_CONCURRENCY: "2" } });
  base = await t.app.listen();
  api = apiClient(t);
  tmp = await mkdtemp(path.join(os.tmpdir(), "tenantry-cli-kubectl-"));
  configFile = path.join(tmp, "config", "tenantry", "config.yaml");
  await api.json("POST", "/v1/blueprints", { name: "empty", source: "databases: []\n" });
  alpha = (
    await api.json("POST", "/v1/tenants", { name: "Alpha Co", blueprint: "empty", labels: { tier: "gold" } })
  ).tenant;
  await api.json("POST", "/v1/tenants", { name: "Beta Co", blueprint: "empty" });
  await api.waitForTenant("alpha-co", "active");
  await api.waitForTenant("beta-co", "active");
  orgId = (await api.json("GET", "/v1/organization")).organization.id;
}, 90_000);
afterAll(async () => {
  await t?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("-o table|wide|json|yaml|name", () => {
  it("prints tables by default, more columns with wide, kind/name lines with name", async () => {
    const plain = await ok(["tenants", "list"]);
    const lines = plain.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^SLUG +NAME +STATUS +TARGET +BLUEPRINT +CREATED$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 3))).toEqual([
      ["alpha-co", "Alpha Co", "active"],
      ["beta-co", "Beta Co", "active"],
    ]);
    // The old name of the default still works.
    expect((await ok(["tenants", "list", "-o", "text"])).stdout).toBe(plain.stdout);

    const wide = (await ok(["tenants", "list", "-o", "wide"])).stdout.split("\n");
    expect(wide[0]).toMatch(/ GENERATION +LABELS +ID +ERROR$/);
    expect(wide[1]).toContain("tier=gold");
    expect(wide[1]).toContain(alpha.id);

    expect((await ok(["tenants", "list", "-o", "name"])).stdout).toBe("tenant/alpha-co\ntenant/beta-co\n");
    expect((await ok(["tenants", "get", alpha.id, "-o", "name"])).stdout).toBe("tenant/alpha-co\n");
    // What -o name prints is an argument too (as kubectl's kind/name).
    expect((await ok(["tenants", "status", "tenant/alpha-co", "-o", "name"])).stdout).toBe(
      "tenant/alpha-co\n",
    );
    expect((await ok(["blueprints", "list", "-o", "name"])).stdout).toBe("blueprint/empty\n");
    expect((await ok(["orgs", "list", "-o", "name"])).stdout).toContain("organization/");
    const events = (await ok(["tenants", "events", "alpha-co", "-o", "name"])).stdout.trimEnd().split("\n");
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((l) => /^event\/\d+$/.test(l))).toBe(true);
    const keys = (await ok(["keys", "list", "-o", "name"])).stdout.trimEnd().split("\n");
    expect(keys.every((l) => /^apikey\/[0-9a-f-]{36}$/.test(l))).toBe(true);
  });

  it("prints YAML and JSON documents of the same data", async () => {
    const yaml = YAML.parse((await ok(["tenants", "list", "-o", "yaml"])).stdout) as { slug: string }[];
    const json = JSON.parse((await ok(["tenants", "list", "-o", "json"])).stdout) as { slug: string }[];
    expect(yaml).toEqual(json);
    expect(yaml.map((x) => x.slug)).toEqual(["alpha-co", "beta-co"]);
    const one = YAML.parse((await ok(["tenants", "get", "alpha-co", "-o", "yaml"])).stdout);
    expect(one).toMatchObject({ id: alpha.id, labels: { tier: "gold" }, resources: [] });
    const op = (await api.json("GET", `/v1/tenants/${alpha.id}/operations`)).data[0];
    expect((await ok(["operations", "get", op.id, "-o", "name"])).stdout).toBe(`operation/${op.id}\n`);
    expect(YAML.parse((await ok(["operations", "get", op.id, "-o", "yaml"])).stdout).id).toBe(op.id);
  });

  it("refuses an unknown format and -o name where there are no names (usage, exit 2)", async () => {
    const bad = await cli(["tenants", "list", "-o", "xml"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected one of table, wide, json, yaml, name");
    const noNames = await cli(["info", "-o", "name"]);
    expect(noNames.code).toBe(2);
    expect(noNames.stderr).toContain("-o name");
  });
});

describe("exit codes (src/cli/exit-codes.ts)", () => {
  it("0 success, 1 API refusal, 2 usage, 3 not found, 5 unreachable (4: see the last test)", async () => {
    expect((await cli(["tenants", "list"])).code).toBe(0);

    const refused = await cli(["tenants", "resume", "alpha-co"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("TRANSITION_NOT_ALLOWED");
    expect((await cli(["tenants", "list"], { TENANTRY_API_KEY: "tnt_wrong" })).code).toBe(1);

    for (const args of [
      ["tenants", "list", "--bogus"],
      ["tenants", "frobnicate"],
      ["tenants", "get"],
      ["tenants", "list", "--limit", "0"],
      ["tenants", "update", "alpha-co"],
    ]) {
      expect((await cli(args)).code, args.join(" ")).toBe(2);
    }
    expect((await cli(["--help"])).code).toBe(0);

    const missing = await cli(["tenants", "get", "no-such-tenant"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("TENANT_NOT_FOUND");
    expect((await cli(["operations", "get", "00000000-0000-7000-8000-000000000000"])).code).toBe(3);

    const unreachable = await cli(["tenants", "list"], {
      TENANTRY_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toContain("cannot reach Tenantry");
  });
});

describe("colour", () => {
  const GREEN_ACTIVE = "\x1b[32mactive\x1b[39m";
  it("colours the status column with FORCE_COLOR, keeping the columns aligned", async () => {
    const plain = (await ok(["tenants", "list"])).stdout;
    const forced = (await ok(["tenants", "list"], { FORCE_COLOR: "1" })).stdout;
    expect(forced).toContain(GREEN_ACTIVE);
    expect(stripColor(forced)).toBe(plain);
    expect((await ok(["tenants", "get", "alpha-co"], { FORCE_COLOR: "1" })).stdout).toContain(GREEN_ACTIVE);
  });

  it("has none when stdout is not a terminal, with NO_COLOR, TERM=dumb or --no-color", async () => {
    // These tests' stdout is not a TTY.
    for (const [args, env] of [
      [["tenants", "list"], {}],
      [["tenants", "list"], { NO_COLOR: "" }],
      [["tenants", "list"], { TERM: "dumb" }],
      [["--no-color", "tenants", "list"], { FORCE_COLOR: "1" }],
    ] as const) {
      const { stdout } = await ok([...args], env);
      expect(stdout, JSON.stringify(env)).not.toContain("\x1b[");
    }
  });
});

describe("login and contexts", () => {
  it("checks the key first: a bad key fails and stores nothing", async () => {
    const bad = await cli(["login", base, "--api-key", "tnt_not_a_key"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("UNAUTHENTICATED");
    await expect(stat(configFile)).rejects.toThrow();
    const down = await cli(["login", `http://127.0.0.1:${await closedPort()}`, "--api-key", ADMIN_KEY]);
    expect(down.code).toBe(5);
    await expect(stat(configFile)).rejects.toThrow();
  });

  it("saves a context (0600, never printed), uses it, and follows flags > env > context", async () => {
    const login = await ok(["login", base, "--name", "local"], { TENANTRY_URL: undefined });
    expect(login.stdout).toContain('context "local" saved');
    expect(login.stdout + login.stderr).not.toContain(ADMIN_KEY);
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(configFile))).mode & 0o777).toBe(0o700);
    const saved = YAML.parse(await readFile(configFile, "utf8"));
    expect(saved).toMatchObject({
      "current-context": "local",
      contexts: [{ name: "local", url: base, organization: "default", "api-key": ADMIN_KEY }],
    });

    // XDG_CONFIG_HOME is where the file is without TENANTRY_CONFIG.
    const viaXdg = await ok(["config", "current-context"], {
      TENANTRY_CONFIG: undefined,
      XDG_CONFIG_HOME: path.join(tmp, "config"),
    });
    expect(viaXdg.stdout).toBe("local\n");

    // Another organization's key, from stdin would be a child process: --api-key here.
    const other = await addOrganization(t, "otherco", "viewer");
    await ok(["login", base, "--api-key", other.key, "--name", "other", "--no-use"]);
    const list = await ok(["config", "get-contexts"]);
    expect(list.stdout).toMatch(/^CURRENT +NAME +URL +ORGANIZATION$/m);
    expect(list.stdout).toMatch(/^\* +local +http/m);
    expect(list.stdout).toMatch(/^ +other +http.* otherco$/m);
    const listed = await ok(["config", "get-contexts", "-o", "json"]);
    expect(listed.stdout).not.toContain(ADMIN_KEY);
    expect(listed.stdout).not.toContain(other.key);
    expect(JSON.parse(listed.stdout)["current-context"]).toBe("local");

    const noEnv = { TENANTRY_URL: undefined, TENANTRY_API_KEY: undefined };
    const whoami = async (args: string[], env: Record<string, string | undefined>) =>
      JSON.parse((await ok([...args, "whoami", "-o", "json"], env)).stdout).organization.slug as string;
    // The current context.
    expect(await whoami([], noEnv)).toBe("default");
    // --context picks another.
    expect(await whoami(["--context", "other"], noEnv)).toBe("otherco");
    // The environment wins over the current context…
    expect(await whoami([], { TENANTRY_URL: undefined, TENANTRY_API_KEY: other.key })).toBe("otherco");
    // …and flags over the environment.
    const flagged = await ok(["whoami", "-o", "json", "--api-key", ADMIN_KEY, "--url", base], {
      TENANTRY_URL: `http://127.0.0.1:${await closedPort()}`,
      TENANTRY_API_KEY: other.key,
    });
    expect(JSON.parse(flagged.stdout).organization.slug).toBe("default");
    // The program's options go after the command too.
    const trailing = await ok(["whoami", "--context", "other", "-o", "json"], noEnv);
    expect(JSON.parse(trailing.stdout).organization.slug).toBe("otherco");
    // A context's key is never sent to another server.
    const elsewhere = await cli(["whoami"], {
      TENANTRY_URL: `http://127.0.0.1:${await closedPort()}`,
      TENANTRY_API_KEY: undefined,
      TENANTRY_DATA_DIR: tmp,
    });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain("no API key");

    const missing = await cli(["--context", "nope", "whoami"], noEnv);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no context named "nope"');

    await ok(["config", "use-context", "other"]);
    expect((await ok(["config", "current-context"])).stdout).toBe("other\n");
    expect((await cli(["config", "use-context", "nope"])).code).toBe(3);
    await ok(["config", "delete-context", "other"]);
    const after = await cli(["config", "current-context"]);
    expect(after.code).toBe(1);
    expect(
      YAML.parse(await readFile(configFile, "utf8")).contexts.map((c: { name: string }) => c.name),
    ).toEqual(["local"]);
    await ok(["config", "use-context", "local"]);
  });

  it("reads the key from stdin when it is not a terminal", async () => {
    const child = spawnCli(
      ["login", base, "--name", "piped"],
      { TENANTRY_API_KEY: "", TENANTRY_URL: "" },
      "pipe",
    );
    child.stdin?.end(`${ADMIN_KEY}\n`);
    const [code] = await once(child, "close");
    expect(code, JSON.stringify(output(child))).toBe(0);
    const saved = YAML.parse(await readFile(configFile, "utf8"));
    expect(saved.contexts.find((c: { name: string }) => c.name === "piped")?.["api-key"]).toBe(ADMIN_KEY);
  }, 60_000);
});

const outputs = new WeakMap<ChildProcess, { stdout: string; stderr: string }>();
const output = (c: ChildProcess) => outputs.get(c) ?? { stdout: "", stderr: "" };

/** `tenantry <args>` as a child process (Ctrl-C, stdin), against the test server. */
function spawnCli(args: string[], env: Record<string, string> = {}, stdin: "ignore" | "pipe" = "ignore") {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: projectRoot,
    env: {
      ...cleanEnv(),
      TENANTRY_URL: base,
      TENANTRY_API_KEY: ADMIN_KEY,
      TENANTRY_CONFIG: configFile,
      ...env,
    },
    stdio: [stdin, "pipe", "pipe"],
  });
  const o = { stdout: "", stderr: "" };
  outputs.set(child, o);
  child.stdout?.on("data", (d: Buffer) => {
    o.stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    o.stderr += d.toString();
  });
  return child;
}

describe("--watch and --follow (event streams)", () => {
  it("prints the table, then a line per change, until Ctrl-C (exit 0)", async () => {
    const list = spawnCli(["tenants", "list", "--watch"]);
    const one = spawnCli(["tenants", "get", "alpha-co", "--watch", "-o", "json"]);
    const follow = spawnCli(["tenants", "events", "alpha-co", "--follow", "-o", "json"]);
    const children = [list, one, follow];
    try {
      const seen = (c: ChildProcess, text: string, what: string) =>
        eventually(async () => (output(c).stdout.includes(text) ? true : undefined), {
          timeoutMs: 45_000,
          intervalMs: 100,
          what: `${what}: ${JSON.stringify(output(c))}`,
        });
      await seen(list, "beta-co", "the first table");
      await seen(one, '"slug":"alpha-co"', "alpha's first record");
      await seen(follow, '"type":"tenant.created"', "alpha's history");

      await api.json("POST", "/v1/tenants", { name: "Gamma Co", blueprint: "empty" });
      await api.json("POST", "/v1/tenants/alpha-co/suspend");
      await seen(list, "gamma-co", "the new tenant's line");
      await eventually(
        async () => (/^gamma-co +Gamma Co +active/m.test(output(list).stdout) ? true : undefined),
        { timeoutMs: 45_000, intervalMs: 100, what: "gamma active" },
      );
      await seen(list, "suspended", "alpha suspended");
      await seen(one, '"status":"suspended"', "alpha's record once suspended");
      await seen(follow, '"to":"suspended"', "the suspension's event");

      const lines = output(list).stdout.trimEnd().split("\n");
      // The header once, then rows; changes are lines of the same columns.
      expect(lines.filter((l) => l.startsWith("SLUG"))).toHaveLength(1);
      expect(
        lines.some(
          (l) => /^alpha-co +Alpha Co +suspending/.test(l) || /^alpha-co +Alpha Co +suspended/.test(l),
        ),
      ).toBe(true);
      const records = output(one)
        .stdout.trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as { slug: string; status: string });
      expect(records.every((r) => r.slug === "alpha-co")).toBe(true);
      expect(records.at(-1)?.status).toBe("suspended");
      const events = output(follow)
        .stdout.trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as TenantEvent);
      const ids = events.map((e) => e.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);

      for (const c of children) c.kill("SIGINT");
      const codes = await Promise.all(children.map(async (c) => (await once(c, "close"))[0]));
      expect(codes, JSON.stringify(children.map(output))).toEqual([0, 0, 0]);
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    }
    await api.json("POST", "/v1/tenants/alpha-co/resume");
    await api.waitForTenant("alpha-co", "active");
  }, 120_000);

  it("resumes a dropped stream after the last event it got (Last-Event-ID), missing nothing", async () => {
    // A proxy whose connections the test cuts.
    const sockets = new Set<net.Socket>();
    const target = new URL(base);
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      client.pipe(upstream).pipe(client);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => sockets.delete(s));
      }
    });
    proxy.listen(0, "127.0.0.1");
    await once(proxy, "listening");
    const client = new CliClient({
      baseUrl: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`,
      apiKey: ADMIN_KEY,
    });
    const got: TenantEvent[] = [];
    const reconnects: (number | undefined)[] = [];
    const stop = new AbortController();
    let ready!: () => void;
    const isReady = new Promise<void>((r) => {
      ready = r;
    });
    const beta = await api.json("GET", "/v1/tenants/beta-co");
    const record = (message: string) =>
      appendEvent(t.app.db, {
        organizationId: orgId,
        tenantId: beta.id,
        type: "resource.run_requested",
        message,
        data: { resource: "service:job", started: true, api_key_id: "test" },
      });
    const following = client.followEvents(beta.id, {
      signal: stop.signal,
      onReady: () => ready(),
      onEvent: (e) => got.push(e),
      onReconnect: (info) => reconnects.push(info.lastEventId),
    });
    try {
      await isReady;
      const until = (n: number, what: string) =>
        eventually(async () => (got.length >= n ? true : undefined), {
          what: `${what}: ${JSON.stringify(got)}`,
        });
      await record("before the cut");
      await until(1, "the first event");
      for (const s of sockets) s.destroy();
      await record("during the cut 1");
      await record("during the cut 2");
      await until(3, "the events after the cut");
      await record("after");
      await until(4, "the last event");
      expect(got.map((e) => e.message)).toEqual([
        "before the cut",
        "during the cut 1",
        "during the cut 2",
        "after",
      ]);
      expect(reconnects[0]).toBe(got[0]!.id);
    } finally {
      stop.abort();
      await following;
      proxy.close();
      for (const s of sockets) s.destroy();
    }
  });
});

describe("exit code 4", () => {
  it("is a --wait whose --timeout passed", async () => {
    // Without workers nothing moves the new tenant: the deadline passes, whatever the machine's speed.
    await t.app.worker?.stop();
    const waited = await cli([
      "tenants",
      "create",
      "Slow Co",
      "--blueprint",
      "empty",
      "--wait",
      "--timeout",
      "0.5",
    ]);
    expect(waited.code, waited.stderr).toBe(4);
    expect(waited.stderr).toContain(
      "timed out after 0.5s waiting for the tenant to become active (it is queued)",
    );
  });
});
