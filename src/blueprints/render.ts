import type { FieldError } from "../domain/errors.js";
import { resourceName, tenantDiscriminator } from "../domain/naming.js";
import {
  type DesiredResource,
  type EnvBinding,
  type EnvGroupSpec,
  envBindingsOf,
  type MysqlSpec,
  type PostgresSpec,
} from "../domain/resources.js";
import type { Blueprint, BlueprintDatabase, BlueprintService, BlueprintStack, EnvVarSpec } from "./model.js";
import { type ParamValue, resolveParams } from "./params.js";
import {
  CUSTOM_PLUGINS_PATH,
  DEFAULT_PLUGIN_HOSTS,
  pluginRepoProblem,
  shellQuote,
  withPluginClone,
} from "./plugins.js";
import { PLANS } from "./rules/render-shapes.js";
import { foldedEnumValue } from "./rules/shape.js";
import { lookupReference, renderTypedValue } from "./typed-templates.js";

/**
 * Rendering: a validated blueprint, resolved for one tenant, as the ordered list of
 * resources the tenant should have. Pure: no I/O, no secret values in the output.
 *
 * Environment variables become *bindings* in each service's spec, resolved by the
 * provider when it applies the resource (it knows the databases' connection strings):
 *
 * | blueprint | binding |
 * |---|---|
 * | `value: x` | `{ key, value: "x" }` (templates resolved) |
 * | `generateValue: true` | `{ key, secret: "generated", ref }` — generated once per tenant; `ref` names where it was declared (`service:web/KEY`, `group:NAME/KEY`: a group's value is shared by its services) |
 * | `sync: false` | `{ key, secret: "tenant" }` — from the tenant's `secrets`/`params` |
 * | `fromDatabase` | `{ key, from: "database:NAME", property }` |
 * | `fromService` + `property` | `{ key, from: "service:NAME", property }`, `late: true` when the two services reach each other (below) |
 * | `fromService` + `envVarKey` | the other service's binding of that variable, copied (see below) |
 * | `fromGroup` | the group's variables, inlined, each with `group: "group:NAME"` |
 *
 * References between services, and the order they impose (docs/blueprints.md, "Services
 * that reference each other"):
 *
 * - `envVarKey` reads a variable the other service *declares*, so its value is known
 *   without that service: the binding is copied from there (a literal value, the same
 *   generated secret `ref`, the same tenant secret `secretKey`, the same database
 *   property…). It orders nothing by itself. `RENDER_SERVICE_NAME`/`RENDER_SERVICE_TYPE`
 *   follow from the other service's deterministic name and type and become values;
 *   `RENDER_EXTERNAL_URL` becomes its `url` property.
 * - `property` (host, port, hostport, connectionString) is known only once the other
 *   object exists. When that object does not (directly or through others) reference
 *   this service back, it comes first: `dependsOn`. Within a group of services that reach
 *   each other, there is no order to follow: the bindings are `late`, nothing waits, the
 *   services are created without them, and the engine updates a service once the values
 *   it waited for are known (`lateInputs` in src/providers/env.ts, the reconciler's late
 *   rounds).
 *
 * Every env var group a service uses is also a resource of its own (`group:NAME`, kind
 * `envgroup`, its variables as `spec.envVars`), which the services using it depend on: a
 * target with env groups (Render) creates it and links it to them, and leaves the
 * inlined copies out of the services; others (local) use the inlined copies.
 */

export type { EnvBinding };

export interface RenderContext {
  tenant: { id: string; slug: string; name: string };
  org: { slug: string };
  /**
   * The installation's id (see `src/store/sql/installation.ts`): with the tenant's id it
   * gives the discriminator that ends every platform name.
   */
  installationId: string;
  params: Record<string, unknown>;
  /**
   * Keys of the tenant's write-only secrets (their values are not needed to render), to
   * check that every `sync: false` variable has one. Omitted: not checked (the engine
   * renders tenants whose secrets were checked when they were created).
   */
  secretKeys?: ReadonlySet<string>;
  /** Hosts `custom_plugin_repo` may point at. */
  pluginHosts?: readonly string[];
}

