import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";

/** The API key lifecycle: create (shown once), use, list, rotate with a grace period, revoke, expire. */
let t: TestApp;
let admin: ApiClient;
const as = (key: string) => apiClient(t, key);

describe("API keys", () => {
  beforeAll(async () => {
    t = await startTestApp({ workers: false });
    admin = apiClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("creates a key shown once, which works with its role and is listed without the key", async () => {
    const created = await admin.call("POST", "/v1/api-keys", { name: "ci", role: "viewer" });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^tnt_[A-Za-z0-9_-]{43}$/);
    expect(created.body.api_key).toMatchObject({
      name: "ci",
      role: "viewer",
      state: "active",
      prefix: key.slice(0, 12),
    });
    expect(created.headers["location"]).toBe(`/v1/api-keys/${created.body.api_key.id}`);

    const viewer = as(key);
    expect((await viewer.call("GET", "/v1/tenants")).status).toBe(200);
    expect((await viewer.call("POST", "/v1/tenants", { name: "x", blueprint: "y" })).status).toBe(403);
    expect((await viewer.call("GET", "/v1/api-keys")).status).toBe(403);

    const list = await admin.json("GET", "/v1/api-keys");
    const listed = list.data.find((k: { id: string }) => k.id === created.body.api_key.id);
    expect(listed.last_used_at).not.toBeNull();
    expect(JSON.stringify(list)).not.toContain(key);
  });

  it("rotates a key: the new one works at once, the old one until its grace period ends", async () => {
    const { body } = await admin.call("POST", "/v1/api-keys", { name: "deploy", role: "operator" });
    const rotated = await admin.call("POST", `/v1/api-keys/${body.api_key.id}/rotate`, { grace_seconds: 1 });
    expect(rotated.status).toBe(201);
    expect(rotated.body.api_key).toMatchObject({ name: "deploy", role: "operator", state: "active" });
    expect(rotated.body.previous).toMatchObject({ state: "expiring", replaced_by: rotated.body.api_key.id });
    expect((await as(rotated.body.key).call("GET", "/v1/tenants")).status).toBe(200);
    expect((await as(body.key).call("GET", "/v1/tenants")).status).toBe(200);
    await eventually(
      async () => ((await as(body.key).call("GET", "/v1/tenants")).status === 401 ? true : undefined),
      {
        timeoutMs: 5000,
      },
    );
    const again = await admin.call("POST", `/v1/api-keys/${body.api_key.id}/rotate`, {});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("API_KEY_NOT_ACTIVE");
  });

  it("revokes a key at once, and an expired key is refused", async () => {
    const { body } = await admin.call("POST", "/v1/api-keys", { name: "temp", role: "viewer" });
    const revoked = await admin.call("DELETE", `/v1/api-keys/${body.api_key.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.state).toBe("revoked");
    const refused = await as(body.key).call("GET", "/v1/tenants");
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe("UNAUTHENTICATED");

    const soon = new Date(Date.now() + 1500).toISOString();
    const short = await admin.call("POST", "/v1/api-keys", {
      name: "short",
      role: "viewer",
      expires_at: soon,
    });
    expect(short.body.api_key.expires_at).toBe(soon);
    expect((await as(short.body.key).call("GET", "/v1/tenants")).status).toBe(200);
    await eventually(
      async () => ((await as(short.body.key).call("GET", "/v1/tenants")).status === 401 ? true : undefined),
      {
        timeoutMs: 5000,
      },
    );
    const past = await admin.call("POST", "/v1/api-keys", {
      name: "past",
      role: "viewer",
      expires_at: new Date(Date.now() - 1000).toISOString(),
    });
    expect(past.status).toBe(400);
    expect(past.body.errors).toEqual([{ pointer: "/expires_at", message: "must be in the future" }]);
  });

  it("refuses bad input and keys of another organization, and a key cannot revoke itself", async () => {
    const bad = await admin.call("POST", "/v1/api-keys", { name: "", role: "root" });
    expect(bad.status).toBe(400);
    const { rows } = await t.database.db.query<{ id: string }>(
      "insert into organizations (id, slug, name) values (gen_random_uuid(), 'other', 'Other') returning id",
    );
    const other = await t.database.db.query<{ id: string }>(
      `insert into api_keys (id, organization_id, name, role, key_hash, key_prefix)
       values (gen_random_uuid(), $1, 'theirs', 'admin', 'not-a-real-hash', 'tnt_xxxxxxxx') returning id`,
      [rows[0]?.id],
    );
    const theirs = other.rows[0]?.id as string;
    expect((await admin.call("GET", `/v1/api-keys/${theirs}`)).status).toBe(404);
    expect((await admin.call("DELETE", `/v1/api-keys/${theirs}`)).body.code).toBe("API_KEY_NOT_FOUND");
    expect((await admin.call("POST", `/v1/api-keys/${theirs}/rotate`, {})).status).toBe(404);

    const mine = (await admin.json("GET", "/v1/api-keys")).data as { id: string; name: string }[];
    const self = mine.find(
      (k) => k.name !== "ci" && k.name !== "deploy" && k.name !== "temp" && k.name !== "short",
    );
    const res = await admin.call("DELETE", `/v1/api-keys/${self?.id}`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("cannot revoke itself");
  });
});
