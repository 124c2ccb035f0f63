import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyValueSpec } from "../src/domain/resources.js";
import { AbortedError } from "../src/engine/aborted.js";
import { providerContext } from "../src/providers/context.js";
import {
  createKeyValueDriver,
  KEYVALUE_SETUP_HINT,
  OWNER_MARKERS_KEY,
  tenantAclRules,
} from "../src/providers/local/keyvalue-driver.js";
import { OWNER_FILE } from "../src/providers/local/owner-files.js";
import {
  connectRedis,
  parseRedisUrl,
  type Redis,
  replyCode,
  withRedis,
} from "../src/providers/local/redis-connection.js";
import { localKeyValueNames } from "../src/providers/local/redis-names.js";
import { ownerMarker, ownerMarkerText } from "../src/providers/ownership.js";
import {
  ABSENT,
  type ActionResult,
  type DesiredResource,
  type Observation,
  type Observed,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
} from "../src/providers/provider.js";

type Tenant = ProviderContext["tenant"];
type Done = Extract<ActionResult, { state: "done" }>;

const REDIS_URL = process.env.TENANTRY_LOCAL_REDIS_URL ?? "redis://127.0.0.1:6379";
const REDIS_SERVER = [
  "/usr/bin/redis-server",
  "/usr/local/bin/redis-server",
  "/opt/homebrew/bin/redis-server",
].find((p) => existsSync(p));
const sfx = randomBytes(3).toString("hex");

async function reachable(url: string): Promise<boolean> {
  try {
    const c = await connectRedis(parseRedisUrl(url), { connectTimeoutMs: 1_000 });
    const ok = (await c.call("PING")) === "PONG";
    c.disconnect();
    return ok;
  } catch {
    return false;
  }
}

const redisUp = await reachable(REDIS_URL);
if (!redisUp) {
  console.warn(`[local-keyvalue-driver] no Redis at ${REDIS_URL}: skipping the shared-Redis tests`);
}
if (!REDIS_SERVER) {
  console.warn("[local-keyvalue-driver] redis-server is not installed: skipping the private-server tests");
}

// Logs are captured so tests can check that no password ever reaches them.
const logLines: string[] = [];
const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });

let dataDir: string;
let admin: Redis | undefined;
const usersToDrop: string[] = [];
const prefixesToClear: string[] = [];
const pidsToKill: number[] = [];
const closers: { close(): Promise<void> }[] = [];

function tenant(slug = `kv-${sfx}`): Tenant {
  return { id: randomUUID(), slug, name: slug, organizationId: randomUUID() };
}

const INSTALLATION = "test-installation";

function ctxFor(t: Tenant, signal = new AbortController().signal): ProviderContext {
  return providerContext({ tenant: t, installationId: INSTALLATION, signal, logger });
}

/** The marker the driver records for a tenant's objects. */
function markerOf(t: Tenant): string {
  return ownerMarkerText(ownerMarker({ installationId: INSTALLATION, tenant: t }));
}

/** `p` rejects with the permanent NAME_TAKEN error naming `name`. */
async function expectNameTaken(p: Promise<unknown>, name: string): Promise<void> {
  const err = await providerError(p);
  expect(err.code).toBe("NAME_TAKEN");
  expect(err.retryable).toBe(false);
  expect(err.message).toContain(name);
}

async function expectAborted(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AbortedError);
  expect(err).not.toBeInstanceOf(ProviderError);
}

function resource(name = "cache", spec: Partial<KeyValueSpec> = {}): RecordedResource<"keyvalue"> {
  return {
    key: `service:${name}`,
    kind: "keyvalue",
    externalName: `${name}-x`,
    dependsOn: [],
    spec: {
      type: "keyvalue",
      plan: "starter",
      maxmemoryPolicy: "allkeys-lru",
      ipAllowList: [],
      envVars: [],
      ...spec,
    },
    providerId: null,
    outputs: {},
    secretOutputs: {},
  };
}

/** What observe found; fails the test when it found nothing. */
function found(observation: Observation): Observed {
  if (observation.state === "absent") throw new Error("expected observe to find it");
  return observation;
}

function done(result: ActionResult): Done {
  if (result.state !== "done") throw new Error(`expected done, got ${JSON.stringify(result)}`);
  return result;
}

/** The shared-Redis names for cleanup. */
function track(t: Tenant, res: RecordedResource<"keyvalue"> = resource()) {
  const names = localKeyValueNames(res, t);
  usersToDrop.push(names.user);
  prefixesToClear.push(names.keyPrefix);
  return names;
}

/** A connection closed after all tests. */
async function connect(endpoint: Parameters<typeof connectRedis>[0]): Promise<Redis> {
  const client = await connectRedis(endpoint, { connectTimeoutMs: 2_000 });
  closers.push({ close: async () => client.disconnect() });
  return client;
}

function connectUrl(url: string): Promise<Redis> {
  return connect(parseRedisUrl(url));
}

/** `p` rejects with an error reply; its first word is `code`. */
async function replyError(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  const code = replyCode(err);
  if (code === undefined) throw new Error(`expected a Redis error reply, got ${String(err)}`);
  return { code, message: (err as Error).message };
}

