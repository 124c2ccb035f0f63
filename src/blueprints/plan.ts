/**
 * A dry run: what applying the desired resources to the recorded ones would do, resource by
 * resource and field by field, in the order the engine would do it (see
 * src/engine/reconciler.ts). Like the engine, only `spec` is compared; secret values never
 * appear in a plan.
 */

import type { DesiredResource } from "../domain/resources.js";
import type { Resource } from "../domain/types.js";
import { dependencyOrder } from "../engine/order.js";

export type PlanActionKind = "create" | "update" | "replace" | "delete" | "no-op";

export interface FieldChange {
  /** JSON pointer into the spec, e.g. `/plan` or `/envVars/2/value`. */
  path: string;
  /** `undefined` when the field is absent; `"(secret)"` for a secret. */
  from: unknown;
  to: unknown;
  /** The field cannot change in place: the resource would be replaced. */
  forcesReplace: boolean;
}

export interface PlanAction {
  action: PlanActionKind;
  key: string;
  kind: string;
  /** The platform name (`externalName`); a recorded resource keeps the name it was created with. */
  name: string;
  changes: FieldChange[];
  reason?: string;
}

export interface Plan {
  actions: PlanAction[];
  summary: Record<PlanActionKind, number>;
}

export type RecordedForPlan = Pick<
  Resource,
  "key" | "kind" | "externalName" | "spec" | "dependsOn" | "status"
>;

/** What a secret is shown as. */
export const REDACTED = "(secret)";

// ---------------------------------------------------------------------------------------
// Replace rules

/**
 * When a change of the field at `path` forces a replace:
 * - `changed`: any change (including being added or removed);
 * - `decreased`: the number (or numeric string, e.g. a major version) gets smaller;
 * - `static-toggle`: the resource switches between a static site and a running service.
 */
export type ReplaceTest = "changed" | "decreased" | "static-toggle";

export interface ReplaceRule {
  path: string;
  test: ReplaceTest;
  why: string;
  /** The value an absent field means (render.yaml's default), so writing the default out is no change. */
  default?: unknown;
}

/** Render's default region, used when a blueprint leaves `region` out. */
const DEFAULT_REGION = "oregon";

/** A change of resource kind always replaces: each kind is a different platform object. */
const KIND_CHANGE_WHY = "a resource cannot change kind in place";

const SERVICE_RULES: readonly ReplaceRule[] = [
  // Render cannot move a service between regions: a new one is created in the other region.
  { path: "/region", test: "changed", why: "a service cannot move between regions", default: DEFAULT_REGION },
  // Static sites and services are different products on Render; one cannot turn into the other.
  { path: "/runtime", test: "static-toggle", why: "a static site cannot become a service or vice versa" },
  // Same as above, for blueprints that spell a static site as `type: static`.
  { path: "/type", test: "static-toggle", why: "a static site cannot become a service or vice versa" },
  // A persistent disk can grow but never shrink.
  { path: "/disk/sizeGB", test: "decreased", why: "a persistent disk can grow but not shrink" },
];

/** Fields that cannot change in place, per resource kind (kinds not listed update everything in place). */
export const REPLACE_RULES: Readonly<Record<string, readonly ReplaceRule[]>> = {
  postgres: [
    // The database is created with the instance and cannot be renamed afterwards.
    {
      path: "/databaseName",
      test: "changed",
      why: "the database name is fixed when the instance is created",
    },
    // The owner role is created with the instance and cannot be renamed afterwards.
    { path: "/user", test: "changed", why: "the database user is fixed when the instance is created" },
    // A database cannot move between regions; its data would have to be copied to a new one.
    {
      path: "/region",
      test: "changed",
      why: "a database cannot move between regions",
      default: DEFAULT_REGION,
    },
    // A data directory can be upgraded to a newer major version in place, never downgraded.
    {
      path: "/postgresMajorVersion",
      test: "decreased",
      why: "PostgreSQL can be upgraded in place but not downgraded",
    },
    // Database storage can grow but never shrink.
    { path: "/diskSizeGB", test: "decreased", why: "database storage can grow but not shrink" },
  ],
  mysql: [
    // The database and its user are named once, when they are created.
    { path: "/databaseName", test: "changed", why: "the database name is fixed when it is created" },
    { path: "/user", test: "changed", why: "the database user is fixed when it is created" },
    // `engine` (mysql ↔ mariadb) changes nothing in place: the server is the target's.
  ],
  web: SERVICE_RULES,
  pserv: SERVICE_RULES,
  worker: SERVICE_RULES,
  cron: SERVICE_RULES,
  keyvalue: [
    // A Key Value instance cannot move between regions.
    {
      path: "/region",
      test: "changed",
      why: "a Key Value instance cannot move between regions",
      default: DEFAULT_REGION,
    },
  ],
};

