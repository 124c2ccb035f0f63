import type { FieldError } from "../domain/errors.js";
import type { DesiredResource } from "../providers/provider.js";
import type { Blueprint, BlueprintDatabase, BlueprintService, EnvVarSpec } from "./model.js";
import { resourceName, tenantDiscriminator } from "./naming.js";
import { type ParamValue, resolveParams } from "./params.js";
import {
  CUSTOM_PLUGINS_PATH,
  DEFAULT_PLUGIN_HOSTS,
  pluginRepoProblem,
  shellQuote,
  withPluginClone,
} from "./plugins.js";
import { PLANS } from "./rules/render-shapes.js";

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
 * | `fromService` | `{ key, from: "service:NAME", property | envVarKey }` |
 * | `fromGroup` | the group's variables, inlined, each with `group: "group:NAME"` |
 *
 * Every env var group a service uses is also a resource of its own (`group:NAME`, kind
 * `envgroup`, its variables as `spec.envVars`), which the services using it depend on: a
 * target with env groups (Render) creates it and links it to them, and leaves the
 * inlined copies out of the services; others (local) use the inlined copies.
 */

export type EnvBinding = (
  | { key: string; value: string }
  | { key: string; secret: "generated"; ref: string }
  | { key: string; secret: "tenant" }
  | { key: string; from: string; property?: string; envVarKey?: string }
) & {
  /** Set when the variable comes from an env var group: that group's key (`group:NAME`). */
  group?: string;
};

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

export const serviceKey = (name: string) => `service:${name}`;
export const groupKey = (name: string) => `group:${name}`;
export const databaseKey = (name: string) => `database:${name}`;

export function renderBlueprint(blueprint: Blueprint, ctx: RenderContext): RenderResult {
  const { values: params, errors } = resolveParams(blueprint.parameters, ctx.params);
  const scope: Record<string, string> = {
    "tenant.id": ctx.tenant.id,
    "tenant.slug": ctx.tenant.slug,
    "tenant.name": ctx.tenant.name,
    "org.slug": ctx.org.slug,
  };
  for (const [name, v] of Object.entries(params)) scope[`params.${name}`] = String(v);
  const bp = substitute(blueprint, scope);
  const named = { ...ctx, discriminator: tenantDiscriminator(ctx.installationId, ctx.tenant.id) };

  const plugin = typeof params["custom_plugin_repo"] === "string" ? params["custom_plugin_repo"] : undefined;
  if (plugin !== undefined) {
    const problem = pluginRepoProblem(plugin, ctx.pluginHosts ?? DEFAULT_PLUGIN_HOSTS);
    if (problem) errors.push({ pointer: "/params/custom_plugin_repo", message: problem });
  }

  // Enum fields may be templated (`plan: ${{ params.size }}`): check what they became.
  const plans: readonly string[] = PLANS;
  const checkPlan = (owner: string, plan: unknown, templated: unknown) => {
    if (
      typeof plan === "string" &&
      typeof templated === "string" &&
      templated !== plan &&
      !plans.includes(plan)
    ) {
      errors.push({
        pointer: "/params",
        message: `${owner}: plan "${plan}" (from ${templated}) is not a plan`,
      });
    }
  };
  bp.databases.forEach((db, i) => {
    checkPlan(`database ${db.name}`, db.plan, blueprint.databases[i]?.plan);
  });
  bp.services.forEach((svc, i) => {
    checkPlan(`service ${svc.name}`, svc.plan, blueprint.services[i]?.plan);
  });

  const groups = new Map(bp.envVarGroups.map((g) => [g.name, g]));
  const resources: DesiredResource[] = [];
  for (const db of bp.databases) resources.push(renderDatabase(db, named));
  const usedGroups = new Set(
    bp.services.flatMap((svc) => svc.envVars.flatMap((e) => ("fromGroup" in e ? [e.fromGroup] : []))),
  );
  for (const group of bp.envVarGroups.filter((g) => usedGroups.has(g.name))) {
    resources.push(renderGroup(group, named));
  }
  for (const svc of bp.services) {
    const bindings = serviceEnv(svc, groups, ctx, errors);
    const spec: Record<string, unknown> = { ...svc, envVars: bindings };
    delete spec["name"];
    delete spec["environment"];
    if (plugin !== undefined && svc.type !== "keyvalue" && svc.runtime !== "static") {
      spec["buildCommand"] = withPluginClone(svc.buildCommand, plugin);
      bindings.push({ key: "CUSTOM_PLUGINS_PATH", value: CUSTOM_PLUGINS_PATH });
    }
    resources.push({
      key: serviceKey(svc.name),
      kind: svc.type,
      externalName: resourceName(svc.name, ctx.tenant.slug, named.discriminator),
      dependsOn: [
        ...new Set(
          bindings.flatMap((b) => [...("from" in b ? [b.from] : []), ...(b.group ? [b.group] : [])]),
        ),
      ],
      spec,
    });
  }
  return { resources: dependencyOrdered(resources), hooks: bp.hooks, params, errors };
}

function renderDatabase(db: BlueprintDatabase, ctx: Named): DesiredResource {
  const spec: Record<string, unknown> = { ...db };
  delete spec["environment"];
  return {
    key: databaseKey(db.name),
    kind: "postgres",
    externalName: resourceName(db.name, ctx.tenant.slug, ctx.discriminator),
    dependsOn: [],
    spec,
  };
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
    spec: { envVars },
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
    for (const b of (r.spec["envVars"] as EnvBinding[] | undefined) ?? []) {
      if ("secret" in b && b.secret === "generated") refs.add(b.ref);
    }
  }
  return [...refs].sort();
}
