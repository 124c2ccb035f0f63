import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../src/lib/ids.js";
import { isHiddenPath } from "../src/proxy/host-proxy.js";
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
let siteDir: string;

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
  if (siteDir) await rm(siteDir, { recursive: true, force: true });
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

describe("static sites on the host proxy", () => {
  const BODY = "0123456789abcdefghij";
  let host: string;
  let spaHost: string;
  const get = (h: string, p: string, headers?: Record<string, string>, method?: string) =>
    requestWithHost(base, h, p, { headers, ...(method && { method }) });

  beforeAll(async () => {
    // A release as the static site driver leaves it: `site` inside its base, recorded on the resource.
    siteDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-proxy-static-"));
    const root = path.join(siteDir, "release", "public");
    await mkdir(path.join(root, "docs"), { recursive: true });
    await mkdir(path.join(root, ".git"), { recursive: true });
    await mkdir(path.join(root, ".well-known"), { recursive: true });
    await writeFile(path.join(root, "index.html"), "<h1>home</h1>\n");
    await writeFile(path.join(root, "docs", "index.html"), "<h1>docs</h1>\n");
    await writeFile(path.join(root, "data.txt"), BODY);
    await writeFile(path.join(root, "app.webmanifest"), "{}");
    await writeFile(path.join(root, "photo.avif"), "avif");
    await writeFile(path.join(root, "module.wasm"), "wasm");
    await writeFile(path.join(root, ".env"), "SECRET=1\n");
    await writeFile(path.join(root, ".git", "config"), "[core]\n");
    await writeFile(path.join(root, ".well-known", "security.txt"), "Contact: x\n");
    await writeFile(path.join(siteDir, "outside.txt"), "not the site's\n");
    await symlink(path.join(siteDir, "outside.txt"), path.join(root, "out.txt"));
    await symlink(path.join(root, ".env"), path.join(root, "env.txt"));
    const site = { staticRoot: root, staticBase: path.join(siteDir, "release") };
    await addTenant("files", "active", {
      ...site,
      staticHeaders: [{ path: "/docs/*", name: "Cache-Control", value: "public, max-age=600" }],
    });
    await addTenant("spa", "active", {
      ...site,
      staticRoutes: [{ type: "rewrite", source: "/*", destination: "/index.html" }],
    });
    host = "web-files.tenants.test";
    spaHost = "web-spa.tenants.test";
  });

  it("serves a file with its type, length, ETag and Last-Modified, and HEAD without a body", async () => {
    const res = await get(host, "/data.txt");
    expect(res).toMatchObject({ status: 200, body: BODY });
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.headers["content-length"]).toBe(String(BODY.length));
    expect(res.headers["accept-ranges"]).toBe("bytes");
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.headers.etag).toMatch(/^W\/".+"$/);
    expect(res.headers["last-modified"]).toBeDefined();
    const head = await get(host, "/data.txt", {}, "HEAD");
    expect(head).toMatchObject({ status: 200, body: "" });
    expect(head.headers["content-length"]).toBe(String(BODY.length));
    expect(head.headers.etag).toBe(res.headers.etag);
    // Directories serve their index.html; a header rule wins over the default Cache-Control.
    const docs = await get(host, "/docs");
    expect(docs).toMatchObject({ status: 200, body: "<h1>docs</h1>\n" });
    expect(docs.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect((await get(host, "/docs/index.html")).headers["cache-control"]).toBe("public, max-age=600");
  });

  it("answers a byte range with 206 and an unsatisfiable one with 416", async () => {
    const part = await get(host, "/data.txt", { range: "bytes=2-5" });
    expect(part).toMatchObject({ status: 206, body: "2345" });
    expect(part.headers["content-range"]).toBe(`bytes 2-5/${BODY.length}`);
    expect(part.headers["content-length"]).toBe("4");
    const tail = await get(host, "/data.txt", { range: "bytes=-3" });
    expect(tail).toMatchObject({ status: 206, body: "hij" });
    const beyond = await get(host, "/data.txt", { range: "bytes=100-200" });
    expect(beyond.status).toBe(416);
    expect(beyond.headers["content-range"]).toBe(`bytes */${BODY.length}`);
    // A range for an older version (If-Range with another ETag) gets the whole new file.
    const stale = await get(host, "/data.txt", { range: "bytes=2-5", "if-range": 'W/"old"' });
    expect(stale).toMatchObject({ status: 200, body: BODY });
  });

  it("answers a conditional request for an unchanged file with 304 and no body", async () => {
    const first = await get(host, "/data.txt");
    const etag = first.headers.etag!;
    const again = await get(host, "/data.txt", { "if-none-match": etag });
    expect(again).toMatchObject({ status: 304, body: "" });
    expect(again.headers.etag).toBe(etag);
    expect(again.headers["cache-control"]).toBe("no-cache");
    const since = await get(host, "/data.txt", { "if-modified-since": first.headers["last-modified"]! });
    expect(since.status).toBe(304);
    // Another version's ETag: the file.
    expect(await get(host, "/data.txt", { "if-none-match": 'W/"other"' })).toMatchObject({
      status: 200,
      body: BODY,
    });
    // The SPA fallback revalidates too (index.html under the requested path).
    const deep = await get(spaHost, "/app/settings");
    expect(deep).toMatchObject({ status: 200, body: "<h1>home</h1>\n" });
    expect((await get(spaHost, "/app/other", { "if-none-match": deep.headers.etag! })).status).toBe(304);
  });

  it("knows types the old 16-entry table did not", async () => {
    expect((await get(host, "/app.webmanifest")).headers["content-type"]).toMatch(
      /^application\/manifest\+json/,
    );
    expect((await get(host, "/photo.avif")).headers["content-type"]).toBe("image/avif");
    expect((await get(host, "/module.wasm")).headers["content-type"]).toBe("application/wasm");
  });

  it("never serves a dotfile or anything outside the site, and SPA fallback does not reveal them", async () => {
    for (const p of ["/.env", "/.git/config", "/%2e%65nv", "/docs/../.env", "/env.txt", "/out.txt"]) {
      expect((await get(host, p)).status, p).toBe(404);
    }
    for (const p of ["/../outside.txt", "/%2e%2e/outside.txt", "/..%2Foutside.txt"]) {
      expect((await get(host, p)).status, p).toBe(404);
    }
    // With a catch-all rewrite they are as if missing: the app's index.html, not the file.
    expect(await get(spaHost, "/.env")).toMatchObject({ status: 200, body: "<h1>home</h1>\n" });
    expect((await get(host, "/.well-known/security.txt")).body).toBe("Contact: x\n");
    expect(isHiddenPath("/.well-known/x")).toBe(false);
    expect(isHiddenPath("/a/.well-known/x")).toBe(true);
    expect(isHiddenPath("/a/b.c/d")).toBe(false);
  });
});