export interface RenderResult {
  resources: DesiredResource[];
  /** The blueprint's hooks, templates resolved (`bootstrap` normalised to `{command, …}`). */
  hooks: { bootstrap?: { command: string; service?: string; timeoutSeconds?: number } };
  params: Record<string, ParamValue>;
  /** Problems with the tenant's input (params, secrets), with pointers into the request. */
  errors: FieldError[];
}

const TEMPLATE = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/g;

/**
 * Fields that a shell runs. Tenant names and parameters are tenant input, so in these
 * fields a template becomes one shell-quoted word: `echo ${{ tenant.name }}` with the
 * name `Acme; rm -rf /` runs `echo 'Acme; rm -rf /'`.
 */
const SHELL_FIELDS = new Set([
  "buildCommand",
  "startCommand",
  "preDeployCommand",
  "dockerCommand",
  "command",
]);

/**
 * Replaces `${{ ref }}` templates in every string of `value` (unknown references were
 * refused at validation). No expressions are evaluated: a template is a lookup.
 */
export function substitute<T>(value: T, scope: Record<string, string>, shell = false): T {
  if (typeof value === "string") {
    return value.replace(TEMPLATE, (whole, ref: string) => {
      const v = scope[ref];
      if (v === undefined) return whole;
      return shell ? shellQuote(v) : v;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, scope, shell)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, scope, shell || SHELL_FIELDS.has(k))]),
    ) as T;
  }
  return value;
}

/**
 * How deep `params.NAME.FIELD…` paths go into the scope: past the deepest declaration
 * (MAX_PARAMETER_DEPTH), so only fields kept from an open object's input stop there.
 */
const MAX_SCOPE_DEPTH = 32;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `ref` and, for an object, each field's path (`params.cloud.region`). Render.yaml's
 * fields are strings: a scalar as text, an object or list as JSON (validation allows one
 * only as a whole value, `value: ${{ params.cloud }}`).
 */
function addToScope(scope: Record<string, string>, ref: string, v: ParamValue, depth: number): void {
  scope[ref] = typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
  if (typeof v !== "object" || v === null || Array.isArray(v) || depth >= MAX_SCOPE_DEPTH) return;
  for (const [field, x] of Object.entries(v)) {
    // Only names a reference can spell (a key `a.b` of an open object is not `a` then `b`).
    if (FIELD_NAME.test(field)) addToScope(scope, `${ref}.${field}`, x, depth + 1);
  }
}

export const serviceKey = (name: string) => `service:${name}`;
export const groupKey = (name: string) => `group:${name}`;
export const databaseKey = (name: string) => `database:${name}`;
export const stackKey = (name: string) => `stack:${name}`;

