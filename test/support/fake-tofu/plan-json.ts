import { hasUnknown, type Traversal, traversals, traversalText, Unknown, type Value } from "./expressions.js";
import type { JNode } from "./json-source.js";
import { plain } from "./json-source.js";
import { type ModuleNode, walk } from "./modules.js";
import type { Plan, ResourceChange } from "./plan.js";
import { implied } from "./plan.js";
import { fromStateAttrs, providerFor } from "./providers.js";
import { type StateV4, sortResources } from "./state.js";
import type { Flavor } from "./ui.js";
import { FLAVORS } from "./ui.js";

/**
 * `show -json`: the machine-readable plan (format 1.2) and state (format 1.0)
 * representations, with the fields Terraform writes (`relevant_attributes` and
 * `checks` are left out).
 */

const ACTIONS: Record<ResourceChange["action"], string[]> = {
  create: ["create"],
  update: ["update"],
  delete: ["delete"],
  replace: ["delete", "create"],
  "no-op": ["no-op"],
};

const REASONS: Record<string, string> = {
  cannot_update: "replace_because_cannot_update",
  tainted: "replace_because_tainted",
  delete_because_no_resource_config: "delete_because_no_resource_config",
  delete_because_count_index: "delete_because_count_index",
};

/** The known part of a value: unknown attributes and elements are left out. */
function known(v: Value): unknown {
  if (Array.isArray(v)) return v.map((x) => (x instanceof Unknown ? null : known(x)));
  if (v !== null && typeof v === "object" && !(v instanceof Unknown)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!(x instanceof Unknown)) out[k] = known(x);
    return out;
  }
  return v;
}

/** `after_unknown`: true where unknown; objects and arrays mirrored; known primitives left out of objects. */
function unknownShape(v: Value): unknown {
  if (v instanceof Unknown) return true;
  if (Array.isArray(v)) return v.map(unknownShape);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const s = unknownShape(x);
      if (s !== false) out[k] = s;
    }
    return out;
  }
  return false;
}

/** `sensitive_values` / `*_sensitive`: the fake marks nothing sensitive, so only the shape remains. */
function sensitiveShape(v: Value): unknown {
  if (Array.isArray(v)) return v.map(sensitiveShape);
  if (v !== null && typeof v === "object" && !(v instanceof Unknown)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const s = sensitiveShape(x);
      if (s !== false) out[k] = s;
    }
    return out;
  }
  return false;
}

/** `sensitive_values`/`after_sensitive` of planned attributes; terraform_data's unknown `output` has its input's type. */
function plannedSensitive(type: string, after: Value): unknown {
  const shape = sensitiveShape(known(after) as Value) as Record<string, unknown>;
  if (
    type === "terraform_data" &&
    after &&
    typeof after === "object" &&
    !Array.isArray(after) &&
    !(after instanceof Unknown)
  ) {
    const a = after as Record<string, Value>;
    if (a.output instanceof Unknown && a.input !== undefined && !(a.input instanceof Unknown)) {
      const s = sensitiveShape(a.input);
      if (s !== false) shape.output = s;
    }
  }
  return shape;
}

function resourceHead(ch: { addr: ResourceChange["addr"]; provider: { fqn: string } }) {
  return {
    address: ch.addr.instance,
    ...(ch.addr.module && { module_address: ch.addr.module }),
    mode: "managed",
    type: ch.addr.type,
    name: ch.addr.name,
    ...(ch.addr.key !== null && { index: ch.addr.key }),
    provider_name: ch.provider.fqn,
  };
}

interface ModuleValues {
  resources: unknown[];
  child_modules?: (ModuleValues & { address: string })[];
}

