import { didYouMean } from "../suggest.js";
import { findTemplates } from "../templates.js";
import { joinPointer } from "../yaml-source.js";
import { type Diagnostics, isObject, type PlainObject } from "./context.js";
import { cronProblem } from "./cron.js";
import { checkEnvVars } from "./env-vars.js";
import {
  cronService,
  DATABASE_ENGINES,
  database,
  environment,
  envVarGroup,
  keyValue,
  MYSQL_DATABASE_KEYS,
  project,
  SERVICE_TYPES,
  serverService,
  staticSite,
  ungrouped,
} from "./render-shapes.js";
import { checkShape, type Shape, typeName } from "./shape.js";

/** One resource as written, with where it is and which environment it belongs to. */
export interface Entry {
  pointer: string;
  value: PlainObject;
  /** `project/environment` for resources under `projects[].environments[]`. */
  environment?: string;
}

export interface Resources {
  services: Entry[];
  databases: Entry[];
  envVarGroups: Entry[];
}

/**
 * Checks every resource of the blueprint (top level, `ungrouped`, and each
 * `projects[].environments[]`) and returns them in one flat list per kind.
 */
export function collectResources(doc: PlainObject, d: Diagnostics): Resources {
  const out: Resources = { services: [], databases: [], envVarGroups: [] };
  // Document order, so the flat lists read like the file.
  for (const key of Object.keys(doc)) {
    if (key === "ungrouped") {
      const rest = doc["ungrouped"];
      checkShape(rest, ungrouped, "/ungrouped", d);
      if (isObject(rest)) collectFrom(rest, "/ungrouped", undefined, out, d);
    } else if (key === "projects") {
      collectProjects(doc["projects"], out, d);
    } else if (isResourceKey(key)) {
      collectList(doc, key, "", undefined, out, d);
    }
  }
  return out;
}

function collectProjects(projects: unknown, out: Resources, d: Diagnostics): void {
  if (!Array.isArray(projects)) return;
  projects.forEach((p, i) => {
    const pp = joinPointer("/projects", i);
    checkShape(p, project, pp, d);
    if (!isObject(p) || !Array.isArray(p["environments"])) return;
    p["environments"].forEach((env, j) => {
      const ep = joinPointer(pp, "environments", j);
      checkShape(env, environment, ep, d);
      if (!isObject(env)) return;
      collectFrom(env, ep, `${String(p["name"])}/${String(env["name"])}`, out, d);
    });
  });
}

function isResourceKey(key: string): key is keyof Resources {
  return key === "services" || key === "databases" || key === "envVarGroups";
}

function collectFrom(
  container: PlainObject,
  base: string,
  env: string | undefined,
  out: Resources,
  d: Diagnostics,
): void {
  for (const key of Object.keys(container))
    if (isResourceKey(key)) collectList(container, key, base, env, out, d);
}

function collectList(
  container: PlainObject,
  key: keyof Resources,
  base: string,
  env: string | undefined,
  out: Resources,
  d: Diagnostics,
): void {
  const list = container[key];
  if (!Array.isArray(list)) return;
  list.forEach((v, i) => {
    const at = joinPointer(base, key, i);
    if (key === "services") checkService(v, at, d);
    else if (key === "databases") checkDatabase(v, at, d);
    else {
      checkShape(v, envVarGroup, at, d);
      if (isObject(v)) checkEnvVars(v["envVars"], joinPointer(at, "envVars"), d, true);
    }
    if (isObject(v)) out[key].push({ pointer: at, value: v, ...(env ? { environment: env } : {}) });
  });
}

/**
 * A `databases:` entry: Render's database shape, plus Tenantry's `engine`. A MySQL or
 * MariaDB database refuses PostgreSQL's keys, each at its line and column; the engine
 * must be written as such (it decides what the database is, so no template).
 */
function checkDatabase(v: unknown, at: string, d: Diagnostics): void {
  checkShape(v, database, at, d);
  if (!isObject(v)) return;
  const engine = v["engine"];
  if (typeof engine !== "string") return;
  const engineAt = joinPointer(at, "engine");
  if (findTemplates(engine).length > 0) {
    d.error(
      "templated-engine",
      engineAt,
      `\`engine\` is written as one of ${DATABASE_ENGINES.join(", ")}, not as a template: it decides what kind of database this is`,
    );
    return;
  }
  if (engine !== "mysql" && engine !== "mariadb") return;
  for (const key of Object.keys(v)) {
    if (MYSQL_DATABASE_KEYS.includes(key) || !(database.t === "object" && key in database.props)) continue;
    d.error(
      "not-for-engine",
      joinPointer(at, key),
      `\`${key}\` is a PostgreSQL setting: a database with \`engine: ${engine}\` takes only ${MYSQL_DATABASE_KEYS.map((k) => `\`${k}\``).join(", ")}`,
      true,
    );
  }
  d.warn(
    "engine-targets",
    engineAt,
    `\`engine: ${engine}\` is a Tenantry extension, not Render's: served by the local target (a database on TENANTRY_LOCAL_MYSQL_URL) and refused by the render target, which has no MySQL or MariaDB`,
  );
}

/** Effective runtime of a service: `runtime`, or the deprecated `env`. */
export function runtimeOf(s: PlainObject): unknown {
  return s["runtime"] ?? s["env"];
}

