import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { loadKubernetesSpecs } from "../kubernetes-spec.js";
import { Cluster, type FieldValidation, type WriteOptions } from "./cluster.js";
import { Controllers } from "./controllers.js";
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiIndex,
  versionInfo,
} from "./discovery.js";
import { Faults } from "./faults.js";
import { kubeconfig } from "./kubeconfig.js";
import { apiVersionOf, findType, type ResourceType, typeByName } from "./resources.js";
import { matchesFields, matchesRequirements, parseFieldSelector, parseLabelSelector } from "./selectors.js";
import {
  badRequest,
  forbidden,
  methodNotAllowed,
  pathNotFound,
  StatusError,
  statusBody,
  unauthorized,
  unsupportedMediaType,
} from "./status.js";
import type { KObject } from "./store.js";
import { toTable, wantsTable } from "./tables.js";
import { selfSignedCertificate } from "./tls.js";
import type { FakeKubernetes, FakeKubernetesOptions, RecordedRequest } from "./types.js";
import { serveWatch } from "./watch.js";

export const DEFAULT_TOKEN = "fake-kubernetes-token-0123456789";
export const DEFAULT_FORBIDDEN_TOKEN = "fake-kubernetes-forbidden-token";

type Json = Record<string, unknown>;

interface Target {
  resource: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
  watch: boolean;
}

/**
 * A fake Kubernetes API server on 127.0.0.1 (plain HTTP). Each request goes through, in
 * order: the fake's clock (due transitions applied), injected failures (`failNext`,
 * `throttle`), authentication (the bearer token: 401), discovery and OpenAPI, routing
 * (404 for unknown paths), authorization (a forbidden token: 403), then the operation.
 */