function isStatic(spec: Record<string, unknown>): boolean {
  return spec.runtime === "static" || spec.type === "static" || spec.env === "static";
}

function asNumber(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return null;
}

function ruleFires(rule: ReplaceRule, from: Record<string, unknown>, to: Record<string, unknown>): boolean {
  const a = getPointer(from, rule.path) ?? rule.default;
  const b = getPointer(to, rule.path) ?? rule.default;
  switch (rule.test) {
    case "changed":
      return !deepEqual(a, b);
    case "decreased": {
      const x = asNumber(a);
      const y = asNumber(b);
      return x !== null && y !== null && y < x;
    }
    case "static-toggle":
      return isStatic(from) !== isStatic(to);
  }
}

/** Whether two JSON pointers overlap: equal, or one inside the other. */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

// ---------------------------------------------------------------------------------------
// Secrets

/** Substrings of a field or variable name that mark its value as secret. */
const SECRET_FRAGMENTS = [
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "credential",
  "apikey",
  "privatekey",
];
/** Whole words of a variable name that mark its value as secret (`API_KEY`, `DB_PASS`, `SENTRY_DSN`). */
const SECRET_WORDS = new Set(["key", "keys", "pass", "pwd", "dsn"]);
/** A URL carrying a password, e.g. `postgres://user:pw@host/db`. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:[^\s/@]+@/i;

function words(name: string): string[] {
  return name
    .split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

function fragmentSecret(name: string): boolean {
  const flat = name.toLowerCase().replace(/[^a-z0-9]/g, "");
  return SECRET_FRAGMENTS.some((f) => flat.includes(f));
}

/** Whether an environment variable (or header) of this name holds a secret. */
function secretVariableName(name: string): boolean {
  return fragmentSecret(name) || words(name).some((w) => SECRET_WORDS.has(w));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pointerToken(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** JSON pointers (into `spec`) whose values are secret; a pointer covers everything below it. */
export function secretPaths(spec: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === "string") {
      if (URL_WITH_PASSWORD.test(value)) out.push(path);
      return;
    }
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, `${path}/${i}`);
      return;
    }
    if (!isPlainObject(value)) return;
    // An environment variable (`{key, value}`, `{key, generateValue}`, `{key, sync: false}`)
    // or anything shaped like one (a header's `{name, value}`).
    const label =
      typeof value.key === "string" ? value.key : typeof value.name === "string" ? value.name : null;
    const generated = value.generateValue !== undefined && value.generateValue !== false;
    const unsynced = value.sync === false;
    // A rendered binding of a generated or a tenant's secret (`{key, secret, ref}`).
    const bound = value.secret === "generated" || value.secret === "tenant";
    // Its value is secret even where absent, so that a value given later under the same
    // variable is hidden when compared with this entry.
    if (generated || unsynced || bound) out.push(`${path}/value`);
    for (const [k, v] of Object.entries(value)) {
      const p = `${path}/${pointerToken(k)}`;
      if (k === "key" || k === "name") {
        walk(v, p);
      } else if (generated || unsynced) {
        // Everything but the name: the value is generated or set by hand outside the blueprint.
        out.push(p);
      } else if (k === "secret" && (v === "generated" || v === "tenant")) {
        // A rendered binding's marker says where the value comes from; it holds none.
      } else if (k === "value" && label !== null && secretVariableName(label)) {
        out.push(p);
      } else if (fragmentSecret(k)) {
        out.push(p);
      } else {
        walk(v, p);
      }
    }
  };
  walk(spec, "");
  return out;
}

function coveredBy(path: string, secrets: Iterable<string>): boolean {
  for (const s of secrets) if (path === s || path.startsWith(`${s}/`)) return true;
  return false;
}

function redactBelow(value: unknown, path: string, secrets: readonly string[]): unknown {
  if (coveredBy(path, secrets)) return REDACTED;
  if (Array.isArray(value)) return value.map((v, i) => redactBelow(v, `${path}/${i}`, secrets));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redactBelow(v, `${path}/${pointerToken(k)}`, secrets)]),
    );
  }
  return value;
}

/**
 * A copy of `spec` with every secret value replaced by `"(secret)"`: values of generated
 * (`generateValue`) and unsynced (`sync: false`) variables, values of variables named like a
 * password, secret, token or key, fields named like a password, secret or token, and URLs
 * that carry a password.
 */
export function redactSpec<T extends object>(spec: T): T {
  return redactBelow(spec, "", secretPaths(spec as Record<string, unknown>)) as T;
}