export function renderBlueprint(blueprint: Blueprint, ctx: RenderContext): RenderResult {
  const { values: params, errors } = resolveParams(blueprint.parameters, ctx.params);
  const scope: Record<string, string> = {
    "tenant.id": ctx.tenant.id,
    "tenant.slug": ctx.tenant.slug,
    "tenant.name": ctx.tenant.name,
    "org.slug": ctx.org.slug,
  };
  for (const [name, v] of Object.entries(params)) addToScope(scope, `params.${name}`, v, 0);
  // Stacks take typed values (a whole-value template keeps an object parameter an object).
  const { stacks: rawStacks, ...rest } = blueprint;
  const bp: Blueprint = substitute(rest, scope);
  const named = { ...ctx, discriminator: tenantDiscriminator(ctx.installationId, ctx.tenant.id) };

  const plugin = typeof params["custom_plugin_repo"] === "string" ? params["custom_plugin_repo"] : undefined;
  if (plugin !== undefined) {
    const problem = pluginRepoProblem(plugin, ctx.pluginHosts ?? DEFAULT_PLUGIN_HOSTS);
    if (problem) errors.push({ pointer: "/params/custom_plugin_repo", message: problem });
  }

  // Enum fields may be templated (`plan: ${{ params.size }}`): check what they became.
  // Plans in any case, as Render reads them (`Starter`): the canonical spelling is kept.
  const checkPlan = (owner: string, plan: unknown, templated: unknown): string | undefined => {
    if (typeof plan !== "string" || typeof templated !== "string" || templated === plan) return undefined;
    const canonical = foldedEnumValue(plan, PLANS);
    if (canonical === undefined) {
      errors.push({
        pointer: "/params",
        message: `${owner}: plan "${plan}" (from ${templated}) is not a plan`,
      });
    }
    return canonical;
  };
  bp.databases.forEach((db, i) => {
    const canonical = checkPlan(`database ${db.name}`, db.plan, blueprint.databases[i]?.plan);
    if (canonical !== undefined) db.plan = canonical;
  });
  bp.services.forEach((svc, i) => {
    const canonical = checkPlan(`service ${svc.name}`, svc.plan, blueprint.services[i]?.plan);
    if (canonical !== undefined) svc.plan = canonical;
  });

  const groups = new Map(bp.envVarGroups.map((g) => [g.name, g]));
  const resources: DesiredResource[] = [];
  // Stacks are applied together (one root module, one state): no order between them.
  const typedScope = { tenant: ctx.tenant, org: ctx.org, params };
  const resolveTyped = (ref: string) => lookupReference(typedScope, ref);
  (rawStacks ?? []).forEach((raw, i) => {
    // An input (or cloud setting) that is only an optional parameter not given is left out:
    // the module's default applies (an external id not given: none is sent).
    const given = <T extends object>(o: T): T =>
      Object.fromEntries(
        Object.entries(o).filter(([, v]) => {
          const only = typeof v === "string" ? /^\$\{\{\s*([A-Za-z0-9_.]+)\s*\}\}$/.exec(v) : null;
          return !only?.[1] || resolveTyped(only[1]) !== undefined;
        }),
      ) as T;
    const { value, problems } = renderTypedValue(
      { ...raw, inputs: given(raw.inputs), ...(raw.cloud ? { cloud: given(raw.cloud) } : {}) },
      resolveTyped,
    );
    for (const p of problems)
      errors.push({ pointer: "/params", message: `stacks/${i}${p.pointer}: ${p.message}` });
    const st = value as BlueprintStack;
    resources.push({
      key: stackKey(st.name),
      kind: "stack",
      externalName: resourceName(st.name, ctx.tenant.slug, named.discriminator),
      dependsOn: [],
      spec: st,
    });
  });
  for (const db of bp.databases) resources.push(renderDatabase(db, named));
  const usedGroups = new Set(
    bp.services.flatMap((svc) => svc.envVars.flatMap((e) => ("fromGroup" in e ? [e.fromGroup] : []))),
  );
  for (const group of bp.envVarGroups.filter((g) => usedGroups.has(g.name))) {
    resources.push(renderGroup(group, named));
  }
  const names = new Map(
    bp.services.map((svc) => [
      svc.name,
      { externalName: resourceName(svc.name, ctx.tenant.slug, named.discriminator), type: svc.type },
    ]),
  );
  const env = serviceBindings(
    new Map(bp.services.map((svc) => [svc.name, serviceEnv(svc, groups, ctx, errors)])),
    names,
  );
  for (const svc of bp.services) {
    const bindings = env.get(svc.name) ?? [];
    const { name: _name, environment: _environment, ...settings } = svc;
    const spec = { ...settings, envVars: bindings };
    if (plugin !== undefined && svc.type !== "keyvalue" && svc.runtime !== "static") {
      spec.buildCommand = withPluginClone(svc.buildCommand, plugin);
      bindings.push({ key: "CUSTOM_PLUGINS_PATH", value: CUSTOM_PLUGINS_PATH });
    }
    resources.push({
      key: serviceKey(svc.name),
      kind: svc.type,
      externalName: names.get(svc.name)?.externalName ?? svc.name,
      dependsOn: [
        ...new Set(
          bindings.flatMap((b) => [
            ...("from" in b && !b.late ? [b.from] : []),
            ...(b.group ? [b.group] : []),
          ]),
        ),
      ],
      // The validated service's settings are its kind's spec (src/domain/resources.ts).
      spec,
    } as DesiredResource);
  }
  return { resources: dependencyOrdered(resources), hooks: bp.hooks, params, errors };
}

/**
 * A database: kind `postgres`, or `mysql` for `engine: mysql` / `engine: mariadb` (a
 * Tenantry extension; validation refused PostgreSQL's keys on those). Either is keyed
 * `database:<name>`, so `fromDatabase` reads both alike.
 */
