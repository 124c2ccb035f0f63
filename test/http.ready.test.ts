import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./support/app.js";

describe("GET /ready", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ workers: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("is 503 while migrations are not current, and 200 again once they are", async () => {
    expect((await t.app.http!.inject({ url: "/ready" })).statusCode).toBe(200);
    const { rows } = await t.app.db.query<{ version: number; name: string }>(
      "delete from schema_migrations where version = (select max(version) from schema_migrations) returning version, name",
    );
    const res = await t.app.http!.inject({ url: "/ready" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: "not_ready", reason: "migrations are not current" });
    expect((await t.app.http!.inject({ url: "/health" })).json()).toEqual({
      status: "ok",
      version: expect.any(String),
      installation_id: t.app.installationId,
      node_id: expect.any(String),
    });
    expect(t.app.installationId).toMatch(/^[0-9a-f-]{36}$/);
    await t.app.db.query("insert into schema_migrations (version, name) values ($1, $2)", [
      rows[0]!.version,
      rows[0]!.name,
    ]);
    expect((await t.app.http!.inject({ url: "/ready" })).statusCode).toBe(200);
  });

  it("is 503 when the database does not answer", async () => {
    await t.app.db.pool.end();
    const res = await t.app.http!.inject({ url: "/ready" });
    expect(res.statusCode).toBe(503);
    expect(res.json().reason).toMatch(/^database unreachable/);
  });
});
