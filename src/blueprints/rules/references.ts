import { didYouMean } from "../suggest.js";
import { joinPointer } from "../yaml-source.js";
import { type Diagnostics, isObject, type PlainObject } from "./context.js";
import { type Entry, isStaticSite, type Resources } from "./resources.js";

/**
 * Variables Render sets on every service itself; a `fromService.envVarKey` may name them
 * without the service declaring them, and they never order deployments.
 * See https://render.com/docs/environment-variables#all-runtimes
 */
export const PLATFORM_ENV_VARS = new Set([
  "RENDER",
  "RENDER_SERVICE_ID",
  "RENDER_SERVICE_NAME",
  "RENDER_SERVICE_TYPE",
  "RENDER_EXTERNAL_HOSTNAME",
  "RENDER_EXTERNAL_URL",
  "RENDER_INSTANCE_ID",
  "RENDER_DISCOVERY_SERVICE",
  "RENDER_GIT_BRANCH",
  "RENDER_GIT_COMMIT",
  "RENDER_GIT_REPO_SLUG",
  "RENDER_CPU_COUNT",
  "RENDER_WEB_CONCURRENCY",
  "IS_PULL_REQUEST",
  "PORT",
]);

/** A service as references see it: its kind and the env var keys it defines. */
interface ServiceInfo {
  entry: Entry;
  /** `keyvalue` for `redis`; `static` for static sites. */
  kind: string;
  keys: Set<string>;
}

/** Checks names are unique and every `fromDatabase`/`fromService`/`fromGroup`/hook reference resolves. */
export function checkReferences(res: Resources, d: Diagnostics): void {
  const databases = uniqueNames(res.databases, "database", d);
  const groups = uniqueNames(res.envVarGroups, "env var group", d);
  const services = new Map<string, ServiceInfo>();
  for (const [name, entry] of uniqueNames(res.services, "service", d)) {
    services.set(name, { entry, kind: kindOf(entry.value), keys: new Set() });
  }
  for (const info of services.values()) {
    for (const item of envItems(info.entry)) {
      if (typeof item.value["key"] === "string") info.keys.add(item.value["key"]);
      const g = groups.get(String(item.value["fromGroup"]));
      if (g)
        for (const gi of envItems(g)) if (typeof gi.value["key"] === "string") info.keys.add(gi.value["key"]);
    }
  }

  // Variables that read another service's variable (`envVarKey`) form chains, which must
  // end in a value; references to a service's address (`property`) may go both ways
  // (two services pointing at each other): rendering sets those once both exist.
  const edges = new Map<string, { to: string; pointer: string }[]>();
  for (const [name, info] of services) {
    for (const { value: item, pointer } of envItems(info.entry)) {
      const db = item["fromDatabase"];
      if (isObject(db) && typeof db["name"] === "string" && !databases.has(db["name"])) {
        d.error(
          "missing-reference",
          joinPointer(pointer, "fromDatabase", "name"),
          `no database named \`${db["name"]}\`${didYouMean(db["name"], databases.keys())}`,
        );
      }
      const group = item["fromGroup"];
      if (typeof group === "string" && !groups.has(group)) {
        d.error(
          "missing-reference",
          joinPointer(pointer, "fromGroup"),
          `no env var group named \`${group}\`${didYouMean(group, groups.keys())}`,
        );
      }
      const ref = item["fromService"];
      if (isObject(ref)) {
        const to = checkServiceRef(ref, joinPointer(pointer, "fromService"), services, d);
        const key = item["key"];
        if (to && typeof ref["envVarKey"] === "string" && typeof key === "string") {
          const from = variable(name, key);
          edges.set(from, [
            ...(edges.get(from) ?? []),
            { to: variable(to, ref["envVarKey"]), pointer: joinPointer(pointer, "fromService") },
          ]);
        }
      }
    }
  }
  reportCycles(edges, d);
}

/** A variable of a service, as cycles name it: `api.JWT_SECRET`. */
const variable = (service: string, key: string) => `${service}.${key}`;