/** A `type: web` service is a static site when its runtime is `static`, or when it has no runtime and only static-site keys. */
export function isStaticSite(s: PlainObject): boolean {
  if (s["type"] !== "web") return false;
  const rt = runtimeOf(s);
  if (rt === "static") return true;
  if (rt !== undefined || staticSite.t !== "object") return false;
  const props = staticSite.props;
  return Object.keys(s).every((k) => k in props);
}

/** The shapes a service may match, preferred first (Render's `anyOf`). */
function shapesFor(s: PlainObject): Shape[] {
  switch (s["type"]) {
    case "keyvalue":
    case "redis":
      return [keyValue];
    case "cron":
      return [cronService];
    case "web":
      return isStaticSite(s) ? [staticSite, serverService] : [serverService];
    case "worker":
    case "pserv":
      return [serverService];
    default:
      return [];
  }
}

function hasErrors(v: unknown, shape: Shape, d: Diagnostics): boolean {
  const probe = d.probe();
  checkShape(v, shape, "", probe);
  return probe.errors.length > 0;
}

function checkService(v: unknown, at: string, d: Diagnostics): void {
  if (!isObject(v)) {
    d.error("wrong-type", at, `a service must be a mapping, not ${typeName(v)}`);
    return;
  }
  const type = v["type"];
  const [preferred, ...others] = shapesFor(v);
  if (!preferred) {
    if (type === undefined)
      d.error(
        "missing-key",
        joinPointer(at, "type"),
        "`type` is required (web, pserv, worker, cron or keyvalue)",
      );
    else if (typeof type !== "string")
      d.error("wrong-type", joinPointer(at, "type"), `must be a string, not ${typeName(type)}`);
    else {
      d.error(
        "bad-value",
        joinPointer(at, "type"),
        `\`${type}\` is not a service type: use web, pserv, worker, cron or keyvalue${didYouMean(type, SERVICE_TYPES)}`,
      );
    }
    if (typeof v["name"] !== "string") d.error("missing-key", joinPointer(at, "name"), "`name` is required");
    return;
  }
  if (type === "redis")
    d.warn(
      "deprecated-redis",
      joinPointer(at, "type"),
      "`type: redis` is deprecated: write `type: keyvalue`",
    );
  // A `runtime: static` web service with server keys (`startCommand`…) is still valid for
  // Render: it matches the web-service shape, whose runtime enum includes `static`.
  const shape = hasErrors(v, preferred, d)
    ? (others.find((s) => !hasErrors(v, s, d)) ?? preferred)
    : preferred;
  if (shape !== preferred && preferred === staticSite && staticSite.t === "object") {
    for (const key of Object.keys(v)) {
      if (!(key in staticSite.props)) {
        d.warn(
          "not-for-static-site",
          joinPointer(at, key),
          `\`${key}\` has no effect on a static site`,
          true,
        );
      }
    }
  }
  checkShape(v, shape, at, d);
  const schedule = v["schedule"];
  if (shape === cronService && typeof schedule === "string") {
    const problem = cronProblem(schedule);
    if (problem) d.error("bad-schedule", joinPointer(at, "schedule"), problem);
  }
  if (shape === staticSite) checkStaticRules(v, at, d);
  if (shape.t === "object" && "envVars" in shape.props)
    checkEnvVars(v["envVars"], joinPointer(at, "envVars"), d, false);
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A static site's `routes` and `headers`, as Render would refuse them when it syncs the
 * Blueprint: a source or header path that is not a path, a destination that is neither a
 * path nor an http(s) URL, a header name that is not a token or a value with a line break.
 * Templated values are checked once rendered.
 */
function checkStaticRules(v: PlainObject, at: string, d: Diagnostics): void {
  const templated = (s: unknown) => typeof s === "string" && findTemplates(s).length > 0;
  const routes = Array.isArray(v["routes"]) ? v["routes"] : [];
  routes.forEach((r, i) => {
    if (!isObject(r)) return;
    const { source, destination } = r;
    if (typeof source === "string" && !templated(source) && !source.startsWith("/")) {
      d.error(
        "bad-route",
        joinPointer(at, "routes", i, "source"),
        `\`${source}\` is not a path: a source starts with \`/\``,
      );
    }
    if (
      typeof destination === "string" &&
      !templated(destination) &&
      !destination.startsWith("/") &&
      !/^https?:\/\/[^/\s]+/.test(destination)
    ) {
      d.error(
        "bad-route",
        joinPointer(at, "routes", i, "destination"),
        `\`${destination}\` is neither a path (\`/…\`) nor an http(s) URL`,
      );
    }
  });
  const headers = Array.isArray(v["headers"]) ? v["headers"] : [];
  headers.forEach((h, i) => {
    if (!isObject(h)) return;
    const { path, name, value } = h;
    if (typeof path === "string" && !templated(path) && !path.startsWith("/")) {
      d.error(
        "bad-header",
        joinPointer(at, "headers", i, "path"),
        `\`${path}\` is not a path: it starts with \`/\``,
      );
    }
    if (typeof name === "string" && !templated(name) && !HEADER_NAME.test(name)) {
      d.error("bad-header", joinPointer(at, "headers", i, "name"), `\`${name}\` is not an HTTP header name`);
    }
    if (typeof value === "string" && /[\r\n]/.test(value)) {
      d.error(
        "bad-header",
        joinPointer(at, "headers", i, "value"),
        "a header value cannot contain a line break",
      );
    }
  });
}