/** Groups resource values by module as `root_module` / `child_modules` nest them. */
function nest(items: { module: string; value: unknown }[]): ModuleValues {
  const root: ModuleValues = { resources: [] };
  const byModule = new Map<string, ModuleValues & { address: string }>();
  for (const it of items) {
    if (!it.module) {
      root.resources.push(it.value);
      continue;
    }
    // module.a.module.b nests under module.a
    const parts = it.module.split(".module.");
    let parent = root;
    let addr = "";
    for (const p of parts) {
      addr = addr ? `${addr}.module.${p.replace(/^module\./, "")}` : p;
      let m = byModule.get(addr);
      if (!m) {
        m = { resources: [], address: addr };
        byModule.set(addr, m);
        parent.child_modules ??= [];
        parent.child_modules.push(m);
      }
      parent = m;
    }
    parent.resources.push(it.value);
  }
  const clean = (m: ModuleValues): ModuleValues => {
    const out: Record<string, unknown> = {};
    if (m.resources.length) out.resources = m.resources;
    if (m.child_modules)
      out.child_modules = m.child_modules.map((c) => ({ ...clean(c), address: c.address }));
    if ("address" in m) out.address = (m as { address: string }).address;
    return out as unknown as ModuleValues;
  };
  return clean(root);
}

export function stateValues(state: StateV4, outputsOverride?: Plan["outputs"]): unknown {
  const outputs: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(state.outputs)) {
    const planned = outputsOverride?.[name];
    const value = planned && planned.after !== null && !hasUnknown(planned.after) ? planned.after : o.value;
    outputs[name] = { sensitive: !!o.sensitive, value, type: o.type };
  }
  const items: { module: string; value: unknown }[] = [];
  for (const r of sortResources(state.resources)) {
    for (const i of r.instances) {
      const key = i.index_key;
      const local = `${r.type}.${r.name}${key === undefined ? "" : typeof key === "number" ? `[${key}]` : `[${JSON.stringify(key)}]`}`;
      const values = fromStateAttrs(r.type, i.attributes);
      items.push({
        module: r.module ?? "",
        value: {
          address: r.module ? `${r.module}.${local}` : local,
          mode: "managed",
          type: r.type,
          name: r.name,
          ...(key !== undefined && { index: key }),
          provider_name: /provider\["(.*)"\]/.exec(r.provider)?.[1] ?? r.provider,
          schema_version: i.schema_version,
          values,
          sensitive_values: sensitiveShape(values),
          ...(i.dependencies && { depends_on: i.dependencies }),
        },
      });
    }
  }
  return { ...(Object.keys(outputs).length && { outputs }), root_module: nest(items) };
}

export function planJson(plan: Plan, tree: ModuleNode): unknown {
  const f = FLAVORS[plan.flavor];
  const plannedItems: { module: string; value: unknown }[] = [];
  const resourceChanges: unknown[] = [];
  for (const ch of plan.changes) {
    const after = ch.after;
    if (ch.action !== "delete" && after) {
      const head = resourceHead(ch);
      const { module_address: _m, ...rest } = head as typeof head & { module_address?: string };
      plannedItems.push({
        module: ch.addr.module,
        value: {
          ...rest,
          schema_version: 0,
          values: known(after),
          sensitive_values: plannedSensitive(ch.addr.type, after),
        },
      });
    }
    resourceChanges.push({
      ...resourceHead(ch),
      change: {
        actions: ACTIONS[ch.action],
        before: ch.before,
        after: after ? known(after) : null,
        after_unknown: after ? unknownShape(after) : {},
        before_sensitive: ch.before ? sensitiveShape(ch.before) : false,
        after_sensitive: after ? plannedSensitive(ch.addr.type, after) : false,
        ...(ch.replacePaths && { replace_paths: ch.replacePaths }),
      },
      ...(ch.reason && { action_reason: REASONS[ch.reason] }),
    });
  }
  const plannedOutputs: Record<string, unknown> = {};
  const outputChanges: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(plan.outputs).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const afterKnown = o.after !== null && !hasUnknown(o.after);
    if (o.action !== "delete") {
      plannedOutputs[name] = {
        sensitive: o.sensitive,
        ...(afterKnown && { type: typeOfPlain(o.after), value: o.after }),
      };
    }
    outputChanges[name] = {
      actions: ACTIONS[o.action],
      before: o.before,
      ...(o.action === "delete" ? { after: null } : afterKnown ? { after: o.after } : {}),
      after_unknown: o.action !== "delete" && !afterKnown,
      before_sensitive: o.sensitive,
      after_sensitive: o.sensitive,
    };
  }
  const out: Record<string, unknown> = {
    format_version: "1.2",
    terraform_version: f.version,
    ...(Object.keys(plan.variables).length && {
      variables: Object.fromEntries(Object.entries(plan.variables).map(([k, v]) => [k, { value: v }])),
    }),
    planned_values: {
      ...(Object.keys(plannedOutputs).length && { outputs: plannedOutputs }),
      root_module: nest(plannedItems),
    },
    resource_changes: resourceChanges,
    output_changes: outputChanges,
  };
  if (plan.priorState) {
    out.prior_state = {
      format_version: "1.0",
      terraform_version: plan.priorState.terraform_version,
      values: stateValues(plan.priorState, plan.outputs),
    };
  }
  out.configuration = configuration(tree, plan.flavor);
  out.timestamp = plan.timestamp;
  out.applyable =
    plan.changes.some((c) => c.action !== "no-op") ||
    Object.values(plan.outputs).some((o) => o.action !== "no-op");
  out.complete = true;
  out.errored = false;
  return out;
}

