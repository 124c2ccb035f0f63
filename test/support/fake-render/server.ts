import http from "node:http";
import type { AddressInfo } from "node:net";
import { loadRenderSpec } from "../render-spec.js";
import { plainEnvVar } from "./env-vars.js";
import { ApiError, errorBody } from "./errors.js";
import { Faults } from "./faults.js";
import type { Query } from "./input.js";
import { bucketOf, RateLimits } from "./rate-limits.js";
import { Router } from "./router.js";
import { ROUTES } from "./routes.js";
import { domainView } from "./routes-custom-domains.js";
import { envGroupView } from "./routes-env-groups.js";
import { Store } from "./store.js";
import type { FakeRender, FakeRenderOptions, FakeRenderState, RecordedRequest, Violation } from "./types.js";

export const DEFAULT_API_KEY = "rnd_fake_0123456789abcdef";
export const DEFAULT_OWNER_ID = "tea-fake00000000000000000";

/**
 * An in-process fake of Render's public REST API on 127.0.0.1. Each request goes through,
 * in order: injected failures (`failNext`), access (`setAccess`, then the Bearer key),
 * routing (501 for what the fake does not implement), rate limits, validation against
 * Render's OpenAPI document, and the handler. Only the handler changes state.
 */
export async function startFakeRender(options: FakeRenderOptions = {}): Promise<FakeRender> {
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  const timings = {
    postgresCreateMs: options.timings?.postgresCreateMs ?? 300,
    keyValueCreateMs: options.timings?.keyValueCreateMs ?? 200,
    buildMs: options.timings?.buildMs ?? 200,
    deployMs: options.timings?.deployMs ?? 200,
    jobStartMs: options.timings?.jobStartMs ?? 100,
    jobRunMs: options.timings?.jobRunMs ?? 200,
  };
  const newLimits = () =>
    options.noRateLimits
      ? undefined
      : new RateLimits(options.rateLimitScale ?? 1, options.resetStyle ?? "epoch");
  const workspaceStore = (ownerId: string, name: string) =>
    new Store({ id: ownerId, name, email: "owner@example.com", type: "team" }, timings);
  const store = workspaceStore(
    options.ownerId ?? DEFAULT_OWNER_ID,
    options.ownerName ?? "Fake Render workspace",
  );
  /**
   * Workspaces by API key: each key sees and changes only its own workspace's objects (its
   * own store), with its own rate limits; a revoked key gets 401.
   */
  const workspaces = new Map<string, { store: Store; limits: RateLimits | undefined; revoked: boolean }>([
    [apiKey, { store, limits: newLimits(), revoked: false }],
  ]);
  const router = new Router(ROUTES);
  const spec = options.validate === false ? undefined : loadRenderSpec();
  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  const violations: Violation[] = [];
  const rateLimited: Record<string, number> = {};

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const now = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readBody(req);
    const query = queryOf(url.searchParams);
    const path = url.pathname.replace(/^\/v1(?=\/|$)/, "") || "/";
    let body: unknown;
    let badJson = false;
    if (raw !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        badJson = true;
      }
    }
    const record: RecordedRequest = { method, path, query, body, status: 0, time: now };
    requests.push(record);
    let headers: Record<string, string> = {};
    const send = (status: number, payload?: unknown) => {
      record.status = status;
      const text = payload === undefined ? "" : JSON.stringify(payload);
      res.writeHead(status, {
        ...headers,
        ...(text !== "" && { "Content-Type": "application/json; charset=utf-8" }),
        "Content-Length": String(Buffer.byteLength(text)),
      });
      res.end(text);
    };
    const fail = (status: number, id: string, message: string) => send(status, errorBody(id, message));

    const fault = faults.take(method, path);
    if (fault === "drop") {
      req.socket.destroy();
      return;
    }
    if (fault !== undefined) return fail(fault, `injected_${fault}`, `injected failure (HTTP ${fault})`);
    if (faults.access === "unauthorized")
      return fail(401, "unauthorized", "unauthorized: the API key was revoked");
    if (faults.access === "forbidden") return fail(403, "forbidden", "forbidden");
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const workspace = bearer === undefined ? undefined : workspaces.get(bearer);
    if (!workspace) return fail(401, "unauthorized", "unauthorized");
    if (workspace.revoked) return fail(401, "unauthorized", "unauthorized: the API key was revoked");
    const { store, limits } = workspace;
    if (!url.pathname.startsWith("/v1/")) return fail(404, "not_found", `not found: ${url.pathname}`);

    const operationId = spec?.findOperation(method, path)?.operationId;
    if (operationId !== undefined) record.operationId = operationId;
    const match = router.match(method, path);
    if (!match) {
      const what = operationId ? `operation ${operationId}` : "not an operation of Render's API either";
      return fail(
        501,
        "not_implemented",
        `the fake Render API does not implement ${method} ${path} (${what})`,
      );
    }

    if (limits) {
      const decision = limits.take(bucketOf(method, match.route.template, match.params), now);
      headers = decision.headers;
      if (!decision.allowed) {
        rateLimited[decision.bucket] = (rateLimited[decision.bucket] ?? 0) + 1;
        return fail(429, "rate_limited", `rate limit exceeded (${decision.bucket})`);
      }
    }

    const errors = badJson
      ? ["the request body is not valid JSON"]
      : (spec?.validateRequest({ method, path, query, body }).errors ?? []);
    if (errors.length > 0) {
      violations.push({ method, path, ...(operationId !== undefined && { operationId }), errors });
      return fail(400, "invalid", errors.join("; "));
    }

    store.timeline.advance(now);
    try {
      const reply = match.route.handle({ store, params: match.params, query, body, now });
      send(reply.status, reply.body);
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, err.id, err.message);
      fail(500, "internal_server_error", `fake Render API bug: ${(err as Error).stack ?? String(err)}`);
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(errorBody("internal_server_error", String(err))));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const stateOf = (of: Store): FakeRenderState => {
    const current = () => {
      of.timeline.advance(Date.now());
      return of;
    };
    const serviceRecord = (id: string) => current().services.get(id);
    return {
      services: () => [...current().services.values()].map((r) => structuredClone(r.service)),
      postgres: () => [...current().postgres.values()].map((r) => structuredClone(r.postgres)),
      keyValues: () => [...current().keyValues.values()].map((r) => structuredClone(r.keyValue)),
      envGroups: () => [...current().envGroups.values()].map((g) => envGroupView(of, g)),
      deploys: (serviceId) =>
        [...(serviceRecord(serviceId)?.deploys ?? [])].reverse().map((d) => structuredClone(d.deploy)),
      jobs: (serviceId) =>
        [...(serviceRecord(serviceId)?.jobs ?? [])].reverse().map((j) => structuredClone(j.job)),
      envVars: (serviceId) => (serviceRecord(serviceId)?.envVars ?? []).map(plainEnvVar),
      customDomains: (serviceId) => {
        const rec = serviceRecord(serviceId);
        return (rec?.customDomains ?? []).map((d) => domainView(rec!, d));
      },
      staticRules: (serviceId) => {
        const rec = serviceRecord(serviceId);
        return {
          headers: (rec?.headers ?? []).map(({ path, name, value }) => ({ path, name, value })),
          routes: (rec?.routes ?? []).map(({ type, source, destination, priority }) => ({
            type,
            source,
            destination,
            priority,
          })),
        };
      },
    };
  };
  const keyOf = (key: string) => {
    const found = workspaces.get(key);
    if (!found) throw new Error(`fake Render: no workspace has API key ${key.slice(0, 8)}…`);
    return found;
  };

  return {
    url: `http://127.0.0.1:${port}/v1`,
    apiKey,
    ownerId: store.owner.id,
    validating: spec !== undefined,
    requests,
    violations,
    rateLimited,
    state: stateOf(store),
    addWorkspace(workspace) {
      if (workspaces.has(workspace.apiKey)) throw new Error("fake Render: that API key is taken");
      const own = workspaceStore(workspace.ownerId, workspace.name ?? `Workspace ${workspace.ownerId}`);
      workspaces.set(workspace.apiKey, { store: own, limits: newLimits(), revoked: false });
      return { apiKey: workspace.apiKey, ownerId: workspace.ownerId, state: stateOf(own) };
    },
    revokeKey(key) {
      keyOf(key).revoked = true;
    },
    restoreKey(key) {
      keyOf(key).revoked = false;
    },
    failNext: (count, status, match) => faults.failNext(count, status, match),
    failDeploys(match, status) {
      store.deployFailures.unshift({ match, status });
    },
    clearDeployFailures() {
      store.deployFailures = [];
    },
    setAccess(mode) {
      faults.access = mode;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function queryOf(params: URLSearchParams): Query {
  const query: Query = {};
  for (const [key, value] of params) {
    const prev = query[key];
    query[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return query;
}
