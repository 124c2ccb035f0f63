import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTenantry, type Tenantry } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { keyId, SecretBox } from "../src/lib/crypto.js";
import { resealAll } from "../src/services/encryption-key-rotation.js";
import { apiClient } from "./support/api.js";
import { ADMIN_KEY } from "./support/app.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";

/**
 * Rotating the encryption key end to end: a tenant's secrets sealed with key A; the
 * processes restarted with B and A as the previous key; `tenantry rotate-encryption-key`
 * (the real CLI) re-seals every sealed value, idempotently and resumably; then B alone
 * starts and reads everything, and A alone no longer does.
 */

const run = promisify(execFile);
const A = randomBytes(32).toString("base64");
const B = randomBytes(32).toString("base64");
const TOKEN = `tok-${randomBytes(8).toString("hex")}`;

let database: TestDatabase;
let dataDir: string;
const quiet = pino({ level: "silent" });

/** Tenantry on the test's database, without workers (nothing here needs a provider to run). */
function start(env: Record<string, string>): Promise<Tenantry> {
  const config = loadConfig({
    DATABASE_URL: database.url,
    TENANTRY_DATA_DIR: dataDir,
    TENANTRY_ADMIN_API_KEY: ADMIN_KEY,
    TENANTRY_WORKER_CONCURRENCY: "0",
    LOG_LEVEL: "silent",
    ...env,
  });
  return startTenantry({ config, logger: quiet, workers: false });
}