// ---------------------------------------------------------------------------------------
// Diff

function getPointer(value: unknown, pointer: string): unknown {
  if (pointer === "") return value;
  let current = value;
  for (const raw of pointer.slice(1).split("/")) {
    const token = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isPlainObject(current)) current = current[token];
    else return undefined;
  }
  return current;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** Leaf differences between two JSON values: objects per key (order ignored), arrays per index. */
function diff(from: unknown, to: unknown, path: string, out: { path: string; from: unknown; to: unknown }[]) {
  if (isPlainObject(from) && isPlainObject(to)) {
    const keys = [...Object.keys(to), ...Object.keys(from).filter((k) => !Object.hasOwn(to, k))];
    for (const k of keys) diff(from[k], to[k], `${path}/${pointerToken(k)}`, out);
    return;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    for (let i = 0; i < Math.max(from.length, to.length); i++) diff(from[i], to[i], `${path}/${i}`, out);
    return;
  }
  if (!deepEqual(from, to)) out.push({ path, from, to });
}

/** The field changes from `from` to `to`, redacted, each marked if it forces a replace. */
/** Field by field, over the specs as JSON (what is stored, and what rendering made). */
function fieldChanges(
  kind: string,
  fromSpec: object,
  toSpec: object,
): { changes: FieldChange[]; fired: ReplaceRule[] } {
  const from = fromSpec as Record<string, unknown>;
  const to = toSpec as Record<string, unknown>;
  const raw: { path: string; from: unknown; to: unknown }[] = [];
  diff(from, to, "", raw);
  if (raw.length === 0) return { changes: [], fired: [] };
  // A path secret on either side is hidden on both (a value may have moved between names).
  const secrets = [...new Set([...secretPaths(from), ...secretPaths(to)])];
  const fired = (REPLACE_RULES[kind] ?? []).filter((rule) => ruleFires(rule, from, to));
  const changes = raw.map((c): FieldChange => {
    const secret = coveredBy(c.path, secrets);
    return {
      path: c.path,
      from: secret ? REDACTED : redactBelow(c.from, c.path, secrets),
      to: secret ? REDACTED : redactBelow(c.to, c.path, secrets),
      forcesReplace: fired.some((rule) => overlaps(rule.path, c.path)),
    };
  });
  return { changes, fired };
}

// ---------------------------------------------------------------------------------------
// Plan

/**
 * Compares the resources a blueprint wants with the recorded ones. Actions come in the
 * engine's order: creates, updates, replaces and no-ops in dependency order, then deletes of
 * resources the blueprint no longer has, dependents first.
 */
export function planChanges(desired: DesiredResource[], recorded: RecordedForPlan[]): Plan {
  const live = recorded.filter((r) => r.status !== "deleted");
  const byKey = new Map(live.map((r) => [r.key, r]));
  const actions: PlanAction[] = [];

  for (const want of dependencyOrder(desired)) {
    const have = byKey.get(want.key);
    if (!have) {
      const { changes } = fieldChanges(want.kind, {}, want.spec);
      actions.push({
        action: "create",
        key: want.key,
        kind: want.kind,
        name: want.externalName,
        changes: changes.map((c) => ({ ...c, forcesReplace: false })),
        reason: "not yet created",
      });
      continue;
    }
    const { changes, fired } = fieldChanges(want.kind, have.spec, want.spec);
    const base = { key: want.key, kind: want.kind, name: have.externalName, changes };
    if (have.kind !== want.kind) {
      actions.push({
        ...base,
        action: "replace",
        reason: `kind changes from ${have.kind} to ${want.kind}: ${KIND_CHANGE_WHY}`,
      });
    } else if (fired.length > 0) {
      actions.push({
        ...base,
        action: "replace",
        reason: fired.map((rule) => `${rule.path}: ${rule.why}`).join("; "),
      });
    } else {
      actions.push({ ...base, action: changes.length === 0 ? "no-op" : "update" });
    }
  }

  const wanted = new Set(desired.map((d) => d.key));
  for (const row of dependencyOrder(live).reverse()) {
    if (wanted.has(row.key)) continue;
    const { changes } = fieldChanges(row.kind, row.spec, {});
    actions.push({
      action: "delete",
      key: row.key,
      kind: row.kind,
      name: row.externalName,
      changes: changes.map((c) => ({ ...c, forcesReplace: false })),
      reason: "no longer in the blueprint",
    });
  }

  const summary: Record<PlanActionKind, number> = { create: 0, update: 0, replace: 0, delete: 0, "no-op": 0 };
  for (const a of actions) summary[a.action]++;
  return { actions, summary };
}
