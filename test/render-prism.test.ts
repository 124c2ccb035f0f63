import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providerContext } from "../src/providers/context.js";
import type { ProviderContext, RecordedResource, ResourceDriver } from "../src/providers/provider.js";
import { RenderClient } from "../src/providers/render/client.js";
import { createDatastoreDriver, KEY_VALUE, POSTGRES } from "../src/providers/render/datastore-driver.js";
import { createEnvGroupDriver } from "../src/providers/render/env-group-driver.js";
import { RenderRateLimiter } from "../src/providers/render/rate-limits.js";
import { createServiceDriver } from "../src/providers/render/service-driver.js";
import { findFreePort } from "../src/store/free-port.js";
import { loadRenderSpec, RENDER_SPEC_PATH } from "./support/render-spec.js";

/**
 * A second, independent check of what the Render provider sends: Stoplight's Prism
 * (`@stoplight/prism-cli`) serves Render's OpenAPI document as a mock and validates every
 * request against it (answering 4xx with an `sl-violations` header when a request does not
 * conform). Every driver verb of every kind is run against it; no request may be refused.
 * Prism's answers are the document's examples, so the flows do not progress like Render's
 * (that is the fake's job); what counts here is the requests.
 */

const spec = loadRenderSpec();
if (!spec) console.warn("[render-prism] SKIPPED: ../shared/specs/render-openapi.json not found");

const require = createRequire(import.meta.url);
const logger = pino({ level: "silent" });

let prism: ChildProcess | undefined;
let base = "";
let prismOutput = "";
/** Every request sent, with the request violations Prism reported for it. */
const sent: { method: string; path: string; status: number; violations: string[]; body: unknown }[] = [];

const recordingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const url = new URL(String(input));
  const raw = res.headers.get("sl-violations");
  const violations = raw
    ? (JSON.parse(raw) as { location: string[]; message: string }[])
        .filter((v) => v.location[0] === "request")
        .map((v) => `${v.location.join(".")}: ${v.message}`)
    : [];
  sent.push({
    method: init?.method ?? "GET",
    path: url.pathname + url.search,
    status: res.status,
    violations,
    body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
  });
  return res;
};

const OWNER = "tea-prism0000000000000000";
const client = () =>
  new RenderClient({
    apiKey: "rnd_prism_check",
    baseUrl: base,
    fetch: recordingFetch,
    limiter: new RenderRateLimiter({ scale: 1_000_000 }),
    maxAttempts: 1,
    logger,
  });

/** What every recorded resource has besides its kind and spec. */
function recorded(key: string, providerId: string | null = null) {
  return {
    key,
    externalName: `${key.split(":")[1]}-acme`,
    dependsOn: [],
    providerId,
    outputs: {},
    secretOutputs: {},
  };
}

const group: RecordedResource<"envgroup"> = {
  ...recorded("group:settings", "evg-prism1"),
  kind: "envgroup",
  spec: { envVars: [{ key: "MODE", value: "production" }] },
};
const db: RecordedResource<"postgres"> = {
  ...recorded("database:db", "dpg-prism1"),
  kind: "postgres",
  spec: { name: "db", plan: "basic-1gb", databaseName: "app", user: "app" },
};
const ctx: ProviderContext = providerContext({
  tenant: { id: "00000000-0000-4000-8000-00000000000a", slug: "acme", name: "Acme", organizationId: "o" },
  installationId: "test-installation",
  logger,
  secret: () => "generated-secret-value-0123456789abcdef",
  resource: (key) =>
    key === "group:settings"
      ? group
      : key === "database:db"
        ? { ...db, secretOutputs: { connectionString: "postgresql://app:pw@dpg-prism1-a/app" } }
        : undefined,
});

/** Runs a verb; Prism's example answers may make the driver give up, which is fine here. */
async function attempt(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    // Only a refused request matters, and that is checked from `sent`.
    void what;
    void err;
  }
}

async function everyVerb(driver: ResourceDriver, r: RecordedResource): Promise<void> {
  const withId = { ...r, providerId: r.providerId ?? "srv-prism1" };
  const unrecorded = { ...r, providerId: null };
  await attempt("observe by name", () => driver.observe(ctx, unrecorded));
  await attempt("observe by id", () => driver.observe(ctx, withId));
  // apply: with neither a provider id nor an observation, a create; with the object
  // observed by name, an adoption; with the recorded id, an update.
  await attempt("create", () => driver.apply(ctx, unrecorded));
  await attempt("adopt", () =>
    driver.apply(ctx, unrecorded, { providerId: withId.providerId, state: "ready" }),
  );
  await attempt("update", () => driver.apply(ctx, withId));
  const setRunning = driver.setRunning?.bind(driver);
  if (setRunning) {
    await attempt("suspend", () => setRunning(ctx, withId, false));
    await attempt("resume", () => setRunning(ctx, withId, true));
  }
  await attempt("delete", () => driver.delete(ctx, withId));
}