async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(err)}`);
  return err;
}

async function aclUsers(): Promise<string[]> {
  return (await admin!.call("ACL", "USERS")) as string[];
}

async function keysUnder(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const reply = (await admin!.call("SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000")) as [
      string,
      string[],
    ];
    cursor = reply[0];
    found.push(...reply[1]);
  } while (cursor !== "0");
  return found;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitPidGone(pid: number, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !pidAlive(pid);
}

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "tenantry-kv-test-"));
  if (redisUp) admin = await connectRedis(parseRedisUrl(REDIS_URL));
});

afterAll(async () => {
  for (const c of closers) await c.close().catch(() => {});
  if (admin) {
    for (const user of usersToDrop) {
      await admin.call("ACL", "DELUSER", user).catch(() => {});
      await admin.call("HDEL", OWNER_MARKERS_KEY, user).catch(() => {});
    }
    for (const prefix of prefixesToClear) {
      const keys = await keysUnder(prefix).catch(() => []);
      if (keys.length > 0) await admin.call("UNLINK", ...keys).catch(() => {});
    }
    admin.disconnect();
  }
  for (const pid of pidsToKill) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

describe("localKeyValueNames", () => {
  const t = { id: "6f1c2a9e-0000-4000-8000-000000000001", slug: "acme" };
  // `name`: not part of a rendered spec, but honoured when a spec carries one.
  const res = (
    key: string,
    spec: Partial<KeyValueSpec> & { name?: string } = {},
  ): DesiredResource<"keyvalue"> => ({
    key,
    kind: "keyvalue",
    externalName: "x",
    dependsOn: [],
    spec: { type: "keyvalue", envVars: [], ...spec },
  });

  it("is deterministic: user t_<slug>_<name>_<hash>, prefix <user>:", () => {
    const a = localKeyValueNames(res("service:cache"), t);
    expect(localKeyValueNames(res("service:cache"), { ...t })).toEqual(a);
    expect(a.name).toBe("cache");
    expect(a.user).toMatch(/^t_acme_cache_[0-9a-f]{8}$/);
    expect(a.keyPrefix).toBe(`${a.user}:`);
    expect(a.dir).toMatch(/^tenants\/acme\/redis-cache-[0-9a-f]{8}$/);
    // spec.name wins over the key.
    expect(localKeyValueNames(res("service:other", { name: "cache" }), t)).toEqual(a);
  });

  it("differs for two tenants with the same slug, and for names differing only in case", () => {
    const a = localKeyValueNames(res("service:cache"), t);
    const b = localKeyValueNames(res("service:cache"), {
      id: "6f1c2a9e-0000-4000-8000-000000000002",
      slug: "acme",
    });
    expect(b.user).not.toBe(a.user);
    expect(b.dir).not.toBe(a.dir);
    expect(localKeyValueNames(res("service:Cache"), t).user).not.toBe(a.user);
    // No prefix starts another one.
    expect(a.keyPrefix.startsWith(b.keyPrefix) || b.keyPrefix.startsWith(a.keyPrefix)).toBe(false);
  });

  it("stays short and free of glob or path characters for long and odd names", () => {
    const long = "A-very-Long*Key?Value[name]\\".repeat(5);
    const slug = "an-extremely-long-tenant-slug-that-goes-on-and-on-and-on-and-on";
    for (const [key, s] of [
      [`service:${long}`, slug],
      ["service:../../etc", "../x"],
      ["service:9Ü kv", "acme"],
    ] as const) {
      const n = localKeyValueNames(res(key), { id: "t1", slug: s });
      expect(n.user.length).toBeLessThanOrEqual(63);
      expect(n.user).toMatch(/^t_[a-z0-9_]*_[0-9a-f]{8}$/);
      expect(n.keyPrefix).not.toMatch(/[*?[\]\\\s]/);
      expect(n.dir.split(path.sep)).toHaveLength(3);
      expect(n.dir).not.toContain("..");
    }
  });

  it("refuses a resource without a name", () => {
    expect(() => localKeyValueNames(res(""), t)).toThrow(ProviderError);
  });
});

describe("tenantAclRules", () => {
  it("confines keys and channels to the prefix and never carries a plaintext password", () => {
    const rules = tenantAclRules("t_a_b_12345678:", "ab".repeat(32));
    expect(rules.slice(0, 6)).toEqual([
      "reset",
      "on",
      `#${"ab".repeat(32)}`,
      "~t_a_b_12345678:*",
      "resetchannels",
      "&t_a_b_12345678:*",
    ]);
    expect(rules.some((r) => r.startsWith(">"))).toBe(false);
    expect(tenantAclRules("p:", "00", 3)).toContain("+select|3");
    expect(tenantAclRules("p:", "00")).not.toContain("+select|0");
  });
});

describe("neither a Redis URL nor redis-server", () => {
  it("fails every verb with a non-retryable error that says what to configure", async () => {
    const empty = await fs.mkdtemp(path.join(os.tmpdir(), "tenantry-kv-nopath-"));
    const savedPath = process.env.PATH;
    process.env.PATH = empty;
    let driver: ReturnType<typeof createKeyValueDriver>;
    try {
      driver = createKeyValueDriver({ dataDir, logger });
    } finally {
      process.env.PATH = savedPath;
      await fs.rm(empty, { recursive: true, force: true });
    }
    const t = tenant();
    const res = resource();
    const observed = { state: "ready", providerId: "x" } as const;
    for (const call of [
      driver.observe(ctxFor(t), res),
      driver.apply(ctxFor(t), res),
      driver.apply(ctxFor(t), res, observed),
      driver.apply(ctxFor(t), { ...res, providerId: "x" }),
      driver.delete(ctxFor(t), res),
    ]) {
      const err = await providerError(call);
      expect(err.retryable).toBe(false);
      expect(err.message).toContain(
        "set TENANTRY_LOCAL_REDIS_URL to a Redis 7+ URL whose user may run ACL commands, or install redis-server",
      );
      expect(err.message).toContain(KEYVALUE_SETUP_HINT);
    }
    await driver.close();
  });
});

