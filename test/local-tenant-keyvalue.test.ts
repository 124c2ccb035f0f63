import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis, parseRedisUrl } from "../src/providers/local/redis-connection.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";

/**
 * A tenant on the local target with a database and a Key Value instance, end to end:
 * both exist for real, are isolated, and are gone after the tenant is destroyed.
 */

const REDIS = process.env.TENANTRY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
let reachable = false;
try {
  const c = await connectRedis(parseRedisUrl(REDIS), { connectTimeoutMs: 1000 });
  await c.call("PING");
  c.disconnect();
  reachable = true;
} catch {
  console.warn(`[local-tenant-keyvalue] SKIPPED: no Redis at ${REDIS}`);
}

const blueprint = `
databases:
  - name: main
services:
  - type: keyvalue
    name: cache
    plan: starter
    ipAllowList: []
`;

let t: TestApp;
let api: ApiClient;

describe.skipIf(!reachable)("a local tenant with PostgreSQL and Key Value", () => {
  beforeAll(async () => {
    t = await startTestApp({ env: { TENANTRY_WORKER_CONCURRENCY: "2", TENANTRY_LOCAL_REDIS_URL: REDIS } });
    api = apiClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("creates an ACL user for the tenant's Key Value, isolated by prefix, and removes it on destroy", async () => {
    await api.json("POST", "/v1/tenants", { name: "Cachy", blueprint: { source: blueprint } });
    const tenant = await api.waitForTenant("cachy", "active");
    const cache = tenant.resources.find((r: any) => r.key === "service:cache");
    expect(cache).toMatchObject({ kind: "keyvalue", status: "ready" });
    expect(cache.name).toMatch(/^cache-cachy-[a-z0-9]+$/);
    const { user, keyPrefix } = cache.outputs;
    expect(user).toMatch(/^t_cachy_cache_[0-9a-f]{8}$/);
    expect(keyPrefix).toBe(`${user}:`);
    expect(JSON.stringify(tenant)).not.toMatch(/password/i);

    // The sealed connection string works for the prefix and nothing else.
    const { rows } = await t.app.db.query(
      "select secret_outputs_enc from resources where tenant_id = $1 and key = 'service:cache'",
      [tenant.id],
    );
    const secret = t.app.secrets.openJson<{ connectionString: string }>(rows[0].secret_outputs_enc);
    const client = await connectRedis(parseRedisUrl(secret.connectionString));
    expect(await client.call("SET", `${keyPrefix}visits`, "1")).toBe("OK");
    await expect(client.call("SET", "elsewhere", "1")).rejects.toThrow(/NOPERM/);
    client.disconnect();

    await api.json("DELETE", "/v1/tenants/cachy");
    await api.waitForTenant(tenant.id, "destroyed");
    const admin = await connectRedis(parseRedisUrl(REDIS));
    const users = (await admin.call("ACL", "USERS")) as string[];
    expect(users).not.toContain(user);
    const [, keys] = (await admin.call("SCAN", "0", "MATCH", `${keyPrefix}*`, "COUNT", "1000")) as [
      string,
      string[],
    ];
    expect(keys).toEqual([]);
    admin.disconnect();
  });
});