async function rotateCli(env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "rotate-encryption-key"],
      {
        env: {
          ...process.env,
          DATABASE_URL: database.url,
          TENANTRY_DATA_DIR: dataDir,
          LOG_LEVEL: "warn",
          ...env,
        },
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** Every sealed value in the database, by where it is. */
async function envelopes(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const add = (where: string, v: string | null) => v !== null && out.set(where, v);
  for (const r of (await database.db.query("select id, secrets_enc, generated_enc from tenants")).rows) {
    add(`tenants.secrets_enc ${r.id}`, r.secrets_enc);
    add(`tenants.generated_enc ${r.id}`, r.generated_enc);
  }
  for (const r of (await database.db.query("select id, secret_outputs_enc from resources")).rows)
    add(`resources.secret_outputs_enc ${r.id}`, r.secret_outputs_enc);
  for (const r of (
    await database.db.query(
      "select key, value from settings where key in ('encryption_key_check', 'secret_digest_key')",
    )
  ).rows)
    add(`settings ${r.key}`, r.value);
  return out;
}

const blueprint = () => `
services:
  - type: worker
    name: jobs
    runtime: node
    repo: ${dataDir}
    startCommand: node worker.js
    envVars:
      - key: API_TOKEN
        sync: false
      - key: SESSION_KEY
        generateValue: true
`;

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-rotation-"));
});
afterAll(async () => {
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("encryption key rotation", () => {
  let digestKeyBefore: string;

  it("seals a tenant's secrets with key A", async () => {
    const app = await start({ TENANTRY_ENCRYPTION_KEY: A });
    try {
      const api = apiClient({ app });
      for (const name of ["Acme", "Globex", "Initech"]) {
        const res = await api.call("POST", "/v1/tenants", {
          name,
          blueprint: { source: blueprint() },
          secrets: { API_TOKEN: `${TOKEN}-${name}` },
        });
        expect(res.status, res.raw).toBe(201);
      }
      // A resource's secret outputs (a database password), as a worker records them.
      const tenant = (await app.db.query("select id from tenants where slug = 'acme'")).rows[0];
      await app.db.query(
        `insert into resources (id, tenant_id, key, kind, provider, external_name, status, spec, spec_hash, depends_on, secret_outputs_enc)
         values (gen_random_uuid(), $1, 'database:main', 'postgres', 'local', 'main-acme', 'ready', '{}', 'x', '{}', $2)`,
        [tenant.id, app.secrets.sealJson({ password: "pw-at-rest" })],
      );
      digestKeyBefore = app.secrets.digest("probe");
    } finally {
      await app.close();
    }
    const all = await envelopes();
    expect(all.size).toBe(3 + 3 + 1 + 2);
    for (const v of all.values()) expect(v.startsWith(`v2.${keyId(Buffer.from(A, "base64"))}.`)).toBe(true);
  });

  it("refuses to start with B alone while values are sealed with A", async () => {
    await expect(start({ TENANTRY_ENCRYPTION_KEY: B })).rejects.toThrow(/TENANTRY_ENCRYPTION_KEY_PREVIOUS/);
  });

  it("starts with B and A as the previous key, reading A's values and writing with B", async () => {
    const app = await start({ TENANTRY_ENCRYPTION_KEY: B, TENANTRY_ENCRYPTION_KEY_PREVIOUS: A });
    try {
      const api = apiClient({ app });
      // The same value again: opened with A, compared, nothing changes.
      const same = await api.call("PATCH", "/v1/tenants/acme", { secrets: { API_TOKEN: `${TOKEN}-Acme` } });
      expect(same.status, same.raw).toBe(200);
      expect(same.body.operation).toBeNull();
      // Digests are keyed with the installation's key, not the encryption key: no redeploys.
      expect(app.secrets.digest("probe")).toBe(digestKeyBefore);
    } finally {
      await app.close();
    }
  });

  it("re-seals in batches and resumes where an interrupted run stopped", async () => {
    const box = new SecretBox(Buffer.from(B, "base64"), { previous: [Buffer.from(A, "base64")] });
    let batches = 0;
    await expect(
      resealAll(database.db, box, {
        batchSize: 1,
        onBatch: () => {
          if (++batches === 2) throw new Error("interrupted");
        },
      }),
    ).rejects.toThrow("interrupted");
    const current = [...(await envelopes()).values()].filter((v) => box.isCurrent(v));
    // Two batches of one tenant each were committed (both its columns), nothing else.
    expect(current).toHaveLength(4);
  });

  it("tenantry rotate-encryption-key re-seals every sealed value with B, and is a no-op the second time", async () => {
    const first = await rotateCli({ TENANTRY_ENCRYPTION_KEY: B, TENANTRY_ENCRYPTION_KEY_PREVIOUS: A });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/tenants\.secrets_enc\s+resealed 1, already current 2/);
    expect(first.stdout).toMatch(/resources\.secret_outputs_enc\s+resealed 1, already current 0/);
    expect(first.stdout).toMatch(/settings\.value\s+resealed 2/);
    expect(first.stdout).toContain("re-sealed 5 values");
    for (const v of (await envelopes()).values())
      expect(v.startsWith(`v2.${keyId(Buffer.from(B, "base64"))}.`)).toBe(true);

    const second = await rotateCli({ TENANTRY_ENCRYPTION_KEY: B, TENANTRY_ENCRYPTION_KEY_PREVIOUS: A });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("re-sealed 0 values");
    expect(`${first.stdout}${first.stderr}${second.stdout}`).not.toContain(TOKEN);
  }, 120_000);

  it("starts with B alone afterwards and reads every secret; A alone is refused", async () => {
    const app = await start({ TENANTRY_ENCRYPTION_KEY: B });
    try {
      const { rows } = await app.db.query(
        "select slug, secrets_enc, generated_enc from tenants order by slug",
      );
      for (const r of rows) {
        expect(app.secrets.openJson(r.secrets_enc)).toEqual({
          API_TOKEN: `${TOKEN}-${r.slug[0].toUpperCase()}${r.slug.slice(1)}`,
        });
        expect(Object.keys(app.secrets.openJson(r.generated_enc))).toEqual(["service:jobs/SESSION_KEY"]);
      }
      const outputs = (await app.db.query("select secret_outputs_enc from resources")).rows[0];
      expect(app.secrets.openJson(outputs.secret_outputs_enc)).toEqual({ password: "pw-at-rest" });
      expect(app.secrets.digest("probe")).toBe(digestKeyBefore);
    } finally {
      await app.close();
    }
    await expect(start({ TENANTRY_ENCRYPTION_KEY: A })).rejects.toThrow(/does not match/);
  });

  it("re-seals any table on the list, and skips an optional one that does not exist yet", async () => {
    const a = Buffer.from(A, "base64");
    const b = Buffer.from(B, "base64");
    await database.db.query("create table reseal_probe (id text primary key, secret_enc text)");
    await database.db.query("insert into reseal_probe values ('one', $1), ('two', null)", [
      new SecretBox(a).seal("probe-value"),
    ]);
    const box = new SecretBox(b, { previous: [a] });
    const counts = await resealAll(database.db, box, {
      tables: [
        { table: "reseal_probe", id: "id", columns: ["secret_enc"] },
        { table: "not_migrated_yet", id: "id", columns: ["secret_enc"], optional: true },
      ],
    });
    expect(counts).toEqual([{ table: "reseal_probe", column: "secret_enc", resealed: 1, current: 0 }]);
    const { rows } = await database.db.query("select secret_enc from reseal_probe where id = 'one'");
    expect(new SecretBox(b).open(rows[0].secret_enc)).toBe("probe-value");
  });

  it("refuses to run without the key the values were sealed with", async () => {
    const res = await rotateCli({ TENANTRY_ENCRYPTION_KEY: randomBytes(32).toString("base64") });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("TENANTRY_ENCRYPTION_KEY");
  }, 60_000);
});