describe.skipIf(!redisUp)("keyvalue driver on a shared Redis (ACL users)", () => {
  let driver: ReturnType<typeof createKeyValueDriver>;
  beforeAll(() => {
    driver = createKeyValueDriver({ redisUrl: REDIS_URL, dataDir, logger });
    closers.push(driver);
  });

  it("create makes an ACL user confined to its prefix, with a working connection string", async () => {
    const t = tenant();
    const names = track(t);
    const result = done(await driver.apply(ctxFor(t), resource()));
    const endpoint = parseRedisUrl(REDIS_URL);
    expect(result.providerId).toBe(names.user);
    expect(result.outputs).toEqual({
      host: endpoint.host,
      port: endpoint.port,
      user: names.user,
      keyPrefix: names.keyPrefix,
    });
    const password = result.secretOutputs!["password"]!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(result.secretOutputs!["connectionString"]).toBe(
      `redis://${names.user}:${password}@${endpoint.host}:${endpoint.port}`,
    );
    expect(JSON.stringify(result.outputs)).not.toContain(password);

    expect(await admin!.call("ACL", "GETUSER", names.user)).not.toBeNull();
    const list = (await admin!.call("ACL", "LIST")) as string[];
    const line = list.find((l) => l.startsWith(`user ${names.user} `));
    expect(line).toContain(" on ");
    expect(line).toContain(`~${names.keyPrefix}*`);
    expect(line).not.toContain(password);

    const client = await connectUrl(result.secretOutputs!["connectionString"]!);
    expect(await client.call("ACL", "WHOAMI")).toBe(names.user);
    expect(await client.call("SET", `${names.keyPrefix}greeting`, "hello")).toBe("OK");
    expect(await client.call("GET", `${names.keyPrefix}greeting`)).toBe("hello");
    expect(await client.call("PUBLISH", `${names.keyPrefix}events`, "x")).toBe(0);
    expect(typeof (await client.call("INFO", "server"))).toBe("string");

    // Outside the prefix, and commands that reach beyond it, are refused.
    expect((await replyError(client.call("SET", `outside-${sfx}`, "x"))).code).toBe("NOPERM");
    expect((await replyError(client.call("GET", "greeting"))).code).toBe("NOPERM");
    for (const args of [
      ["FLUSHALL"],
      ["FLUSHDB"],
      ["KEYS", "*"],
      ["SCAN", "0"],
      ["RANDOMKEY"],
      ["CONFIG", "GET", "*"],
      ["SELECT", "1"],
      ["CLIENT", "TRACKING", "on", "BCAST"],
      ["CLIENT", "LIST"],
      ["PUBSUB", "CHANNELS"],
      ["FUNCTION", "FLUSH"],
      ["SCRIPT", "FLUSH"],
      ["ACL", "LIST"],
      ["PUBLISH", "elsewhere", "x"],
    ] as [string, ...string[]][]) {
      expect((await replyError(client.call(...args))).code, args.join(" ")).toBe("NOPERM");
    }
    // Scripts run with the user's permissions.
    expect(
      await client.call("EVAL", "return redis.call('GET', KEYS[1])", "1", `${names.keyPrefix}greeting`),
    ).toBe("hello");
    await replyError(client.call("EVAL", "return redis.call('GET', 'elsewhere')", "0"));
    expect(await client.call("GET", `outside-${sfx}`).catch(() => "refused")).toBe("refused");
    expect(await admin!.call("EXISTS", `outside-${sfx}`)).toBe(0);
    expect(logLines.join("\n")).not.toContain(password);
  });

  it("another tenant with the same slug cannot read or write this tenant's keys", async () => {
    const a = tenant(`same-${sfx}`);
    const b = tenant(`same-${sfx}`);
    const na = track(a);
    const nb = track(b);
    expect(nb.user).not.toBe(na.user);
    const ra = done(await driver.apply(ctxFor(a), resource()));
    const rb = done(await driver.apply(ctxFor(b), resource()));
    const ca = await connectUrl(ra.secretOutputs!["connectionString"]!);
    const cb = await connectUrl(rb.secretOutputs!["connectionString"]!);
    await ca.call("SET", `${na.keyPrefix}secret`, "a-only");
    expect((await replyError(cb.call("GET", `${na.keyPrefix}secret`))).code).toBe("NOPERM");
    expect((await replyError(cb.call("SET", `${na.keyPrefix}secret`, "b"))).code).toBe("NOPERM");
    expect((await replyError(cb.call("PUBLISH", `${na.keyPrefix}events`, "b"))).code).toBe("NOPERM");
    expect(await ca.call("GET", `${na.keyPrefix}secret`)).toBe("a-only");
    // And B cannot log in as A with its own password.
    const err = await replyError(
      connect({
        ...parseRedisUrl(REDIS_URL),
        username: na.user,
        password: rb.secretOutputs!["password"]!,
      }),
    );
    expect(err.code).toBe("WRONGPASS");
  });

  it("observe finds the user by name, adopt and create-twice keep one user with the latest password", async () => {
    const t = tenant(`adopt-${sfx}`);
    const res = resource();
    const names = track(t, res);
    expect(await driver.observe(ctxFor(t), res)).toEqual(ABSENT);

    const first = done(await driver.apply(ctxFor(t), res));
    const observed = found(await driver.observe(ctxFor(t), res));
    expect(observed).toEqual({ state: "ready", providerId: names.user, outputs: first.outputs });
    expect(observed.secretOutputs).toBeUndefined();

    const adopted = done(await driver.apply(ctxFor(t), res, observed));
    const second = done(await driver.apply(ctxFor(t), res));
    const passwords = [first, adopted, second].map((r) => r.secretOutputs!["password"]!);
    expect(new Set(passwords).size).toBe(3);
    expect((await aclUsers()).filter((u) => u.startsWith(`t_adopt_${sfx}_`))).toEqual([names.user]);

    const latest = await connectUrl(second.secretOutputs!["connectionString"]!);
    expect(await latest.call("PING")).toBe("PONG");
    for (const old of [first, adopted]) {
      const err = await replyError(connectUrl(old.secretOutputs!["connectionString"]!));
      expect(err.code).toBe("WRONGPASS");
    }
  });

  it("update re-asserts the rules and keeps the recorded password", async () => {
    const t = tenant(`update-${sfx}`);
    const res = resource();
    const names = track(t, res);
    const created = done(await driver.apply(ctxFor(t), res));
    await admin!.call("ACL", "SETUSER", names.user, "allkeys", "+@all");
    const updated = done(
      await driver.apply(ctxFor(t), {
        ...res,
        providerId: names.user,
        secretOutputs: created.secretOutputs!,
      }),
    );
    expect(updated).toEqual({
      state: "done",
      providerId: names.user,
      outputs: created.outputs,
      secretOutputs: created.secretOutputs,
    });
    const client = await connectUrl(created.secretOutputs!["connectionString"]!);
    expect((await replyError(client.call("GET", "elsewhere"))).code).toBe("NOPERM");
    expect((await replyError(client.call("FLUSHALL"))).code).toBe("NOPERM");
  });

  it("delete removes the user and every key under the prefix, verifies it, and is idempotent", async () => {
    const t = tenant(`delete-${sfx}`);
    const res = resource();
    const names = track(t, res);
    const other = tenant(`keep-${sfx}`);
    const otherNames = track(other, res);
    const created = done(await driver.apply(ctxFor(t), res));
    const kept = done(await driver.apply(ctxFor(other), res));
    const client = await connectUrl(created.secretOutputs!["connectionString"]!);
    // More keys than one SCAN batch, in several types.
    await Promise.all(
      Array.from({ length: 2500 }, (_, i) => client.call("SET", `${names.keyPrefix}k${i}`, String(i))),
    );
    await client.call("HSET", `${names.keyPrefix}hash`, "f", "v");
    await client.call("RPUSH", `${names.keyPrefix}list`, "a", "b");
    const otherClient = await connectUrl(kept.secretOutputs!["connectionString"]!);
    await otherClient.call("SET", `${otherNames.keyPrefix}stays`, "1");
    expect((await keysUnder(names.keyPrefix)).length).toBe(2502);

    const recorded = { ...res, providerId: names.user };
    expect(await driver.delete(ctxFor(t), recorded)).toEqual({ state: "done", providerId: names.user });
    expect(await admin!.call("ACL", "GETUSER", names.user)).toBeNull();
    const list = (await admin!.call("ACL", "LIST")) as string[];
    expect(list.some((l) => l.startsWith(`user ${names.user} `))).toBe(false);
    expect(await keysUnder(names.keyPrefix)).toEqual([]);
    expect(await driver.observe(ctxFor(t), recorded)).toEqual(ABSENT);
    expect(await driver.delete(ctxFor(t), recorded)).toEqual({ state: "done", providerId: names.user });
    // The deleted user's connection was closed; the other tenant is untouched.
    await expect(client.call("PING")).rejects.toThrow();
    expect(await otherClient.call("GET", `${otherNames.keyPrefix}stays`)).toBe("1");
    expect(logLines.join("\n")).not.toContain(created.secretOutputs!["password"]!);
  });

  it("an aborted signal is the engine's AbortedError, not a provider failure, before touching the server", async () => {
    const t = tenant(`abort-${sfx}`);
    const names = track(t);
    const controller = new AbortController();
    controller.abort(new Error("lease lost"));
    const ctx = ctxFor(t, controller.signal);
    await expectAborted(driver.apply(ctx, resource()));
    await expectAborted(driver.observe(ctx, resource()));
    await expectAborted(driver.delete(ctx, resource()));
    expect(await admin!.call("ACL", "GETUSER", names.user)).toBeNull();
  });

  it("an ACL user made by hand with the tenant's name is never adopted, changed or deleted", async () => {
    const t = tenant(`byhand-${sfx}`);
    const res = resource();
    const names = track(t, res);
    await admin!.call(
      "ACL",
      "SETUSER",
      names.user,
      "reset",
      "on",
      `>handmade-${sfx}`,
      `~${names.keyPrefix}*`,
      "+get",
      "+set",
    );
    await admin!.call("SET", `${names.keyPrefix}theirs`, "1");
    const before = await admin!.call("ACL", "GETUSER", names.user);

    await expectNameTaken(driver.observe(ctxFor(t), res), names.user);
    await expectNameTaken(driver.apply(ctxFor(t), res), names.user);
    await expectNameTaken(
      driver.apply(ctxFor(t), res, { state: "ready", providerId: names.user }),
      names.user,
    );
    // An update of a record that names another user does not make this one the tenant's.
    await expectNameTaken(driver.apply(ctxFor(t), { ...res, providerId: "another_user" }), names.user);
    expect(await admin!.call("ACL", "GETUSER", names.user)).toEqual(before);

    const deleted = done(await driver.delete(ctxFor(t), res));
    expect(deleted.detail).toContain(names.user);
    expect(await admin!.call("ACL", "GETUSER", names.user)).toEqual(before);
    expect(await admin!.call("GET", `${names.keyPrefix}theirs`)).toBe("1");
    expect(await admin!.call("HGET", OWNER_MARKERS_KEY, names.user)).toBeNull();
  });

  it("create records the tenant's marker; a user marked for another tenant is refused even by record", async () => {
    const t = tenant(`marked-${sfx}`);
    const res = resource();
    const names = track(t, res);
    done(await driver.apply(ctxFor(t), res));
    expect(await admin!.call("HGET", OWNER_MARKERS_KEY, names.user)).toBe(markerOf(t));

    const someoneElse = markerOf(tenant(`marked-${sfx}`));
    await admin!.call("HSET", OWNER_MARKERS_KEY, names.user, someoneElse);
    const recorded = { ...res, providerId: names.user };
    await expectNameTaken(driver.observe(ctxFor(t), recorded), names.user);
    await expectNameTaken(driver.apply(ctxFor(t), recorded), names.user);
    expect(done(await driver.delete(ctxFor(t), recorded)).detail).toContain(names.user);
    expect(await admin!.call("ACL", "GETUSER", names.user)).not.toBeNull();
    expect(await admin!.call("HGET", OWNER_MARKERS_KEY, names.user)).toBe(someoneElse);
  });

  it("a user made before ownership markers is the tenant's by its record, and gets the marker", async () => {
    const t = tenant(`legacy-${sfx}`);
    const res = resource();
    const names = track(t, res);
    const created = done(await driver.apply(ctxFor(t), res));
    await admin!.call("HDEL", OWNER_MARKERS_KEY, names.user);

    await expectNameTaken(driver.observe(ctxFor(t), res), names.user);
    const recorded = { ...res, providerId: names.user, secretOutputs: created.secretOutputs! };
    expect((await driver.observe(ctxFor(t), recorded)).state).toBe("ready");
    done(await driver.apply(ctxFor(t), recorded));
    expect(await admin!.call("HGET", OWNER_MARKERS_KEY, names.user)).toBe(markerOf(t));
    expect((await driver.observe(ctxFor(t), res)).state).toBe("ready");
  });

  it("a user whose rules were changed by hand observes as diverged, and apply restores them", async () => {
    const t = tenant(`changed-${sfx}`);
    const res = resource();
    const names = track(t, res);
    done(await driver.apply(ctxFor(t), res));
    await admin!.call("ACL", "SETUSER", names.user, "off");
    const observed = found(await driver.observe(ctxFor(t), res));
    expect(observed.state).toBe("diverged");
    expect(observed.detail).toMatch(/off/);
    await admin!.call("ACL", "SETUSER", names.user, "on", "allkeys");
    const changed = found(await driver.observe(ctxFor(t), res));
    expect(changed.state).toBe("diverged");

    // The engine applies with what it found.
    const again = done(await driver.apply(ctxFor(t), res, changed));
    expect((await driver.observe(ctxFor(t), res)).state).toBe("ready");
    const client = await connectUrl(again.secretOutputs!["connectionString"]!);
    expect((await replyError(client.call("GET", "elsewhere"))).code).toBe("NOPERM");
  });

  it("an admin user that may not run ACL commands gets a non-retryable error saying what to fix", async () => {
    const weakUser = `tenantry_kvtest_weak_${sfx}`;
    const weakPassword = randomBytes(16).toString("hex");
    usersToDrop.push(weakUser);
    await admin!.call(
      "ACL",
      "SETUSER",
      weakUser,
      "reset",
      "on",
      `>${weakPassword}`,
      "~*",
      "&*",
      "+@all",
      "-@admin",
    );
    const weak = createKeyValueDriver({
      redisUrl: `redis://${weakUser}:${weakPassword}@127.0.0.1:${parseRedisUrl(REDIS_URL).port}`,
      dataDir,
      logger,
    });
    closers.push(weak);
    const t = tenant(`weak-${sfx}`);
    const names = track(t);
    const err = await providerError(weak.apply(ctxFor(t), resource()));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/NOPERM/);
    expect(err.message).toMatch(/TENANTRY_LOCAL_REDIS_URL may not run this/);
    expect(err.message).not.toContain(weakPassword);
    expect(await admin!.call("ACL", "GETUSER", names.user)).toBeNull();

    const wrong = createKeyValueDriver({
      redisUrl: `redis://${weakUser}:not-${weakPassword}@127.0.0.1:${parseRedisUrl(REDIS_URL).port}`,
      dataDir,
      logger,
    });
    closers.push(wrong);
    const authErr = await providerError(wrong.observe(ctxFor(t), resource()));
    expect(authErr.retryable).toBe(false);
    expect(authErr.message).toMatch(/WRONGPASS/);
    expect(authErr.message).not.toContain(weakPassword);
  });

  it("an unreachable server is a retryable error", async () => {
    const down = createKeyValueDriver({ redisUrl: "redis://127.0.0.1:1", dataDir, logger });
    closers.push(down);
    const err = await providerError(down.observe(ctxFor(tenant()), resource()));
    expect(err.retryable).toBe(true);
  });
});

