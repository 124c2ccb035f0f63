import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../src/lib/ids.js";
import { insertOrganization } from "../src/store/sql/auth.js";
import { requestWithHost } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";

/**
 * The host proxy on Tenantry's own port: `<service>-<slug>.<BASE_DOMAIN>` reaches the
 * tenant's service (WebSocket upgrades too); suspended and unknown hosts get a page.
 */

let t: TestApp;
let base: string;
let upstream: http.Server;
let upstreamPort: number;

/** A stand-in tenant service: echoes the request, and speaks a tiny upgrade protocol. */
function startUpstream(): Promise<void> {
  upstream = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "x-upstream": "yes" });
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          host: req.headers.host,
          forwardedHost: req.headers["x-forwarded-host"],
          body,
        }),
      );
    });
  });
  upstream.on("upgrade", (req, socket: net.Socket) => {
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
    socket.on("data", (d) => socket.write(`echo:${d.toString()}`));
    void req;
  });
  return new Promise((resolve) =>
    upstream.listen(0, "127.0.0.1", () => {
      upstreamPort = (upstream.address() as AddressInfo).port;
      resolve();
    }),
  );
}

async function addTenant(
  slug: string,
  status: string,
  outputs: Record<string, unknown>,
  organizationId?: string,
) {
  const { rows } = await t.app.db.query<{ id: string; organization_id: string }>(
    "select b.id, b.organization_id from blueprints b where $1::uuid is null or b.organization_id = $1 limit 1",
    [organizationId ?? null],
  );
  let bp = rows[0];
  if (!bp) {
    const org = (
      await t.app.db.query<{ id: string }>(
        "select id from organizations where $1::uuid is null or id = $1 order by created_at limit 1",
        [organizationId ?? null],
      )
    ).rows[0]!;
    const id = newId();
    await t.app.db.query(
      "insert into blueprints (id, organization_id, name, version, source, digest) values ($1, $2, 'p', 1, 'x', 'd')",
      [id, org.id],
    );
    bp = { id, organization_id: org.id };
  }
  const tenantId = newId();
  await t.app.db.query(
    `insert into tenants (id, organization_id, name, slug, blueprint_id, target, desired_state, status)
     values ($1, $2, $3, $4, $5, 'local', 'active', $6)`,
    [tenantId, bp.organization_id, `Tenant ${slug}`, slug, bp.id, status],
  );
  await t.app.db.query(
    `insert into resources (id, tenant_id, key, kind, provider, external_name, status, spec, spec_hash, outputs)
     values ($1, $2, 'service:web', 'web', 'local', $3, 'ready', '{}', 'h', $4)`,
    [newId(), tenantId, `web-${slug}`, outputs],
  );
}

beforeAll(async () => {
  await startUpstream();
  t = await startTestApp({
    workers: false,
    env: { PORT: "0", HOST: "127.0.0.1", BASE_DOMAIN: "tenants.test" },
  });
  base = await t.app.listen();
  await addTenant("acme", "active", { port: upstreamPort });
  await addTenant("sleepy", "suspended", { port: upstreamPort });
  await addTenant("broken", "active", { port: 1 }); // nothing listens on port 1
});
afterAll(async () => {
  await t?.close();
  upstream?.close();
});

describe("host proxy", () => {
  it("sends a tenant host to its service, with the method, path, body and forwarding headers", async () => {
    const res = await requestWithHost(base, "web-acme.tenants.test:8080", "/hello?x=1", {
      method: "POST",
      body: "ping",
    });
    expect(res.status).toBe(200);
    expect(res.headers["x-upstream"]).toBe("yes");
    expect(JSON.parse(res.body)).toMatchObject({
      method: "POST",
      url: "/hello?x=1",
      host: "web-acme.tenants.test:8080",
      forwardedHost: "web-acme.tenants.test:8080",
      body: "ping",
    });
  });

  it("keeps the API on the bare host", async () => {
    const res = await requestWithHost(base, "127.0.0.1", "/health");
    expect(JSON.parse(res.body)).toMatchObject({ status: "ok" });
  });

  it("answers a suspended tenant with 503, an unknown one with 404, an unreachable one with 502, at once", async () => {
    const suspended = await requestWithHost(base, "web-sleepy.tenants.test");
    expect(suspended.status).toBe(503);
    expect(suspended.headers["retry-after"]).toBe("30");
    expect(suspended.body).toContain("suspended");
    const missing = await requestWithHost(base, "web-nobody.tenants.test");
    expect(missing.status).toBe(404);
    expect(missing.body).toContain("web-nobody");
    const started = Date.now();
    const broken = await requestWithHost(base, "web-broken.tenants.test");
    expect(broken.status).toBe(502);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("keeps a host shared by two organizations' tenants (a name from before discriminators) with the first", async () => {
    // Another organization's tenant `acme`, newer, with the same legacy platform name:
    // suspending it must neither take over nor suspend the first organization's site.
    await addTenant("globex", "active", { port: upstreamPort });
    const other = await insertOrganization(t.app.db, { slug: "other-org", name: "Other" });
    await addTenant("globex", "suspended", { port: 1 }, other);
    const res = await requestWithHost(base, "web-globex.tenants.test", "/still-mine");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).url).toBe("/still-mine");
  });

  it("answers with the current route, not a stale cached one, when the service is gone", async () => {
    // Cached as a live route (port 1: nothing listens), then destroyed / suspended in the
    // database within the cache's second: the failed connection looks the route up again.
    await addTenant("gone", "active", { port: 1 });
    await addTenant("paused", "active", { port: 1 });
    expect((await requestWithHost(base, "web-gone.tenants.test")).status).toBe(502);
    expect((await requestWithHost(base, "web-paused.tenants.test")).status).toBe(502);
    await t.app.db.query("update tenants set status = 'destroyed' where slug = 'gone'");
    await t.app.db.query("update tenants set status = 'suspended' where slug = 'paused'");
    expect((await requestWithHost(base, "web-gone.tenants.test")).status).toBe(404);
    expect((await requestWithHost(base, "web-paused.tenants.test")).status).toBe(503);
  });

  it("passes WebSocket-style upgrades through both ways", async () => {
    const u = new URL(base);
    const socket = net.connect(Number(u.port), u.hostname);
    const received: string[] = [];
    socket.on("data", (d) => received.push(d.toString()));
    await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
    socket.write(
      "GET /ws HTTP/1.1\r\nHost: web-acme.tenants.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n",
    );
    const deadline = Date.now() + 5000;
    while (!received.join("").includes("101 Switching Protocols") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    socket.write("hello");
    while (!received.join("").includes("echo:hello") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    socket.destroy();
    expect(received.join("")).toContain("101 Switching Protocols");
    expect(received.join("")).toContain("echo:hello");
  });
});