function renderDatabase(db: BlueprintDatabase, ctx: Named): DesiredResource {
  const { environment: _environment, engine, ...rest } = db;
  const key = databaseKey(db.name);
  const externalName = resourceName(db.name, ctx.tenant.slug, ctx.discriminator);
  if (engine === "mysql" || engine === "mariadb") {
    const spec: MysqlSpec = { name: db.name, engine };
    for (const field of ["databaseName", "user", "plan", "region"] as const) {
      const value = rest[field];
      if (typeof value === "string") spec[field] = value;
    }
    return { key, kind: "mysql", externalName, dependsOn: [], spec };
  }
  // `engine: postgres` is the default written out: the same spec as without it.
  return { key, kind: "postgres", externalName, dependsOn: [], spec: rest as PostgresSpec };
}

/** Missing `sync: false` values are reported once, for the services that use the group. */
type Named = RenderContext & { discriminator: string };

function renderGroup(group: Blueprint["envVarGroups"][number], ctx: Named): DesiredResource {
  const envVars: EnvBinding[] = [];
  for (const e of group.envVars) {
    if ("value" in e) envVars.push({ key: e.key, value: String(e.value) });
    else if ("generateValue" in e) {
      envVars.push({ key: e.key, secret: "generated", ref: `${groupKey(group.name)}/${e.key}` });
    } else if ("sync" in e) envVars.push({ key: e.key, secret: "tenant" });
  }
  return {
    key: groupKey(group.name),
    kind: "envgroup",
    externalName: resourceName(group.name, ctx.tenant.slug, ctx.discriminator),
    dependsOn: [],
    spec: { envVars } satisfies EnvGroupSpec,
  };
}

function serviceEnv(
  svc: BlueprintService,
  groups: Map<string, Blueprint["envVarGroups"][number]>,
  ctx: RenderContext,
  errors: FieldError[],
): EnvBinding[] {
  const out = new Map<string, EnvBinding>();
  let fromGroup: string | undefined;
  const add = (b: EnvBinding) => out.set(b.key, fromGroup ? { ...b, group: fromGroup } : b);
  const bind = (e: EnvVarSpec, origin: string) => {
    if ("fromGroup" in e) {
      fromGroup = groupKey(e.fromGroup);
      for (const g of groups.get(e.fromGroup)?.envVars ?? []) bind(g, fromGroup);
      fromGroup = undefined;
      return;
    }
    if ("value" in e) add({ key: e.key, value: String(e.value) });
    else if ("generateValue" in e) add({ key: e.key, secret: "generated", ref: `${origin}/${e.key}` });
    else if ("sync" in e) {
      if (ctx.secretKeys && !ctx.secretKeys.has(e.key) && !(e.key in ctx.params)) {
        errors.push({
          pointer: `/secrets/${e.key}`,
          message: `service "${svc.name}" needs ${e.key} (sync: false in the blueprint): pass it in "secrets"`,
        });
      }
      add({ key: e.key, secret: "tenant" });
    } else if ("fromDatabase" in e) {
      add({ key: e.key, from: databaseKey(e.fromDatabase.name), property: e.fromDatabase.property });
    } else if ("fromService" in e) {
      const ref = e.fromService;
      add({
        key: e.key,
        from: serviceKey(ref.name),
        ...(ref.property ? { property: ref.property } : {}),
        ...(ref.envVarKey ? { envVarKey: ref.envVarKey } : {}),
      });
    }
  };
  for (const e of svc.envVars) bind(e, serviceKey(svc.name));
  // Every service knows whose it is; the blueprint cannot override these.
  add({ key: "TENANT_ID", value: ctx.tenant.id });
  add({ key: "TENANT_SLUG", value: ctx.tenant.slug });
  add({ key: "TENANT_NAME", value: ctx.tenant.name });
  return [...out.values()];
}

/**
 * The services' bindings with references between services settled (see the table at the
 * top): `envVarKey` replaced by the binding it reads, and `property` references within a
 * group of services that reach each other marked `late`.
 */