beforeAll(async () => {
  if (!spec) return;
  const port = await findFreePort();
  base = `http://127.0.0.1:${port}`;
  prism = spawn(
    process.execPath,
    [
      require.resolve("@stoplight/prism-cli/dist/index.js"),
      "mock",
      RENDER_SPEC_PATH,
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  prism.stdout?.on("data", (d: Buffer) => {
    prismOutput += d.toString();
  });
  prism.stderr?.on("data", (d: Buffer) => {
    prismOutput += d.toString();
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (prism.exitCode !== null) throw new Error(`prism exited:\n${prismOutput}`);
    const up = await fetch(`${base}/owners`, { headers: { authorization: "Bearer x" } }).then(
      (r) => r.status < 500,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`prism did not start in 60 s:\n${prismOutput}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 90_000);

afterAll(async () => {
  if (prism && prism.exitCode === null) {
    const exited = once(prism, "exit");
    prism.kill("SIGTERM");
    await exited;
  }
});

describe.skipIf(!spec)(
  "the Render provider's requests, checked by Prism against Render's OpenAPI document",
  () => {
    it("sends only requests Prism accepts, for every verb of every kind", async () => {
      const c = client();
      await everyVerb(createEnvGroupDriver({ client: c, ownerId: OWNER }), group);
      await everyVerb(createDatastoreDriver(POSTGRES, { client: c, ownerId: OWNER, pollMs: 1 }), db);
      await everyVerb(createDatastoreDriver(KEY_VALUE, { client: c, ownerId: OWNER, pollMs: 1 }), {
        ...recorded("service:cache", "red-prism1"),
        kind: "keyvalue",
        spec: {
          type: "keyvalue",
          plan: "starter",
          maxmemoryPolicy: "allkeys-lru",
          ipAllowList: [],
          envVars: [],
        },
      });
      const services = createServiceDriver({ client: c, ownerId: OWNER, pollMs: 1, hashKey: "prism-check" });
      const repo = { repo: "https://github.com/acme-saas/app", branch: "main" };
      await everyVerb(services, {
        ...recorded("service:web"),
        kind: "web",
        spec: {
          type: "web",
          ...repo,
          runtime: "python",
          plan: "standard",
          buildCommand: "pip install -r requirements.txt",
          startCommand: "gunicorn app:app",
          healthCheckPath: "/healthz",
          preDeployCommand: "python manage.py migrate",
          domains: ["app.acme.example"],
          envVars: [
            { key: "MODE", value: "production", group: "group:settings" },
            { key: "DATABASE_URL", from: "database:db", property: "connectionString" },
            { key: "SECRET", secret: "generated", ref: "service:web/SECRET" },
          ],
        },
      });
      await everyVerb(services, {
        ...recorded("service:jobs"),
        kind: "worker",
        spec: {
          type: "worker",
          ...repo,
          runtime: "node",
          startCommand: "node worker.js",
          numInstances: 2,
          envVars: [],
        },
      });
      await everyVerb(services, {
        ...recorded("service:api"),
        kind: "pserv",
        spec: {
          type: "pserv",
          runtime: "docker",
          ...repo,
          dockerfilePath: "./Dockerfile",
          disk: { name: "data", mountPath: "/data", sizeGB: 5 },
          envVars: [],
        },
      });
      await everyVerb(services, {
        ...recorded("service:tick"),
        kind: "cron",
        spec: {
          type: "cron",
          ...repo,
          runtime: "node",
          schedule: "*/5 * * * *",
          startCommand: "node tick.js",
          envVars: [],
        },
      });
      await everyVerb(services, {
        ...recorded("service:site"),
        kind: "web",
        spec: {
          type: "web",
          ...repo,
          runtime: "static",
          buildCommand: "npm run build",
          staticPublishPath: "dist",
          headers: [{ path: "/*", name: "X-Frame-Options", value: "DENY" }],
          routes: [{ type: "rewrite", source: "/*", destination: "/index.html" }],
          envVars: [],
        },
      });
      await everyVerb(services, {
        ...recorded("service:img"),
        kind: "worker",
        spec: {
          type: "worker",
          runtime: "image",
          image: { url: "docker.io/library/busybox:1" },
          envVars: [],
        },
      });

      // The checks ran: Prism saw the provider's whole vocabulary…
      const routes = new Set(
        sent.map(
          (s) =>
            `${s.method} ${s.path
              .replace(/\?.*$/, "")
              .replace(
                /\/(services|postgres|key-value|env-groups|deploys|custom-domains|env-vars)\/[^/]+/g,
                "/$1/{id}",
              )}`,
        ),
      );
      for (const route of [
        "POST /env-groups",
        "GET /env-groups",
        "POST /postgres",
        "GET /postgres",
        "PATCH /postgres/{id}",
        "DELETE /postgres/{id}",
        "POST /key-value",
        "POST /services",
        "PATCH /services/{id}",
        "PUT /services/{id}/env-vars",
        "POST /services/{id}/deploys",
        "POST /services/{id}/resume",
        "POST /services/{id}/custom-domains",
        "POST /env-groups/{id}/services/{id}",
        "PUT /env-groups/{id}/env-vars/{id}",
        "DELETE /services/{id}",
      ]) {
        expect([...routes], route).toContain(route);
      }
      // …and refused none of it. One exception, a defect of the document: the branches of
      // `serviceDetails` and `envSpecificDetails` overlap (a web service's details also match
      // the private-service and worker branches; Docker details require nothing), and Prism
      // reads `oneOf` strictly, so every service body "matches more than one". For those,
      // the body must pass our own validator, which checks the branch its `type` names.
      const AMBIGUOUS = /must match exactly one schema in oneOf$/;
      const refused = sent.filter((s) => {
        const real = s.violations.filter((v) => !AMBIGUOUS.test(v));
        if (real.length > 0) return true;
        if (s.violations.length === 0) return s.status === 400 || s.status === 422;
        const ours = spec!.validateRequest({
          method: s.method,
          path: s.path.replace(/\?.*$/, ""),
          query: {},
          body: s.body,
        });
        return ours.errors.length > 0;
      });
      expect(refused).toEqual([]);
      // The exception is what it says: only service bodies, each checked by our validator.
      const ambiguous = sent.filter((s) => s.violations.length > 0);
      expect(ambiguous.every((s) => s.path.startsWith("/services"))).toBe(true);
    }, 120_000);
  },
);
