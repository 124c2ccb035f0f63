import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeRender, IMPLEMENTED_ROUTES, startFakeRender } from "./support/fake-render/index.js";
import { loadRenderSpec } from "./support/render-spec.js";

/**
 * The fake Render API itself: every implemented operation answers what Render's OpenAPI
 * document says (each response is validated against it), plus the behaviours e2e tests
 * rely on: lookups by name, cursors, progressions, failures, rate limits.
 */

const spec = loadRenderSpec();
if (!spec) console.warn("[fake-render] SKIPPED: ../shared/specs/render-openapi.json not found");

const FAST = { postgresCreateMs: 60, keyValueCreateMs: 40, buildMs: 30, deployMs: 30 };

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

interface CallOptions {
  body?: unknown;
  query?: Record<string, string | string[]>;
  key?: string | null;
}

/** One request through plain fetch; the response is checked against the spec when present. */
async function call(
  fake: FakeRender,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const url = new URL(fake.url + path);
  for (const [k, v] of Object.entries(options.query ?? {})) {
    for (const value of Array.isArray(v) ? v : [v]) url.searchParams.append(k, value);
  }
  const key = options.key === undefined ? fake.apiKey : options.key;
  const res = await fetch(url, {
    method,
    headers: {
      ...(key !== null && { Authorization: `Bearer ${key}` }),
      ...(options.body !== undefined && { "Content-Type": "application/json" }),
    },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  const body = text === "" ? undefined : JSON.parse(text);
  if (spec) {
    expect(spec.validateResponse(method, path, res.status, body), `${method} ${path} ${res.status}`).toEqual(
      [],
    );
  }
  return { status: res.status, body, headers: res.headers };
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

function webService(fake: FakeRender, name: string, extra: Record<string, unknown> = {}) {
  return {
    type: "web_service",
    name,
    ownerId: fake.ownerId,
    repo: "https://github.com/render-examples/express-hello-world",
    serviceDetails: {
      runtime: "node",
      envSpecificDetails: { buildCommand: "npm ci", startCommand: "node app.js" },
    },
    ...extra,
  };
}

describe("fake Render API: access, failures and rate limits", () => {
  let fake: FakeRender;
  beforeAll(async () => {
    fake = await startFakeRender({ noRateLimits: true, timings: FAST });
  });
  afterAll(() => fake.close());

  it("answers 401 without the API key or with another one, and 401/403 when access is revoked", async () => {
    for (const key of [null, "rnd_wrong"]) {
      const res = await call(fake, "GET", "/services", { key });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ id: "unauthorized", message: expect.any(String) });
    }
    fake.setAccess("unauthorized");
    expect((await call(fake, "GET", "/services")).status).toBe(401);
    fake.setAccess("forbidden");
    expect((await call(fake, "GET", "/services/srv-x")).status).toBe(403);
    fake.setAccess("ok");
    expect((await call(fake, "GET", "/services")).status).toBe(200);
  });

  it("fails the next requests with a 5xx burst, with no effect on state", async () => {
    fake.failNext(3, 503);
    for (let i = 0; i < 3; i++) {
      const res = await call(fake, "GET", "/services");
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ id: expect.any(String), message: expect.any(String) });
    }
    expect((await call(fake, "GET", "/services")).status).toBe(200);

    fake.failNext(1, 500, (method, path) => method === "POST" && path === "/services");
    expect((await call(fake, "GET", "/owners")).status).toBe(200); // not matched
    const before = fake.state.services().length;
    expect((await call(fake, "POST", "/services", { body: webService(fake, "burst") })).status).toBe(500);
    expect(fake.state.services()).toHaveLength(before);
  });

  it("drops connections", async () => {
    fake.failNext(1, "drop", (method) => method === "POST");
    const before = fake.state.services().length;
    await expect(fetch(`${fake.url}/services`, { method: "POST" })).rejects.toThrow();
    expect(fake.requests.at(-1)).toMatchObject({ method: "POST", path: "/services", status: 0 });
    expect(fake.state.services()).toHaveLength(before);
    expect((await call(fake, "GET", "/services")).status).toBe(200);
  });

  it("answers 501 naming a route it does not implement", async () => {
    // 501 is the fake's own answer, not one of the spec's: plain fetch, unvalidated.
    const res = await fetch(`${fake.url}/services/srv-x/events`, {
      headers: { Authorization: `Bearer ${fake.apiKey}` },
    });
    expect(res.status).toBe(501);
    expect(((await res.json()) as { message: string }).message).toContain("GET /services/srv-x/events");
  });

  it("limits POST /services (epoch reset) and recovers after the scaled window", async () => {
    // 20 per hour / 1800 = 20 per 2 s. Compile the validators first, outside the window.
    expect((await call(fake, "POST", "/services", { body: webService(fake, "warm-up") })).status).toBe(201);
    const limited = await startFakeRender({ rateLimitScale: 1800, timings: FAST });
    try {
      const first = await call(limited, "POST", "/services", { body: webService(limited, "rl-0") });
      expect(first.status).toBe(201);
      expect(first.headers.get("ratelimit-limit")).toBe("20");
      expect(first.headers.get("ratelimit-remaining")).toBe("19");
      for (let i = 1; i < 20; i++) {
        expect(
          (await call(limited, "POST", "/services", { body: webService(limited, `rl-${i}`) })).status,
        ).toBe(201);
      }
      const refused = await call(limited, "POST", "/services", { body: webService(limited, "rl-20") });
      const now = Date.now() / 1000;
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ id: "rate_limited", message: expect.any(String) });
      expect(refused.headers.get("ratelimit-remaining")).toBe("0");
      const reset = Number(refused.headers.get("ratelimit-reset"));
      expect(reset).toBeGreaterThanOrEqual(Math.floor(now));
      expect(reset).toBeLessThanOrEqual(Math.ceil(now) + 2);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(limited.rateLimited["create-service"]).toBe(1);
      expect(limited.state.services()).toHaveLength(20); // the refused request did nothing

      // Other buckets are unaffected.
      const read = await call(limited, "GET", "/services");
      expect(read.status).toBe(200);
      expect(read.headers.get("ratelimit-limit")).toBe("400");

      const again = await until(
        () => call(limited, "POST", "/services", { body: webService(limited, "rl-after") }),
        (r) => r.status === 201,
        4000,
      );
      expect(again.status).toBe(201);
      expect(limited.state.services()).toHaveLength(21);
    } finally {
      await limited.close();
    }
  });

  it("limits suspend/resume per service (delta reset)", async () => {
    // 10 per minute per service / 60 = 10 per second.
    const limited = await startFakeRender({ rateLimitScale: 60, resetStyle: "delta", timings: FAST });
    try {
      const a = (await call(limited, "POST", "/services", { body: webService(limited, "a") })).body.service
        .id;
      const b = (await call(limited, "POST", "/services", { body: webService(limited, "b") })).body.service
        .id;
      for (let i = 0; i < 10; i++) {
        expect((await call(limited, "POST", `/services/${a}/${i % 2 ? "resume" : "suspend"}`)).status).toBe(
          202,
        );
      }
      const refused = await call(limited, "POST", `/services/${a}/suspend`);
      expect(refused.status).toBe(429);
      expect(refused.headers.get("ratelimit-limit")).toBe("10");
      expect(Number(refused.headers.get("ratelimit-reset"))).toBeLessThanOrEqual(1);
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(limited.state.services().find((s) => s.id === a)?.suspended).toBe("not_suspended");
      expect((await call(limited, "POST", `/services/${b}/suspend`)).status).toBe(202); // its own window
      expect(limited.rateLimited["service-change"]).toBe(1);
      const later = await until(
        () => call(limited, "POST", `/services/${a}/suspend`),
        (r) => r.status === 202,
      );
      expect(later.status).toBe(202);
    } finally {
      await limited.close();
    }
  });
});