function serviceBindings(
  own: Map<string, EnvBinding[]>,
  services: Map<string, { externalName: string; type: string }>,
): Map<string, EnvBinding[]> {
  const out = new Map<string, EnvBinding[]>();
  for (const [name, bindings] of own) {
    out.set(
      name,
      bindings.map((b) => readThrough(b, own, services, 0)),
    );
  }
  // Services that reach each other through `property` references: the strongly connected
  // components of that graph.
  const edges = new Map<string, string[]>();
  for (const [name, bindings] of out) {
    edges.set(
      name,
      bindings
        .flatMap((b) => ("from" in b && b.property !== undefined ? [serviceName(b.from)] : []))
        .filter((to): to is string => to !== undefined && own.has(to)),
    );
  }
  const component = stronglyConnected(edges);
  for (const [name, bindings] of out) {
    out.set(
      name,
      bindings.map((b) => {
        if (!("from" in b) || b.property === undefined) return b;
        const to = serviceName(b.from);
        // Within one component (a service reading its own address is one by itself).
        const mutual = to !== undefined && component.get(to) === component.get(name);
        return mutual ? { ...b, late: true } : b;
      }),
    );
  }
  return out;
}

/** `service:NAME` → `NAME`; undefined for other keys. */
function serviceName(key: string): string | undefined {
  return key.startsWith("service:") ? key.slice("service:".length) : undefined;
}

/** How deep `envVarKey` chains are followed (validation refuses cycles). */
const MAX_CHAIN = 16;

/** The binding an `envVarKey` reference reads, copied under the reader's key (other bindings as they are). */
function readThrough(
  b: EnvBinding,
  own: Map<string, EnvBinding[]>,
  services: Map<string, { externalName: string; type: string }>,
  depth: number,
): EnvBinding {
  if (!("from" in b) || b.envVarKey === undefined || depth > MAX_CHAIN) return b;
  const name = serviceName(b.from);
  if (name === undefined) return b;
  const group = b.group ? { group: b.group } : {};
  const theirs = own.get(name)?.find((x) => x.key === b.envVarKey);
  if (!theirs) {
    // Render's own variables of that service (not declared in the blueprint).
    const target = services.get(name);
    if (target && b.envVarKey === "RENDER_SERVICE_NAME")
      return { key: b.key, value: target.externalName, ...group };
    if (target && b.envVarKey === "RENDER_SERVICE_TYPE") return { key: b.key, value: target.type, ...group };
    if (b.envVarKey === "RENDER_EXTERNAL_URL") return { key: b.key, from: b.from, property: "url", ...group };
    return b;
  }
  // Copied as the reader's own variable: a group's variable read this way is not the group's.
  const { group: _theirGroup, ...copy } = theirs;
  if ("value" in copy) return { key: b.key, value: copy.value, ...group };
  if ("secret" in copy) {
    return copy.secret === "generated"
      ? { key: b.key, secret: "generated", ref: copy.ref, ...group }
      : { key: b.key, secret: "tenant", secretKey: copy.secretKey ?? copy.key, ...group };
  }
  return readThrough({ ...copy, key: b.key, ...group }, own, services, depth + 1);
}

/** Tarjan's algorithm: each node's component id (nodes of one component reach each other). */
function stronglyConnected(edges: Map<string, string[]>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const component = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let next = 0;
  let components = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      for (;;) {
        const w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.set(w, components);
        if (w === v) break;
      }
      components++;
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return component;
}

/** Dependencies first; ties keep the blueprint's order (databases, then services). */
function dependencyOrdered(resources: DesiredResource[]): DesiredResource[] {
  const done = new Set<string>();
  const keys = new Set(resources.map((r) => r.key));
  const out: DesiredResource[] = [];
  while (out.length < resources.length) {
    const next = resources.find(
      (r) => !done.has(r.key) && r.dependsOn.every((d) => done.has(d) || !keys.has(d)),
    );
    // Cycles were refused at validation; should one slip through, keep the rest in order.
    const pick = next ?? resources.find((r) => !done.has(r.key));
    if (!pick) break;
    done.add(pick.key);
    out.push(pick);
  }
  return out;
}

/** The generated secrets (`ref`s) a rendered resource set needs. */
export function generatedRefs(resources: readonly DesiredResource[]): string[] {
  const refs = new Set<string>();
  for (const r of resources) {
    for (const b of envBindingsOf(r)) {
      if ("secret" in b && b.secret === "generated") refs.add(b.ref);
    }
  }
  return [...refs].sort();
}