export async function startFakeKubernetes(options: FakeKubernetesOptions = {}): Promise<FakeKubernetes> {
  const token = options.token ?? DEFAULT_TOKEN;
  const forbiddenTokens = new Set(options.forbiddenTokens ?? [DEFAULT_FORBIDDEN_TOKEN]);
  const user = options.user ?? "system:serviceaccount:tenantry:tenantry";
  const specs = options.validate === false ? undefined : loadKubernetesSpecs();
  const t = options.timings ?? {};
  const cluster = new Cluster(specs, {
    podStartMs: t.podStartMs ?? 300,
    podTerminationMs: t.podTerminationMs ?? 200,
    crashLoopMs: t.crashLoopMs ?? 1000,
    jobRunMs: t.jobRunMs ?? 1000,
    jobBackoffMs: t.jobBackoffMs ?? 500,
    namespaceTerminationMs: t.namespaceTerminationMs ?? 1000,
    gcMs: t.gcMs ?? 20,
    bindMs: t.bindMs ?? 200,
    secondMs: t.secondMs ?? 1000,
  });
  const controllers = new Controllers(cluster, {
    crashLoopImages: /crashloop|fail/,
    imagePullImages: /:nonexistent$|does-not-exist/,
    ...options.failures,
  });
  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  const streams = new Set<http.ServerResponse>();
  const defaultFieldValidation = options.defaultFieldValidation ?? "Warn";
  const gitVersion = options.gitVersion ?? "v1.35.0";
  let hostPort = "127.0.0.1:0";

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const now = Date.now();
    cluster.timeline.advance(now);
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readBody(req);
    const query = Object.fromEntries(url.searchParams);
    const contentType = req.headers["content-type"]?.split(";")[0]?.trim();
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query,
      contentType,
      body: parseForRecord(raw, contentType),
      status: 0,
      time: now,
      userAgent: req.headers["user-agent"],
    };
    requests.push(record);
    const warnings: string[] = [];
    const send = (
      status: number,
      payload: unknown,
      type = "application/json",
      headers: Record<string, string> = {},
    ) => {
      record.status = status;
      const text = typeof payload === "string" ? payload : JSON.stringify(payload);
      res.writeHead(status, {
        ...headers,
        "Content-Type": type,
        "Content-Length": String(Buffer.byteLength(text)),
        "Cache-Control": "no-cache, private",
        ...(warnings.length > 0 && { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ") }),
      });
      res.end(text);
    };
    const fail = (err: StatusError) => send(err.code, err.body(), "application/json", err.headers);

    try {
      const fault = faults.take(method, url.pathname);
      if (fault === "drop") {
        req.socket.destroy();
        return;
      }
      if (fault !== undefined) throw fault;
      const auth = req.headers.authorization ?? "";
      const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
      if (
        faults.access === "unauthorized" ||
        bearer === undefined ||
        (bearer !== token && !forbiddenTokens.has(bearer))
      ) {
        throw unauthorized();
      }
      const denied = faults.access === "forbidden" || forbiddenTokens.has(bearer);

      // Discovery and OpenAPI: open to every authenticated user, as system:discovery is.
      const p = url.pathname.replace(/\/+$/, "") || "/";
      if (method === "GET") {
        const discovery = discover(p);
        if (discovery !== undefined) {
          if (typeof discovery === "string") return send(200, discovery);
          return send(200, discovery);
        }
      }
      const target = route(p);
      if (!target) throw pathNotFound();
      if (raw !== "" && contentType && /protobuf|cbor/.test(contentType))
        throw unsupportedMediaType(contentType);
      const verb = verbOf(method, target, query["watch"] === "true" || query["watch"] === "1");
      if (denied) throw forbidden(user, verb, target.resource, target.namespace, target.name);
      await operate(method, verb, target, query, raw, contentType, req, res, send, warnings);
    } catch (err) {
      if (err instanceof StatusError) return fail(err);
      fail(
        new StatusError(
          500,
          "InternalError",
          `fake Kubernetes API bug: ${(err as Error).stack ?? String(err)}`,
        ),
      );
    }
  }

  function discover(p: string): unknown {
    if (p === "/version") return versionInfo(gitVersion);
    if (p === "/healthz" || p === "/livez" || p === "/readyz") return "ok";
    if (p === "/api") return apiVersions(hostPort);
    if (p === "/apis") return apiGroupList();
    if (p === "/openapi/v3") return openApiIndex(specs);
    if (p.startsWith("/openapi/v3/")) {
      const doc = specs?.documentText(p.slice("/openapi/v3/".length));
      if (doc === undefined) throw pathNotFound();
      return doc;
    }
    if (p === "/openapi/v2") throw pathNotFound();
    const core = /^\/api\/(v1)$/.exec(p);
    if (core) return apiResourceList("", core[1]!);
    const g = /^\/apis\/([^/]+)$/.exec(p);
    if (g) return apiGroup(g[1]!) ?? raise(pathNotFound());
    const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
    if (gv) return apiResourceList(gv[1]!, gv[2]!) ?? raise(pathNotFound());
    return undefined;
  }

  function route(p: string): Target | undefined {
    const segs = p
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === "api" && segs[1] === "v1") {
      group = "";
      version = "v1";
      rest = segs.slice(2);
    } else if (segs[0] === "apis" && segs.length >= 3) {
      group = segs[1]!;
      version = segs[2]!;
      rest = segs.slice(3);
    } else return undefined;
    let watch = false;
    if (rest[0] === "watch") {
      watch = true;
      rest = rest.slice(1);
    }
    if (rest[0] === "namespaces" && rest.length >= 3) {
      const inner = findType(group, version, rest[2]!);
      if (inner?.namespaced) {
        if (rest.length > 5) return undefined;
        return { resource: inner, namespace: rest[1], name: rest[3], sub: rest[4], watch };
      }
    }
    const resource = findType(group, version, rest[0] ?? "");
    if (!resource || rest.length > 3) return undefined;
    if (resource.namespaced && rest.length > 1) return undefined;
    return { resource, namespace: undefined, name: rest[1], sub: rest[2], watch };
  }

  function verbOf(method: string, target: Target, watch: boolean): string {
    if (method === "GET") {
      if (target.watch) return "watch";
      return target.name === undefined ? (watch ? "watch" : "list") : "get";
    }
    if (method === "POST") return "create";
    if (method === "PUT") return "update";
    if (method === "PATCH") return "patch";
    if (method === "DELETE") return target.name === undefined ? "deletecollection" : "delete";
    return method.toLowerCase();
  }

  async function operate(
    method: string,
    verb: string,
    target: Target,
    query: Record<string, string>,
    raw: string,
    contentType: string | undefined,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    send: (status: number, payload: unknown, type?: string, headers?: Record<string, string>) => void,
    warnings: string[],
  ): Promise<void> {
    const { resource: rt, namespace, name, sub } = target;
    if (sub !== undefined && !rt.subresources.includes(sub)) throw pathNotFound();
    const fieldValidation = (query["fieldValidation"] ?? defaultFieldValidation) as FieldValidation;
    if (!["Strict", "Warn", "Ignore"].includes(fieldValidation)) {
      throw badRequest(
        `fieldValidation: Unsupported value: "${fieldValidation}": supported values: "Ignore", "Strict", "Warn"`,
      );
    }
    if (query["dryRun"] !== undefined && query["dryRun"] !== "All") {
      throw badRequest(`dryRun: Unsupported value: "${query["dryRun"]}": supported values: "All"`);
    }
    const manager = query["fieldManager"] ?? userAgentManager(req.headers["user-agent"]);
    if (manager.length > 128) throw badRequest("fieldManager: Too long: may not be more than 128 bytes");
    const opts: WriteOptions = { manager, dryRun: query["dryRun"] === "All", fieldValidation, warnings };
    const accept = req.headers.accept;
    const render = (o: KObject) =>
      wantsTable(accept) ? toTable(rt.kind, [o], {}, query["includeObject"] ?? "Metadata", Date.now()) : o;
    if (rt.namespaced && namespace === undefined && name !== undefined) throw pathNotFound();

    if (method === "GET" && (name === undefined || (target.watch && sub === undefined))) {
      const labels = parseLabelSelector(query["labelSelector"] ?? "");
      const fields = parseFieldSelector(rt.kind, query["fieldSelector"] ?? "");
      // The legacy `/watch/…/{name}` path watches one object.
      if (name !== undefined) fields.push({ field: "metadata.name", op: "=", value: name });
      if (verb === "watch") {
        if (options.watch === false)
          throw methodNotAllowed("watch is not supported by this fake Kubernetes API");
        const timeout = query["timeoutSeconds"] !== undefined ? Number(query["timeoutSeconds"]) : undefined;
        record(200);
        serveWatch(
          cluster,
          {
            resource: rt,
            namespace,
            labels,
            fields,
            resourceVersion: query["resourceVersion"],
            timeoutSeconds: timeout,
            render,
          },
          res,
          streams,
        );
        return;
      }
      const all = cluster.store
        .list(rt, namespace)
        .filter((o) => matchesRequirements(o.metadata.labels, labels) && matchesFields(o, fields));
      const limit = query["limit"] ? Number(query["limit"]) : 0;
      let offset = 0;
      if (query["continue"]) {
        try {
          offset = Number(JSON.parse(Buffer.from(query["continue"], "base64url").toString("utf8")).offset);
        } catch {
          throw badRequest("continue key is not valid");
        }
      }
      const page = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
      const more = limit > 0 && offset + limit < all.length;
      const meta: Json = {
        resourceVersion: String(cluster.store.resourceVersion),
        ...(more && {
          continue: Buffer.from(JSON.stringify({ offset: offset + limit })).toString("base64url"),
          remainingItemCount: all.length - offset - limit,
        }),
      };
      if (wantsTable(accept))
        return send(200, toTable(rt.kind, page, meta, query["includeObject"] ?? "Metadata", Date.now()));
      return send(200, {
        kind: `${rt.kind}List`,
        apiVersion: apiVersionOf(rt),
        metadata: meta,
        items: page.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
      });
    }

    if (method === "GET") {
      const obj = cluster.get(rt, namespace, name!);
      if (sub === "log") {
        const container = query["container"];
        const containers = ((obj["spec"] as Json)["containers"] ?? []) as Json[];
        if (container === undefined && containers.length > 1) {
          throw badRequest(
            `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c["name"]).join(" ")}]`,
          );
        }
        let text = controllers.logsOf(obj) ?? "";
        const phase = (obj["status"] as Json | undefined)?.["phase"];
        if (phase === "Pending" && text === "") {
          throw badRequest(
            `container "${containers[0]?.["name"]}" in pod "${name}" is waiting to start: ContainerCreating`,
          );
        }
        if (query["tailLines"]) {
          const n = Number(query["tailLines"]);
          const lines = text.split("\n");
          const last = lines[lines.length - 1] === "" ? lines.slice(0, -1) : lines;
          text = last
            .slice(Math.max(0, last.length - n))
            .map((l) => `${l}\n`)
            .join("");
        }
        return send(200, text, "text/plain");
      }
      if (sub === "scale") return send(200, scaleOf(rt, obj));
      return send(200, render(obj));
    }

    if (method === "POST") {
      if (name !== undefined) throw methodNotAllowed();
      if (rt.readOnly)
        throw methodNotAllowed(`${rt.plural} are made by the fake's controllers: create is not allowed`);
      const obj = cluster.create(rt, namespace, parseJson(raw), opts);
      return send(201, obj);
    }

    if (method === "PUT") {
      if (name === undefined || rt.readOnly) throw methodNotAllowed();
      if (sub === "status")
        throw methodNotAllowed("the fake's controllers own status: updating it is not supported");
      if (sub === "scale") {
        const body = parseJson(raw) as Json;
        const replicas = (body["spec"] as Json | undefined)?.["replicas"];
        const obj = cluster.patch(rt, namespace, name, "merge", { spec: { replicas } }, opts);
        return send(200, scaleOf(rt, obj));
      }
      return send(200, cluster.update(rt, namespace, name, parseJson(raw), opts));
    }

    if (method === "PATCH") {
      if (name === undefined || rt.readOnly) throw methodNotAllowed();
      if (sub === "status")
        throw methodNotAllowed("the fake's controllers own status: patching it is not supported");
      if (contentType === "application/apply-patch+yaml" || contentType === "application/apply-patch+json") {
        if (!query["fieldManager"])
          throw badRequest("PATCH requests with apply content type require fieldManager");
        if (sub === "scale") throw unsupportedMediaType(contentType);
        let body: unknown;
        try {
          body = parseYaml(raw);
        } catch (err) {
          throw badRequest(`error decoding YAML: ${(err as Error).message}`);
        }
        const force = query["force"] === "true";
        const { object, created } = cluster.apply(rt, namespace, name, body, { ...opts, force });
        return send(created ? 201 : 200, object);
      }
      if (query["force"] !== undefined)
        throw badRequest("force: Forbidden: may not be specified for non-apply patch");
      const kinds: Record<string, "merge" | "strategic" | "json"> = {
        "application/merge-patch+json": "merge",
        "application/strategic-merge-patch+json": "strategic",
        "application/json-patch+json": "json",
      };
      const kind = kinds[contentType ?? ""];
      if (!kind) throw unsupportedMediaType(contentType ?? "none");
      if (sub === "scale") {
        const patch = parseJson(raw) as Json;
        const replicas = (patch["spec"] as Json | undefined)?.["replicas"];
        const obj = cluster.patch(rt, namespace, name, "merge", { spec: { replicas } }, opts);
        return send(200, scaleOf(rt, obj));
      }
      return send(200, cluster.patch(rt, namespace, name, kind, parseJson(raw), opts));
    }

    if (method === "DELETE") {
      const body = raw.trim() === "" ? {} : (parseJson(raw) as Json);
      const propagationPolicy = (query["propagationPolicy"] ?? body["propagationPolicy"]) as
        | "Background"
        | "Foreground"
        | "Orphan"
        | undefined;
      if (
        propagationPolicy !== undefined &&
        !["Background", "Foreground", "Orphan"].includes(propagationPolicy)
      ) {
        throw badRequest(
          `propagationPolicy: Unsupported value: "${propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`,
        );
      }
      const orphan = query["orphanDependents"] ?? body["orphanDependents"];
      const policy =
        propagationPolicy ??
        (orphan === "true" || orphan === true
          ? "Orphan"
          : orphan === "false" || orphan === false
            ? "Background"
            : undefined);
      const dryRun = opts.dryRun || (Array.isArray(body["dryRun"]) && body["dryRun"].includes("All"));
      const deleteOpts = {
        ...(policy && { propagationPolicy: policy }),
        dryRun,
        preconditions: (body["preconditions"] ?? {}) as { uid?: string; resourceVersion?: string },
        warnings,
      };
      if (name === undefined) {
        if (rt.kind === "Namespace") throw methodNotAllowed();
        const labels = parseLabelSelector(query["labelSelector"] ?? "");
        const fields = parseFieldSelector(rt.kind, query["fieldSelector"] ?? "");
        const victims = cluster.store
          .list(rt, namespace)
          .filter((o) => matchesRequirements(o.metadata.labels, labels) && matchesFields(o, fields));
        const items = victims.map((v) => {
          const copy = structuredClone(v);
          cluster.delete(rt, v.metadata.namespace, v.metadata.name, { ...deleteOpts, preconditions: {} });
          return copy;
        });
        return send(200, {
          kind: `${rt.kind}List`,
          apiVersion: apiVersionOf(rt),
          metadata: { resourceVersion: String(cluster.store.resourceVersion) },
          items,
        });
      }
      const out = cluster.delete(rt, namespace, name, deleteOpts);
      return send(out.status, out.body);
    }
    throw methodNotAllowed();

    function record(status: number) {
      const last = requests[requests.length - 1];
      if (last) last.status = status;
    }
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
      res.end(JSON.stringify(statusBody(500, "InternalError", String(err))));
    });
  };
  const listen = (server: http.Server | https.Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    });
  const dir = mkdtempSync(path.join(os.tmpdir(), "fake-kubernetes-"));
  const server = http.createServer(listener);
  const port = await listen(server, options.port ?? 0);
  hostPort = `127.0.0.1:${port}`;
  const url = `http://127.0.0.1:${port}`;
  const cert = options.tls === false ? undefined : selfSignedCertificate(dir);
  const secure = cert ? https.createServer({ key: cert.key, cert: cert.cert }, listener) : undefined;
  const tlsPort = secure ? await listen(secure, options.tlsPort ?? 0) : undefined;
  const httpsUrl = tlsPort !== undefined ? `https://127.0.0.1:${tlsPort}` : undefined;
  const kubeconfigPath = path.join(dir, "kubeconfig.yaml");
  writeFileSync(kubeconfigPath, kubeconfig(httpsUrl ?? url, token, cert?.cert), { mode: 0o600 });
  const servers = [server, ...(secure ? [secure] : [])];

  const current = () => {
    cluster.timeline.advance(Date.now());
    return cluster;
  };
  const typeOf = (name: string) => {
    const found = typeByName(name);
    if (!found) throw new Error(`fake-kubernetes: no resource type "${name}"`);
    return found;
  };

  return {
    url,
    httpsUrl,
    caCertificate: cert?.cert,
    token,
    kubeconfigPath,
    validating: specs !== undefined,
    requests,
    violations: cluster.violations,
    state: {
      get: (type, namespace, name) => {
        const found = current().store.get(typeOf(type), namespace, name);
        return found && structuredClone(found);
      },
      list: (type, namespace) =>
        current()
          .store.list(typeOf(type), namespace)
          .map((o) => structuredClone(o)),
      namespaces: () =>
        current()
          .store.list(typeOf("namespaces"))
          .map((n) => n.metadata.name),
      contents: (namespace) =>
        current()
          .store.all()
          .filter(
            (e) =>
              e.resource.namespaced &&
              e.object.metadata.namespace === namespace &&
              e.resource.kind !== "Event",
          )
          .map((e) => `${e.resource.kind}/${e.object.metadata.name}`)
          .sort(),
      logs: (namespace, pod) => {
        const obj = current().store.get(typeOf("pods"), namespace, pod);
        return obj && controllers.logsOf(obj);
      },
      resourceVersion: () => current().store.resourceVersion,
    },
    setFailures(failures) {
      if (failures.crashLoopImages !== undefined)
        controllers.failures.crashLoopImages = failures.crashLoopImages;
      if (failures.imagePullImages !== undefined)
        controllers.failures.imagePullImages = failures.imagePullImages;
    },
    setLogs(match, text) {
      controllers.logRules.push({ match, text });
    },
    throttle: (count, retryAfterSeconds = 1, match) => faults.throttle(count, retryAfterSeconds, match),
    failNext: (count, status, match) => faults.failNext(count, status, match),
    setAccess(mode) {
      faults.access = mode;
    },
    async close() {
      cluster.close();
      for (const st of streams) st.end();
      await Promise.all(
        servers.map(
          (srv) =>
            new Promise<void>((resolve, reject) => {
              srv.close((err) => (err ? reject(err) : resolve()));
              srv.closeAllConnections();
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function raise(err: StatusError): never {
  throw err;
}

/** The API server's default field manager: the user agent up to its first "/". */
function userAgentManager(userAgent: string | undefined): string {
  const ua = (userAgent ?? "unknown").split("/")[0]!.trim();
  return ua === "" ? "unknown" : ua.slice(0, 128);
}

function scaleOf(_rt: ResourceType, obj: KObject): Json {
  const spec = (obj["spec"] ?? {}) as Json;
  const status = (obj["status"] ?? {}) as Json;
  const sel = spec["selector"] as { matchLabels?: Record<string, string> } | undefined;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: spec["replicas"] ?? 0 },
    status: {
      replicas: status["replicas"] ?? 0,
      selector: Object.entries(sel?.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    },
  };
}

function parseJson(raw: string): unknown {
  if (raw.trim() === "") throw badRequest("the body of the request was empty");
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw badRequest(`the body of the request was in an unknown format: ${(err as Error).message}`);
  }
}

function parseForRecord(raw: string, contentType: string | undefined): unknown {
  if (raw === "") return undefined;
  try {
    return contentType?.includes("yaml") ? parseYaml(raw) : JSON.parse(raw);
  } catch {
    return raw;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