function typeOfPlain(v: Value): unknown {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return ["tuple", v.map(typeOfPlain)];
  if (v && typeof v === "object")
    return ["object", Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeOfPlain(x)]))];
  return "dynamic";
}

function references(node: JNode | undefined): string[] {
  const refs: string[] = [];
  const add = (s: string) => {
    if (!refs.includes(s)) refs.push(s);
  };
  let ts: Traversal[] = [];
  try {
    ts = traversals(node, null);
  } catch {}
  for (const t of ts) {
    if (
      t.root === "var" ||
      t.root === "local" ||
      t.root === "count" ||
      t.root === "path" ||
      t.root === "terraform"
    ) {
      add(traversalText(t, Math.min(1, t.steps.length)));
      continue;
    }
    add(traversalText(t, Math.min(2, t.steps.length)));
    if (t.steps.length >= 2) add(traversalText(t, 1));
  }
  return refs;
}

function expression(node: JNode | undefined): Record<string, unknown> {
  const refs = references(node);
  return { ...(node && { constant_value: plain(node) }), ...(refs.length && { references: refs }) };
}

function configuration(tree: ModuleNode, flavor: Flavor): unknown {
  const providers: Record<string, unknown> = {};
  for (const m of walk(tree)) {
    for (const r of m.config.resources.values()) {
      const p = providerFor(
        r.type,
        m.config.requiredProviders.size ? m.config.requiredProviders : tree.config.requiredProviders,
        flavor,
      );
      const version = tree.config.requiredProviders.get(p.local)?.version;
      providers[p.local] ??= {
        name: p.local,
        full_name: p.fqn,
        ...(version && { version_constraint: version }),
      };
    }
  }
  const moduleJson = (m: ModuleNode): unknown => {
    const c = m.config;
    const outputs = Object.fromEntries(
      [...c.outputs.values()].map((o) => [
        o.name,
        { ...(o.sensitive && { sensitive: true }), expression: expression(o.value) },
      ]),
    );
    const resources = [...c.resources.values()]
      .sort((a, b) => (`${a.type}.${a.name}` < `${b.type}.${b.name}` ? -1 : 1))
      .map((r) => ({
        address: `${r.type}.${r.name}`,
        mode: "managed",
        type: r.type,
        name: r.name,
        provider_config_key: implied(r.type),
        expressions: Object.fromEntries(r.attrs.map((a) => [a.key, expression(a.value)])),
        schema_version: 0,
        ...(r.count && { count_expression: expression(r.count) }),
      }));
    const calls = Object.fromEntries(
      [...c.calls.values()].map((call) => {
        const child = m.children.get(call.name);
        return [
          call.name,
          {
            source: call.source,
            ...(call.version && { version_constraint: call.version }),
            expressions: Object.fromEntries(call.args.map((a) => [a.key, expression(a.value)])),
            ...(child && { module: moduleJson(child) }),
          },
        ];
      }),
    );
    const variables = Object.fromEntries(
      [...c.variables.values()].map((v) => [
        v.name,
        { ...(v.default && { default: plain(v.default) }), ...(v.sensitive && { sensitive: true }) },
      ]),
    );
    return {
      ...(Object.keys(outputs).length && { outputs }),
      ...(resources.length && { resources }),
      ...(Object.keys(calls).length && { module_calls: calls }),
      ...(Object.keys(variables).length && { variables }),
    };
  };
  return { provider_config: providers, root_module: moduleJson(tree) };
}
