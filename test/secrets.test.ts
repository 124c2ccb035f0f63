import { createCipheriv, randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyId, SecretBox } from "../src/lib/crypto.js";
import { adminKeyPath } from "../src/services/bootstrap.js";
import { startTestApp, type TestApp } from "./support/app.js";

describe("SecretBox (AES-256-GCM)", () => {
  const box = new SecretBox(randomBytes(32));

  it("round-trips values and uses a fresh IV each time", () => {
    const a = box.seal("s3cret");
    const b = box.seal("s3cret");
    expect(a).not.toBe(b);
    expect(a).not.toContain("s3cret");
    expect(box.open(a)).toBe("s3cret");
    expect(box.openJson(box.sealJson({ password: "p" }))).toEqual({ password: "p" });
  });

  it("refuses a tampered value and another key", () => {
    const sealed = box.seal("s3cret");
    const parts = sealed.split(".");
    const body = Buffer.from(parts[3]!, "base64url");
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString("base64url");
    expect(() => box.open(parts.join("."))).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
  });
});

describe("SecretBox key rotation", () => {
  const a = randomBytes(32);
  const b = randomBytes(32);

  it("names the key in the envelope, opens with a previous key and seals with the current one", () => {
    const old = new SecretBox(a).seal("s3cret");
    expect(old.split(".")[1]).toBe(keyId(a));
    const rotated = new SecretBox(b, { previous: [a] });
    expect(rotated.open(old)).toBe("s3cret");
    expect(rotated.isCurrent(old)).toBe(false);
    const fresh = rotated.seal("s3cret");
    expect(rotated.isCurrent(fresh)).toBe(true);
    expect(new SecretBox(b).open(fresh)).toBe("s3cret");
    expect(() => new SecretBox(b).open(old)).toThrow(/does not have/);
  });

  it("still reads envelopes written before key ids (v1), with any of its keys", () => {
    const cipher = createCipheriv("aes-256-gcm", a, Buffer.alloc(12, 7));
    const body = Buffer.concat([cipher.update("legacy", "utf8"), cipher.final()]);
    const v1 = ["v1", Buffer.alloc(12, 7), cipher.getAuthTag(), body]
      .map((x) => (typeof x === "string" ? x : x.toString("base64url")))
      .join(".");
    expect(new SecretBox(a).open(v1)).toBe("legacy");
    expect(new SecretBox(b, { previous: [a] }).open(v1)).toBe("legacy");
    expect(new SecretBox(b, { previous: [a] }).isCurrent(v1)).toBe(false);
    expect(() => new SecretBox(b).open(v1)).toThrow();
  });

  it("keeps digests across a rotation when the digest key is the installation's", () => {
    const digestKey = randomBytes(32);
    const before = new SecretBox(a, { digestKey }).digest("KEY=value");
    expect(new SecretBox(b, { previous: [a], digestKey }).digest("KEY=value")).toBe(before);
    expect(new SecretBox(a, { digestKey }).digest("KEY=other")).not.toBe(before);
    expect(before).not.toContain("value");
  });
});

describe("first start", () => {
  let t: TestApp;
  const logLines: string[] = [];
  beforeAll(async () => {
    const key = randomBytes(32).toString("base64");
    const logger = pino({ level: "info" }, { write: (line: string) => logLines.push(line) });
    t = await startTestApp({ env: { TENANTRY_ADMIN_API_KEY: "", TENANTRY_ENCRYPTION_KEY: key }, logger });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("writes a generated admin key to <data dir>/admin-api-key with mode 0600, and that key works", async () => {
    const file = adminKeyPath(t.dataDir);
    expect(file).toBe(path.join(t.dataDir, "admin-api-key"));
    const mode = (await stat(file)).mode & 0o777;
    expect(mode).toBe(0o600);
    const key = (await readFile(file, "utf8")).trim();
    expect(key).toMatch(/^tnt_[A-Za-z0-9_-]{43}$/);
    const { rows } = await t.app.db.query("select key_hash, key_prefix, role from api_keys");
    expect(rows).toHaveLength(1);
    expect(rows[0].role).toBe("platform_admin");
    expect(rows[0].key_hash).not.toContain(key);
    const res = await t.app.http!.inject({ url: "/v1/tenants", headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(200);
    const logged = logLines.join("");
    expect(logged).toContain(file); // the path is logged…
    expect(logged).not.toContain(key); // …never the key
  });

  it("refuses to start with an encryption key other than the database's", async () => {
    const { startTenantry } = await import("../src/app.js");
    const { loadConfig } = await import("../src/config/config.js");
    const config = loadConfig({
      DATABASE_URL: t.database.url,
      TENANTRY_DATA_DIR: t.dataDir,
      TENANTRY_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      TENANTRY_WORKER_CONCURRENCY: "0",
    });
    await expect(startTenantry({ config, logger: pino({ level: "silent" }) })).rejects.toThrow(
      /TENANTRY_ENCRYPTION_KEY: does not match/,
    );
  });
});