describe.skipIf(!spec)("fake Render API against Render's OpenAPI document", () => {
  let fake: FakeRender;
  const covered = new Set<string>();

  /** `call`, remembering which operations answered 2xx. */
  async function api(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const res = await call(fake, method, path, options);
    const op = spec!.findOperation(method, path);
    if (op && res.status < 300) covered.add(`${method} ${op.template}`);
    return res;
  }

  beforeAll(async () => {
    fake = await startFakeRender({ noRateLimits: true, timings: FAST });
  });
  afterAll(() => fake.close());

  it("implements only operations of the spec", () => {
    for (const route of IMPLEMENTED_ROUTES) {
      const [method, template] = route.split(" ") as [string, string];
      expect(spec!.findOperation(method, template)?.template, route).toBe(template);
    }
  });

  it("owners", async () => {
    const list = await api("GET", "/owners");
    expect(list.body).toEqual([
      { owner: expect.objectContaining({ id: fake.ownerId }), cursor: expect.any(String) },
    ]);
    expect((await api("GET", `/owners/${fake.ownerId}`)).body.id).toBe(fake.ownerId);
    expect((await api("GET", "/owners/tea-unknown")).status).toBe(404);
  });

  it("services of every type, deploys, env vars, custom domains, suspension, deletion", async () => {
    const created = await api("POST", "/services", {
      body: webService(fake, "Web A", {
        envVars: [
          { key: "PLAIN", value: "1" },
          { key: "SECRET", generateValue: true },
        ],
        secretFiles: [{ name: ".npmrc", content: "x" }],
      }),
    });
    expect(created.status).toBe(201);
    const web = created.body.service;
    expect(web.id).toMatch(/^srv-[0-9a-v]{20}$/);
    expect(created.body.deployId).toMatch(/^dep-[0-9a-v]{20}$/);
    expect(web.serviceDetails.url).toMatch(/^https:\/\/web-a-[a-z0-9]{4}\.onrender\.com$/);
    expect(web.slug).toBe(web.serviceDetails.url.slice("https://".length, -".onrender.com".length));

    const others = [
      {
        type: "private_service",
        name: "pserv",
        ownerId: fake.ownerId,
        image: { ownerId: fake.ownerId, imagePath: "docker.io/library/nginx:latest" },
        serviceDetails: { runtime: "image", plan: "standard", region: "frankfurt" },
      },
      {
        type: "background_worker",
        name: "worker",
        ownerId: fake.ownerId,
        repo: "https://github.com/a/b",
        serviceDetails: { runtime: "docker", preDeployCommand: "./migrate" },
      },
      {
        type: "cron_job",
        name: "cron",
        ownerId: fake.ownerId,
        repo: "https://github.com/a/b",
        serviceDetails: {
          runtime: "python",
          schedule: "*/5 * * * *",
          envSpecificDetails: {
            buildCommand: "pip install -r requirements.txt",
            startCommand: "python job.py",
          },
        },
      },
      {
        type: "static_site",
        name: "site",
        ownerId: fake.ownerId,
        repo: "https://github.com/a/b",
        serviceDetails: { buildCommand: "npm run build", publishPath: "dist" },
      },
    ];
    for (const body of others) expect((await api("POST", "/services", { body })).status).toBe(201);

    expect((await api("GET", `/services/${web.id}`)).body).toMatchObject({ id: web.id, name: "Web A" });
    expect((await api("GET", "/services", { query: { type: "cron_job" } })).body).toHaveLength(1);
    const patched = await api("PATCH", `/services/${web.id}`, {
      body: { name: "Web A2", serviceDetails: { plan: "standard", healthCheckPath: "/healthz" } },
    });
    expect(patched.body).toMatchObject({ name: "Web A2", serviceDetails: { plan: "standard" } });
    expect(patched.body.serviceDetails.url).toBe(web.serviceDetails.url);

    // Deploys: the initial one goes live, a newer one replaces it.
    const first = await until(
      () => api("GET", `/services/${web.id}/deploys/${created.body.deployId}`),
      (r) => r.body.status === "live",
    );
    expect(first.body).toMatchObject({
      status: "live",
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
    const second = await api("POST", `/services/${web.id}/deploys`, { body: { clearCache: "clear" } });
    expect(second.status).toBe(201);
    expect(second.body.status).toBe("created");
    await until(
      () => api("GET", `/services/${web.id}/deploys/${second.body.id}`),
      (r) => r.body.status === "live",
    );
    const deploys = await api("GET", `/services/${web.id}/deploys`);
    expect(deploys.body.map((d: any) => [d.deploy.id, d.deploy.status])).toEqual([
      [second.body.id, "live"],
      [first.body.id, "deactivated"],
    ]);

    // Environment variables.
    const vars = await api("GET", `/services/${web.id}/env-vars`);
    expect(vars.body.map((v: any) => v.envVar.key)).toEqual(["PLAIN", "SECRET"]);
    expect(vars.body[1].envVar.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const replaced = await api("PUT", `/services/${web.id}/env-vars`, {
      body: [
        { key: "A", value: "a" },
        { key: "B", value: "b" },
      ],
    });
    expect(replaced.body.map((v: any) => v.envVar)).toEqual([
      { key: "A", value: "a" },
      { key: "B", value: "b" },
    ]);
    expect((await api("PUT", `/services/${web.id}/env-vars/C`, { body: { value: "c" } })).body).toEqual({
      key: "C",
      value: "c",
    });
    expect((await api("GET", `/services/${web.id}/env-vars/A`)).body).toEqual({ key: "A", value: "a" });
    expect((await api("DELETE", `/services/${web.id}/env-vars/B`)).status).toBe(204);
    expect(fake.state.envVars(web.id)).toEqual([
      { key: "A", value: "a" },
      { key: "C", value: "c" },
    ]);

    // Custom domains.
    const domains = await api("POST", `/services/${web.id}/custom-domains`, {
      body: { name: "example.com" },
    });
    expect(domains.status).toBe(201);
    expect(domains.body.map((d: any) => [d.name, d.domainType, d.redirectForName])).toEqual([
      ["example.com", "apex", ""],
      ["www.example.com", "subdomain", "example.com"],
    ]);
    expect((await api("GET", `/services/${web.id}/custom-domains`)).body).toHaveLength(2);
    expect((await api("GET", `/services/${web.id}/custom-domains/example.com`)).body.id).toBe(
      domains.body[0].id,
    );
    expect((await api("POST", `/services/${web.id}/custom-domains/example.com/verify`)).status).toBe(202);
    expect(
      (await api("POST", `/services/${web.id}/custom-domains`, { body: { name: "example.com" } })).status,
    ).toBe(409);
    expect((await api("DELETE", `/services/${web.id}/custom-domains/${domains.body[0].id}`)).status).toBe(
      204,
    );
    expect(fake.state.customDomains(web.id)).toEqual([]);

    // Suspension.
    expect((await api("POST", `/services/${web.id}/suspend`)).status).toBe(202);
    expect((await api("GET", `/services/${web.id}`)).body).toMatchObject({
      suspended: "suspended",
      suspenders: ["user"],
    });
    expect((await api("GET", "/services", { query: { suspended: "suspended" } })).body).toHaveLength(1);
    expect((await api("POST", `/services/${web.id}/resume`)).status).toBe(202);
    expect((await api("GET", `/services/${web.id}`)).body.suspended).toBe("not_suspended");

    // Scaling.
    expect((await api("POST", `/services/${web.id}/scale`, { body: { numInstances: 3 } })).status).toBe(202);
    expect((await api("GET", `/services/${web.id}`)).body.serviceDetails.numInstances).toBe(3);

    // Deletion.
    expect((await api("DELETE", `/services/${web.id}`)).status).toBe(204);
    const gone = await api("GET", `/services/${web.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ id: "not_found", message: expect.any(String) });
    expect((await api("DELETE", `/services/${web.id}`)).status).toBe(404);
  });

  it("keeps a static site's headers and routes, set at creation and replaced with PUT", async () => {
    const site = await api("POST", "/services", {
      body: {
        type: "static_site",
        name: "rules-site",
        ownerId: fake.ownerId,
        repo: "https://github.com/acme-saas/site",
        serviceDetails: {
          buildCommand: "npm run build",
          publishPath: "dist",
          headers: [{ path: "/*", name: "X-Frame-Options", value: "DENY" }],
          routes: [{ type: "rewrite", source: "/*", destination: "/index.html" }],
        },
      },
    });
    expect(site.status).toBe(201);
    const id = site.body.service.id as string;
    const headers = await api("GET", `/services/${id}/headers`);
    expect(headers.body.map((h: any) => h.header.name)).toEqual(["X-Frame-Options"]);
    const routes = await api("GET", `/services/${id}/routes`);
    expect(routes.body.map((r: any) => [r.route.type, r.route.priority])).toEqual([["rewrite", 0]]);
    const put = await api("PUT", `/services/${id}/headers`, {
      body: [{ path: "/assets/*", name: "Cache-Control", value: "max-age=600" }],
    });
    expect(put.status).toBe(200);
    expect((await api("PUT", `/services/${id}/routes`, { body: [] })).status).toBe(200);
    expect(fake.state.staticRules(id)).toEqual({
      headers: [{ path: "/assets/*", name: "Cache-Control", value: "max-age=600" }],
      routes: [],
    });
  });

  it("finds services by name (duplicates allowed) and pages through more than 20 with cursors", async () => {
    const names = Array.from({ length: 23 }, (_, i) => `page-${String(i).padStart(2, "0")}`);
    for (const name of names)
      expect((await api("POST", "/services", { body: webService(fake, name) })).status).toBe(201);
    expect((await api("POST", "/services", { body: webService(fake, "page-07") })).status).toBe(201);

    const byName = await api("GET", "/services", { query: { name: "page-07" } });
    expect(byName.body.map((s: any) => s.service.name)).toEqual(["page-07", "page-07"]);
    const two = await api("GET", "/services", { query: { name: ["page-01", "page-02"] } });
    expect(two.body).toHaveLength(2);
    const commaSeparated = await api("GET", "/services", { query: { name: "page-01,page-02" } });
    expect(commaSeparated.body).toHaveLength(2);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await api("GET", "/services", {
        query: { ownerId: fake.ownerId, ...(cursor !== undefined && { cursor }) },
      });
      pages++;
      if (page.body.length === 0) break;
      expect(page.body.length).toBeLessThanOrEqual(20);
      seen.push(...page.body.map((s: any) => s.service.name));
      cursor = page.body.at(-1).cursor;
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    for (const name of names) expect(seen).toContain(name);
    expect(new Set(seen).size).toBe(seen.length - 1); // page-07 twice, nothing else repeated
    expect((await api("GET", "/services", { query: { limit: "5" } })).body).toHaveLength(5);
  });

  it("ends deploys of matching services in the configured failure", async () => {
    fake.failDeploys((name) => name.startsWith("broken-"), "build_failed");
    try {
      const res = await api("POST", "/services", { body: webService(fake, "broken-1") });
      const deploy = await until(
        () => api("GET", `/services/${res.body.service.id}/deploys/${res.body.deployId}`),
        (r) => r.body.status === "build_failed",
      );
      expect(deploy.body.status).toBe("build_failed");
      expect(deploy.body.finishedAt).toEqual(expect.any(String));
    } finally {
      fake.clearDeployFailures();
    }
    const fine = await api("POST", "/services", { body: webService(fake, "broken-2") });
    await until(
      () => api("GET", `/services/${fine.body.service.id}/deploys/${fine.body.deployId}`),
      (r) => r.body.status === "live",
    );
    expect(fake.state.deploys(fine.body.service.id)[0]?.status).toBe("live");
  });

  it("one-off jobs: pending → running → succeeded or failed by their command, listed, canceled", async () => {
    const res = await api("POST", "/services", { body: webService(fake, "jobs-base") });
    const id = res.body.service.id;
    // Not before the service has a successful build.
    expect((await api("POST", `/services/${id}/jobs`, { body: { startCommand: "echo hi" } })).status).toBe(
      400,
    );
    await until(
      () => api("GET", `/services/${id}/deploys/${res.body.deployId}`),
      (r) => r.body.status === "live",
    );
    const ok = await api("POST", `/services/${id}/jobs`, { body: { startCommand: "echo hi" } });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({
      id: expect.stringMatching(/^job-[0-9a-v]{20}$/),
      serviceId: id,
      startCommand: "echo hi",
      planId: "plan-srv-002",
      status: "pending",
      createdAt: expect.any(String),
    });
    const running = await until(
      () => api("GET", `/services/${id}/jobs/${ok.body.id}`),
      (r) => r.body.status !== "pending",
    );
    expect(running.body.status).toBe("running");
    expect(running.body.startedAt).toEqual(expect.any(String));
    const done = await until(
      () => api("GET", `/services/${id}/jobs/${ok.body.id}`),
      (r) => r.body.status === "succeeded",
    );
    expect(done.body.finishedAt).toEqual(expect.any(String));
    const bad = await api("POST", `/services/${id}/jobs`, {
      body: { startCommand: "node seed.js || exit 1", planId: "plan-srv-006" },
    });
    expect(bad.body.planId).toBe("plan-srv-006");
    expect(
      (
        await until(
          () => api("GET", `/services/${id}/jobs/${bad.body.id}`),
          (r) => r.body.status === "failed",
        )
      ).body.status,
    ).toBe("failed");
    const slow = await api("POST", `/services/${id}/jobs`, { body: { startCommand: "sleep 60" } });
    const canceled = await api("POST", `/services/${id}/jobs/${slow.body.id}/cancel`);
    expect(canceled.body).toMatchObject({ status: "canceled", finishedAt: expect.any(String) });
    expect((await api("POST", `/services/${id}/jobs/${slow.body.id}/cancel`)).status).toBe(400);
    // Newest first, filtered by status and time.
    const all = await api("GET", `/services/${id}/jobs`);
    expect(all.body.map((j: any) => j.job.id)).toEqual([slow.body.id, bad.body.id, ok.body.id]);
    expect(all.body[0].cursor).toBe(slow.body.id);
    const failed = await api("GET", `/services/${id}/jobs`, { query: { status: ["failed", "canceled"] } });
    expect(failed.body.map((j: any) => j.job.id)).toEqual([slow.body.id, bad.body.id]);
    const after = await api("GET", `/services/${id}/jobs`, {
      query: { createdAfter: ok.body.createdAt, limit: "1" },
    });
    expect(after.body.map((j: any) => j.job.id)).toEqual([slow.body.id]);
    expect(
      (await api("GET", `/services/${id}/jobs`, { query: { cursor: slow.body.id } })).body.map(
        (j: any) => j.job.id,
      ),
    ).toEqual([bad.body.id, ok.body.id]);
    expect(fake.state.jobs(id).map((j) => j.status)).toEqual(["canceled", "failed", "succeeded"]);
    expect((await api("GET", `/services/${id}/jobs/job-00000000000000000000`)).status).toBe(404);
  });

  it("postgres: creating → available, connection info, update, suspension, deletion", async () => {
    const res = await api("POST", "/postgres", {
      body: { name: "main-db", ownerId: fake.ownerId, plan: "basic_256mb", version: "16", region: "oregon" },
    });
    expect(res.status).toBe(201);
    const id = res.body.id;
    expect(id).toMatch(/^dpg-[0-9a-v]{20}-a$/);
    expect(res.body.status).toBe("creating");
    const ready = await until(
      () => api("GET", `/postgres/${id}`),
      (r) => r.body.status === "available",
    );
    expect(ready.body.status).toBe("available");
    expect((await api("GET", "/postgres", { query: { name: "main-db" } })).body).toEqual([
      { postgres: expect.objectContaining({ id }), cursor: expect.any(String) },
    ]);
    const info = await api("GET", `/postgres/${id}/connection-info`);
    expect(info.body).toEqual({
      password: expect.any(String),
      internalConnectionString: `postgresql://${ready.body.databaseUser}:${info.body.password}@${id}/${ready.body.databaseName}`,
      externalConnectionString: expect.stringMatching(
        /^postgresql:\/\/.+@dpg-.+\.oregon-postgres\.render\.com\//,
      ),
      psqlCommand: expect.stringContaining("psql"),
    });
    expect((await api("GET", `/postgres/${id}/connection-info`)).body).toEqual(info.body);
    expect(
      (await api("PATCH", `/postgres/${id}`, { body: { plan: "pro_4gb", diskSizeGB: 20 } })).body,
    ).toMatchObject({
      plan: "pro_4gb",
      diskSizeGB: 20,
    });
    expect((await api("POST", `/postgres/${id}/suspend`)).status).toBe(202);
    expect(fake.state.postgres()[0]).toMatchObject({ status: "suspended", suspended: "suspended" });
    expect((await api("POST", `/postgres/${id}/resume`)).status).toBe(202);
    expect((await api("GET", `/postgres/${id}`)).body.status).toBe("available");
    expect((await api("DELETE", `/postgres/${id}`)).status).toBe(204);
    expect((await api("GET", `/postgres/${id}`)).status).toBe(404);
    expect((await api("GET", `/postgres/${id}/connection-info`)).status).toBe(404);
  });

  it("key value: creating → available, connection info, update, suspension, deletion", async () => {
    const res = await api("POST", "/key-value", {
      body: { name: "cache", ownerId: fake.ownerId, plan: "starter", maxmemoryPolicy: "allkeys_lfu" },
    });
    expect(res.status).toBe(201);
    const id = res.body.id;
    expect(id).toMatch(/^red-[0-9a-v]{20}$/);
    expect(res.body).toMatchObject({ status: "creating", options: { maxmemoryPolicy: "allkeys_lfu" } });
    await until(
      () => api("GET", `/key-value/${id}`),
      (r) => r.body.status === "available",
    );
    expect((await api("GET", "/key-value", { query: { name: "cache" } })).body[0].keyValue.id).toBe(id);
    const info = await api("GET", `/key-value/${id}/connection-info`);
    expect(info.body).toEqual({
      internalConnectionString: `redis://${id}:6379`,
      externalConnectionString: expect.stringMatching(/^rediss:\/\//),
      cliCommand: expect.any(String),
    });
    expect(
      (await api("PATCH", `/key-value/${id}`, { body: { maxmemoryPolicy: "noeviction" } })).body.options,
    ).toEqual({ maxmemoryPolicy: "noeviction" });
    expect((await api("POST", `/key-value/${id}/suspend`)).status).toBe(202);
    expect((await api("POST", `/key-value/${id}/resume`)).status).toBe(202);
    expect((await api("DELETE", `/key-value/${id}`)).status).toBe(204);
    expect((await api("GET", `/key-value/${id}`)).status).toBe(404);
  });

  it("environment groups and their links", async () => {
    const s1 = (await api("POST", "/services", { body: webService(fake, "linked-1") })).body.service;
    const s2 = (await api("POST", "/services", { body: webService(fake, "linked-2") })).body.service;
    const res = await api("POST", "/env-groups", {
      body: {
        name: "shared",
        ownerId: fake.ownerId,
        envVars: [{ key: "K", value: "v" }],
        serviceIds: [s1.id],
      },
    });
    expect(res.status).toBe(201);
    const id = res.body.id;
    expect(id).toMatch(/^evg-[0-9a-v]{20}$/);
    expect(res.body.serviceLinks).toEqual([{ id: s1.id, name: "linked-1", type: "web" }]);
    const list = await api("GET", "/env-groups", { query: { name: "shared" } });
    expect(list.body).toEqual([expect.objectContaining({ id, name: "shared" })]);
    expect((await api("GET", "/env-groups", { query: { cursor: id } })).body).toEqual([]);
    expect((await api("PATCH", `/env-groups/${id}`, { body: { name: "shared-2" } })).body.name).toBe(
      "shared-2",
    );
    const linked = await api("POST", `/env-groups/${id}/services/${s2.id}`);
    expect(linked.body.serviceLinks.map((l: any) => l.id)).toEqual([s1.id, s2.id]);
    expect((await api("DELETE", `/env-groups/${id}/services/${s1.id}`)).status).toBe(204);
    expect(
      (await api("PUT", `/env-groups/${id}/env-vars/NEW`, { body: { generateValue: true } })).body.envVars,
    ).toEqual([
      { key: "K", value: "v" },
      { key: "NEW", value: expect.any(String) },
    ]);
    expect((await api("GET", `/env-groups/${id}/env-vars/K`)).body).toEqual({ key: "K", value: "v" });
    expect((await api("DELETE", `/env-groups/${id}/env-vars/K`)).status).toBe(204);
    expect((await api("GET", `/env-groups/${id}`)).body).toMatchObject({
      name: "shared-2",
      serviceLinks: [{ id: s2.id }],
      envVars: [{ key: "NEW" }],
    });
    expect((await api("DELETE", `/env-groups/${id}`)).status).toBe(204);
    expect((await api("GET", `/env-groups/${id}`)).status).toBe(404);
  });

  it("covered every implemented operation, with no request outside the spec", () => {
    expect([...covered].sort()).toEqual([...IMPLEMENTED_ROUTES].sort());
    expect(fake.violations).toEqual([]);
  });

  it("refuses a request that does not conform to the spec with 400 and records it", async () => {
    const strict = await startFakeRender({ noRateLimits: true, timings: FAST });
    try {
      const res = await call(strict, "POST", "/services", {
        body: { ...webService(strict, "x"), type: "web" },
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ id: "invalid", message: expect.stringContaining("type") });
      expect(strict.state.services()).toEqual([]);
      const bad = await call(strict, "POST", `/services/srv-x/deploys`); // the spec requires a body
      expect(bad.status).toBe(400);
      expect(strict.violations).toEqual([
        {
          method: "POST",
          path: "/services",
          operationId: "create-service",
          errors: [expect.stringContaining("type")],
        },
        {
          method: "POST",
          path: "/services/srv-x/deploys",
          operationId: "create-deploy",
          errors: [expect.stringContaining("request body is required")],
        },
      ]);
    } finally {
      await strict.close();
    }
  });
});