/** A TCP server for the failure tests (silent unless `onConnection` says otherwise); `sockets`: its open connections. */
async function tcpServer(onConnection: (socket: net.Socket) => void = () => {}) {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    onConnection(socket);
    // Reads (and by default ignores) what it is sent, so it sees a client hang up.
    if (socket.listenerCount("data") === 0) socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    accepted: () => accepted,
    /** Drops every connection, as a restarted Redis or a broken network would. */
    cut() {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` until it is true, for at most `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

/** How many sockets and timers this thread holds. */
function handles(): { sockets: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return {
    sockets: info.filter((r) => r === "TCPSocketWrap" || r === "TLSWrap").length,
    timers: info.filter((r) => r === "Timeout").length,
  };
}

describe("the keyvalue driver's Redis connections fail fast and leave nothing behind", () => {
  it("a Redis that is down fails at once, retryably, with no socket or timer left", async () => {
    const closed = await tcpServer();
    const port = closed.port;
    await closed.close();
    const before = handles();
    const down = createKeyValueDriver({ redisUrl: `redis://127.0.0.1:${port}`, dataDir, logger });
    try {
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const err = await providerError(down.observe(ctxFor(tenant()), resource()));
        // ioredis' defaults would queue the command and reconnect for seconds.
        expect(Date.now() - started).toBeLessThan(1_000);
        expect(err.retryable).toBe(true);
        expect(err.message).toContain("ECONNREFUSED");
      }
    } finally {
      await down.close();
    }
    expect(
      await until(() => {
        const now = handles();
        return now.sockets <= before.sockets && now.timers <= before.timers;
      }, 500),
      JSON.stringify({ before, after: handles() }),
    ).toBe(true);
  });

  it("a server that never answers ends at the action's deadline, and its connection is closed", async () => {
    const silent = await tcpServer();
    const driver = createKeyValueDriver({ redisUrl: `redis://127.0.0.1:${silent.port}`, dataDir, logger });
    try {
      const started = Date.now();
      const ctx = providerContext({
        tenant: tenant(),
        installationId: INSTALLATION,
        logger,
        deadline: Date.now() + 300,
      });
      const err = await providerError(driver.observe(ctx, resource()));
      expect(err.retryable).toBe(true);
      expect(err.message).toMatch(/time ran out/);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(silent.accepted()).toBe(1);
    } finally {
      await driver.close();
    }
    expect(await until(() => silent.sockets.size === 0)).toBe(true);
    await silent.close();
  });

  it("a one-off session ends at once on abort, closing its connection", async () => {
    const silent = await tcpServer();
    const controller = new AbortController();
    const started = Date.now();
    const call = withRedis(
      ctxFor(tenant(), controller.signal),
      "ping",
      { host: "127.0.0.1", port: silent.port, tls: false, db: 0, password: "x" },
      {},
      (c) => c.call("PING"),
    );
    await until(() => silent.sockets.size === 1);
    controller.abort(new Error("lease lost"));
    await expectAborted(call);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await until(() => silent.sockets.size === 0)).toBe(true);
    await silent.close();
  });

  /** A TCP proxy to the test Redis; while `stalled`, what clients send is dropped (counted in `dropped`). */
  async function redisProxy() {
    const target = parseRedisUrl(REDIS_URL);
    const state = { stalled: false, dropped: 0 };
    const server = await tcpServer((socket) => {
      const upstream = net.connect(target.port, target.host);
      upstream.on("error", () => socket.destroy());
      socket.on("close", () => upstream.destroy());
      upstream.on("close", () => socket.destroy());
      socket.on("data", (chunk: Buffer) => {
        if (state.stalled) state.dropped += chunk.length;
        else upstream.write(chunk);
      });
      upstream.pipe(socket);
    });
    const url = new URL(REDIS_URL);
    url.host = `127.0.0.1:${server.port}`;
    return { ...server, state, url: url.toString() };
  }

  it.skipIf(!redisUp)(
    "selects the URL's database, and a database that cannot be selected is an error",
    async () => {
      const one = await connect({ ...parseRedisUrl(REDIS_URL), db: 1 });
      const key = `tenantry-kvtest-db-${sfx}`;
      try {
        await one.call("SET", key, "in-db-1");
        expect(await admin!.call("EXISTS", key)).toBe(0);
      } finally {
        await one.call("DEL", key);
      }
      const err = await replyError(connect({ ...parseRedisUrl(REDIS_URL), db: 100_000 }));
      expect(err.message).toMatch(/DB index is out of range/);
    },
  );

  it.skipIf(!redisUp)("a lost connection to a shared Redis is opened again by the next call", async () => {
    const proxy = await redisProxy();
    const driver = createKeyValueDriver({ redisUrl: proxy.url, dataDir, logger });
    try {
      const t = tenant();
      expect(await driver.observe(ctxFor(t), resource())).toEqual(ABSENT);
      expect(proxy.accepted()).toBe(1);
      proxy.cut();
      // The first call may still meet the dying connection (a retryable error); a later one reconnects.
      expect(
        await until(async () => {
          const seen = await driver.observe(ctxFor(t), resource()).catch((err: unknown) => {
            expect(err).toBeInstanceOf(ProviderError);
            expect((err as ProviderError).retryable).toBe(true);
            return undefined;
          });
          return seen?.state === "absent";
        }),
      ).toBe(true);
      expect(proxy.accepted()).toBe(2);
    } finally {
      await driver.close();
    }
    expect(await until(() => proxy.sockets.size === 0)).toBe(true);
    await proxy.close();
  });

  it.skipIf(!redisUp)(
    "a command in flight when Redis goes away fails at once: not kept to be resent",
    async () => {
      const proxy = await redisProxy();
      const driver = createKeyValueDriver({ redisUrl: proxy.url, dataDir, logger });
      const before = handles();
      try {
        const t = tenant();
        expect(await driver.observe(ctxFor(t), resource())).toEqual(ABSENT);
        proxy.state.stalled = true;
        const pending = providerError(driver.observe(ctxFor(t), resource()));
        expect(await until(() => proxy.state.dropped > 0)).toBe(true);
        // Redis is gone: the connection drops and nothing listens any more.
        const started = Date.now();
        await proxy.close();
        const err = await pending;
        // ioredis' defaults would keep the command and reconnect up to 20 times before failing it.
        expect(Date.now() - started).toBeLessThan(1_000);
        expect(err.retryable).toBe(true);
        expect(proxy.accepted()).toBe(1);
      } finally {
        await driver.close();
      }
      expect(
        await until(() => {
          const now = handles();
          return now.sockets <= before.sockets && now.timers <= before.timers;
        }, 500),
        JSON.stringify({ before, after: handles() }),
      ).toBe(true);
    },
  );
});