/** Checks one `fromService`; returns the target's name when the reference orders deployments. */
function checkServiceRef(
  ref: PlainObject,
  at: string,
  services: Map<string, ServiceInfo>,
  d: Diagnostics,
): string | undefined {
  const { name, type, property, envVarKey } = ref;
  if (typeof name !== "string" || typeof type !== "string") return undefined;
  const target = services.get(name);
  if (!target) {
    d.error(
      "missing-reference",
      joinPointer(at, "name"),
      `no service named \`${name}\`${didYouMean(name, services.keys())}`,
    );
    return undefined;
  }
  const wanted = type === "redis" ? "keyvalue" : type;
  if (wanted === "dpg") {
    d.error(
      "incompatible-reference",
      joinPointer(at, "type"),
      "a database is referenced with `fromDatabase`, not `fromService`",
    );
    return undefined;
  }
  if (wanted !== target.kind) {
    d.error(
      "incompatible-reference",
      joinPointer(at, "type"),
      `\`${name}\` is a ${describe(target.kind)}, not a ${describe(wanted)}: write \`type: ${target.kind}\``,
    );
    return undefined;
  }
  if (typeof property === "string") {
    const networked = target.kind === "web" || target.kind === "pserv" || target.kind === "keyvalue";
    if (!networked) {
      d.error(
        "bad-property",
        joinPointer(at, "property"),
        `a ${describe(target.kind)} has no network address: reference one of its env vars with \`envVarKey\``,
      );
      return undefined;
    }
    if (property === "connectionString" && target.kind !== "keyvalue") {
      d.error(
        "bad-property",
        joinPointer(at, "property"),
        "`connectionString` is a property of Key Value instances only: use host, port or hostport",
      );
      return undefined;
    }
    return name;
  }
  if (typeof envVarKey === "string") {
    if (target.kind === "keyvalue") {
      d.error(
        "bad-property",
        joinPointer(at, "envVarKey"),
        "a Key Value instance has no env vars: use `property`",
      );
      return undefined;
    }
    if (PLATFORM_ENV_VARS.has(envVarKey)) return undefined;
    if (!target.keys.has(envVarKey)) {
      d.error(
        "missing-reference",
        joinPointer(at, "envVarKey"),
        `service \`${name}\` defines no env var \`${envVarKey}\`${didYouMean(envVarKey, [...target.keys, ...PLATFORM_ENV_VARS])}`,
      );
      return undefined;
    }
    return name;
  }
  return undefined;
}

function describe(kind: string): string {
  return kind === "static" ? "static site" : kind === "keyvalue" ? "Key Value instance" : `${kind} service`;
}

function kindOf(s: PlainObject): string {
  if (s["type"] === "redis") return "keyvalue";
  if (isStaticSite(s)) return "static";
  return String(s["type"]);
}

function envItems(entry: Entry): { value: PlainObject; pointer: string }[] {
  const list = entry.value["envVars"];
  if (!Array.isArray(list)) return [];
  const base = joinPointer(entry.pointer, "envVars");
  return list.flatMap((v, i) => (isObject(v) ? [{ value: v, pointer: joinPointer(base, i) }] : []));
}

/** Name → entry, reporting the second use of a name. */
function uniqueNames(entries: Entry[], kind: string, d: Diagnostics): Map<string, Entry> {
  const byName = new Map<string, Entry>();
  for (const e of entries) {
    const name = e.value["name"];
    if (typeof name !== "string") continue;
    const first = byName.get(name);
    if (first) {
      d.error(
        "duplicate-name",
        joinPointer(e.pointer, "name"),
        `another ${kind} is already named \`${name}\` (${first.pointer})`,
      );
      continue;
    }
    byName.set(name, e);
  }
  return byName;
}

/**
 * Reports each cycle of variables reading each other (`a.X` ← `b.Y` ← `a.X`: none has a
 * value) once, at the reference that starts it.
 */
function reportCycles(edges: Map<string, { to: string; pointer: string }[]>, d: Diagnostics): void {
  const state = new Map<string, "open" | "done">();
  const stack: { name: string; pointer: string }[] = [];
  const reported = new Set<string>();
  const visit = (name: string) => {
    state.set(name, "open");
    for (const edge of edges.get(name) ?? []) {
      const s = state.get(edge.to);
      if (s === "open") {
        const from = stack.findIndex((f) => f.name === edge.to);
        const cycle = [...stack.slice(from), { name, pointer: edge.pointer }];
        const names = cycle.map((c) => c.name);
        const id = [...names].sort().join("\u0000");
        if (reported.has(id)) continue;
        reported.add(id);
        const startAt = cycle[0]?.pointer ?? edge.pointer;
        d.error(
          "reference-cycle",
          startAt,
          `these variables read each other and none has a value: ${[...names, edge.to].join(" → ")}`,
        );
      } else if (s === undefined) {
        stack.push({ name, pointer: edge.pointer });
        visit(edge.to);
        stack.pop();
      }
    }
    state.set(name, "done");
  };
  for (const name of edges.keys()) if (!state.has(name)) visit(name);
}