describe.skipIf(!REDIS_SERVER)("keyvalue driver with a private redis-server per resource", () => {
  let driver: ReturnType<typeof createKeyValueDriver>;
  beforeAll(() => {
    driver = createKeyValueDriver({ dataDir, logger, redisServerPath: REDIS_SERVER! });
    closers.push(driver);
  });

  async function pidOf(names: { dir: string }): Promise<number> {
    const pid = Number((await fs.readFile(path.join(dataDir, names.dir, "redis.pid"), "utf8")).trim());
    pidsToKill.push(pid);
    return pid;
  }

  it("create starts a password-protected server, observe finds it, delete stops it and removes its directory", async () => {
    const t = tenant(`priv-${sfx}`);
    const res = resource();
    const names = localKeyValueNames(res, t);
    expect(await driver.observe(ctxFor(t), res)).toEqual(ABSENT);

    const created = done(await driver.apply(ctxFor(t), res));
    const pid = await pidOf(names);
    const port = created.outputs!["port"] as number;
    expect(created.providerId).toBe(names.dir);
    expect(created.outputs).toEqual({ host: "127.0.0.1", port, user: "default", keyPrefix: "" });
    const password = created.secretOutputs!["password"]!;
    expect(created.secretOutputs!["connectionString"]).toBe(`redis://default:${password}@127.0.0.1:${port}`);

    const dir = path.join(dataDir, names.dir);
    expect(dir.startsWith(path.join(dataDir, "tenants", t.slug))).toBe(true);
    expect((await fs.readFile(path.join(dir, OWNER_FILE), "utf8")).trim()).toBe(markerOf(t));
    expect((await fs.stat(path.join(dir, "redis.conf"))).mode & 0o777).toBe(0o600);
    expect(await fs.readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).not.toContain(password);
    expect(pidAlive(pid)).toBe(true);

    const client = await connectUrl(created.secretOutputs!["connectionString"]!);
    expect(await client.call("PING")).toBe("PONG");
    expect(await client.call("SET", "anything", "v")).toBe("OK");
    const anonymous = await connect({ host: "127.0.0.1", port, tls: false, db: 0 });
    expect((await replyError(anonymous.call("PING"))).code).toBe("NOAUTH");

    // Observe finds it via the pid file, also from a new driver (Tenantry restarted).
    const restarted = createKeyValueDriver({ dataDir, logger, redisServerPath: REDIS_SERVER! });
    expect(await restarted.observe(ctxFor(t), res)).toEqual({
      state: "ready",
      providerId: names.dir,
      outputs: created.outputs,
    });

    // Adopt keeps the server and its data, with a new password.
    const adopted = done(await restarted.apply(ctxFor(t), res, { state: "ready", providerId: names.dir }));
    expect(adopted.outputs).toEqual(created.outputs);
    expect(await pidOf(names)).toBe(pid);
    expect(adopted.secretOutputs!["password"]).not.toBe(password);
    const again = await connectUrl(adopted.secretOutputs!["connectionString"]!);
    expect(await again.call("GET", "anything")).toBe("v");
    expect((await replyError(connectUrl(created.secretOutputs!["connectionString"]!))).code).toBe(
      "WRONGPASS",
    );
    await restarted.close();

    const recorded = { ...res, providerId: names.dir, secretOutputs: adopted.secretOutputs! };
    expect(await driver.delete(ctxFor(t), recorded)).toEqual({ state: "done", providerId: names.dir });
    expect(await waitPidGone(pid)).toBe(true);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(path.join(dataDir, "tenants", t.slug))).toBe(false);
    expect(await driver.observe(ctxFor(t), recorded)).toEqual(ABSENT);
    expect(await driver.delete(ctxFor(t), recorded)).toEqual({ state: "done", providerId: names.dir });
    const logs = logLines.join("\n");
    expect(logs).not.toContain(password);
    expect(logs).not.toContain(adopted.secretOutputs!["password"]!);
  });

  it("two tenants with the same slug get separate servers; a killed server is recreated", async () => {
    const a = tenant(`twin-${sfx}`);
    const b = tenant(`twin-${sfx}`);
    const res = resource();
    const ra = done(await driver.apply(ctxFor(a), res));
    const rb = done(await driver.apply(ctxFor(b), res));
    const na = localKeyValueNames(res, a);
    const nb = localKeyValueNames(res, b);
    const pa = await pidOf(na);
    const pb = await pidOf(nb);
    expect(pa).not.toBe(pb);
    expect(ra.outputs!["port"]).not.toBe(rb.outputs!["port"]);
    const cb = await connect({
      host: "127.0.0.1",
      port: ra.outputs!["port"] as number,
      tls: false,
      db: 0,
    });
    await replyError(cb.call("AUTH", rb.secretOutputs!["password"]!));

    // The machine rebooted (or someone killed it): observe reports nothing, create starts it again.
    process.kill(pa, "SIGKILL");
    expect(await waitPidGone(pa)).toBe(true);
    expect(await driver.observe(ctxFor(a), res)).toEqual(ABSENT);
    const again = done(await driver.apply(ctxFor(a), res));
    const pa2 = await pidOf(na);
    expect(pa2).not.toBe(pa);
    const client = await connectUrl(again.secretOutputs!["connectionString"]!);
    expect(await client.call("PING")).toBe("PONG");

    for (const [t, pid] of [
      [a, pa2],
      [b, pb],
    ] as const) {
      expect((await driver.delete(ctxFor(t), res)).state).toBe("done");
      expect(await waitPidGone(pid)).toBe(true);
    }
    expect(existsSync(path.join(dataDir, "tenants", `twin-${sfx}`))).toBe(false);
  });

  it("applies maxmemoryPolicy on create and update, keeping the password on update", async () => {
    const t = tenant(`policy-${sfx}`);
    const res = resource("cache", { maxmemoryPolicy: "allkeys-lru" });
    const names = localKeyValueNames(res, t);
    const created = done(await driver.apply(ctxFor(t), res));
    const pid = await pidOf(names);
    const client = await connectUrl(created.secretOutputs!["connectionString"]!);
    expect(await client.call("CONFIG", "GET", "maxmemory-policy")).toEqual([
      "maxmemory-policy",
      "allkeys-lru",
    ]);

    const changed = { ...res, spec: { ...res.spec, maxmemoryPolicy: "volatile-ttl" } };
    const recorded = { ...changed, providerId: names.dir, secretOutputs: created.secretOutputs! };
    const updated = done(await driver.apply(ctxFor(t), recorded));
    expect(updated.secretOutputs).toEqual(created.secretOutputs);
    expect(await client.call("CONFIG", "GET", "maxmemory-policy")).toEqual([
      "maxmemory-policy",
      "volatile-ttl",
    ]);
    expect(await fs.readFile(path.join(dataDir, names.dir, "redis.conf"), "utf8")).toContain(
      "maxmemory-policy volatile-ttl",
    );
    expect(await pidOf(names)).toBe(pid);

    const bad = { ...recorded, spec: { ...res.spec, maxmemoryPolicy: "sometimes" } };
    expect((await providerError(driver.apply(ctxFor(t), bad))).retryable).toBe(false);

    expect((await driver.delete(ctxFor(t), recorded)).state).toBe("done");
    expect(await waitPidGone(pid)).toBe(true);
  });

  it("never signals a process that is not a redis-server, even when the pid file names it", async () => {
    const t = tenant(`stale-${sfx}`);
    const res = resource();
    const names = localKeyValueNames(res, t);
    const dir = path.join(dataDir, names.dir);
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    const pid = sleeper.pid!;
    pidsToKill.push(pid);
    try {
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, OWNER_FILE), markerOf(t));
      await fs.writeFile(path.join(dir, "redis.pid"), `${pid}\n`);
      await fs.writeFile(path.join(dir, "redis.conf"), "port 1\nrequirepass x\n");
      expect(await driver.observe(ctxFor(t), res)).toEqual(ABSENT);
      expect((await driver.delete(ctxFor(t), res)).state).toBe("done");
      expect(pidAlive(pid)).toBe(true);
      expect(existsSync(dir)).toBe(false);
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("a directory that is not the tenant's is never used, signalled or removed", async () => {
    const t = tenant(`theirs-${sfx}`);
    const res = resource();
    const names = localKeyValueNames(res, t);
    const dir = path.join(dataDir, names.dir);
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    const pid = sleeper.pid!;
    pidsToKill.push(pid);
    try {
      for (const marker of [markerOf(tenant(`theirs-${sfx}`)), undefined]) {
        await fs.rm(dir, { recursive: true, force: true });
        await fs.mkdir(dir, { recursive: true });
        if (marker) await fs.writeFile(path.join(dir, OWNER_FILE), marker);
        await fs.writeFile(path.join(dir, "redis.pid"), `${pid}\n`);
        await fs.writeFile(path.join(dir, "redis.conf"), "port 1\nrequirepass x\n");
        await expectNameTaken(driver.observe(ctxFor(t), res), dir);
        await expectNameTaken(driver.apply(ctxFor(t), res), dir);
        // An update of a record that names another directory does not make this one the tenant's.
        await expectNameTaken(driver.apply(ctxFor(t), { ...res, providerId: "another-dir" }), dir);
        expect(done(await driver.delete(ctxFor(t), res)).detail).toContain(dir);
        expect(existsSync(path.join(dir, "redis.conf"))).toBe(true);
        expect(pidAlive(pid)).toBe(true);
      }
    } finally {
      sleeper.kill("SIGKILL");
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("a server that no longer accepts its recorded password is diverged, and apply restarts it", async () => {
    const t = tenant(`wrongpw-${sfx}`);
    const res = resource();
    const names = localKeyValueNames(res, t);
    done(await driver.apply(ctxFor(t), res));
    const pid = await pidOf(names);
    const conf = path.join(dataDir, names.dir, "redis.conf");
    const text = await fs.readFile(conf, "utf8");
    await fs.writeFile(conf, text.replace(/^requirepass .*$/m, "requirepass not-the-password"));
    const observed = found(await driver.observe(ctxFor(t), res));
    expect(observed.state).toBe("diverged");
    const again = done(await driver.apply(ctxFor(t), res, observed));
    const restarted = await pidOf(names);
    const client = await connectUrl(again.secretOutputs!["connectionString"]!);
    expect(await client.call("PING")).toBe("PONG");
    expect((await driver.observe(ctxFor(t), res)).state).toBe("ready");
    expect(await waitPidGone(pid)).toBe(true);
    expect((await driver.delete(ctxFor(t), res)).state).toBe("done");
    expect(await waitPidGone(restarted)).toBe(true);
  });

  it("an aborted signal is the engine's AbortedError", async () => {
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    const t = tenant(`privabort-${sfx}`);
    await expectAborted(driver.apply(ctxFor(t, controller.signal), resource()));
    await expectAborted(driver.delete(ctxFor(t, controller.signal), resource()));
    expect(existsSync(path.join(dataDir, localKeyValueNames(resource(), t).dir))).toBe(false);
  });

  it("a redis-server path that cannot be run is a non-retryable error", async () => {
    const broken = createKeyValueDriver({
      dataDir,
      logger,
      redisServerPath: path.join(dataDir, "no-such-redis"),
    });
    const err = await providerError(broken.apply(ctxFor(tenant(`broken-${sfx}`)), resource()));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(KEYVALUE_SETUP_HINT);
  });
});
