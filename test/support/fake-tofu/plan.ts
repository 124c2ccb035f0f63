import { readFileSync, writeFileSync } from "node:fs";
import { countOf, Evaluator, type Graph, type ResourceNode } from "./evaluate.js";
import { deepEqual, UNKNOWN, Unknown, type Value } from "./expressions.js";
import type { JNode } from "./json-source.js";
import type { ConfigSnapshot, ModuleNode } from "./modules.js";
import { type Attrs, fromStateAttrs, type ProviderInfo, planResource, providerFor } from "./providers.js";
import type { StateInstance, StateResource, StateV4 } from "./state.js";
import {
  DiagnosticsError,
  type Flavor,
  fail,
  hookResource,
  type ResourceAddr,
  resourceAddr,
  type Ui,
} from "./ui.js";

/**
 * Planning: compare each resource instance's configuration with the prior state and
 * decide create / update / replace / delete / no-op, as Terraform does; report it as
 * `planned_change`, `change_summary` and `outputs` messages; save it as a plan file.
 */

export type ChangeAction = "create" | "update" | "replace" | "delete" | "no-op";

export interface ResourceChange {
  addr: ResourceAddr;
  /** Resource address without the instance key (the state's `dependencies` use these). */
  resource: string;
  provider: ProviderInfo;
  action: ChangeAction;
  /** planned_change's `reason`, resource_changes' `action_reason`. */
  reason?: "cannot_update" | "tainted" | "delete_because_no_resource_config" | "delete_because_count_index";
  before: Attrs | null;
  after: Attrs | null;
  replacePaths?: string[][];
  dependencies: string[];
}

export interface OutputChange {
  action: "create" | "update" | "delete" | "no-op";
  before: Value;
  after: Value;
  sensitive: boolean;
}

export interface Plan {
  format: "fake-tofu-plan/1";
  flavor: Flavor;
  destroy: boolean;
  /** The state the plan was made against: `apply` refuses the plan when it has moved on. */
  lineage: string | null;
  serial: number | null;
  priorState: StateV4 | null;
  changes: ResourceChange[];
  outputs: Record<string, OutputChange>;
  variables: Record<string, Value>;
  config: ConfigSnapshot;
  timestamp: string;
}

export function stateInstances(
  state: StateV4 | null,
): Map<string, { r: StateResource; i: StateInstance; addr: ResourceAddr }> {
  const out = new Map<string, { r: StateResource; i: StateInstance; addr: ResourceAddr }>();
  for (const r of state?.resources ?? []) {
    for (const i of r.instances) {
      const addr = resourceAddr(r.module ?? "", r.type, r.name, i.index_key ?? null);
      out.set(addr.instance, { r, i, addr });
    }
  }
  return out;
}

export interface PlanOptions {
  destroy: boolean;
  refresh: boolean;
}

export function makePlan(
  tree: ModuleNode,
  graph: Graph,
  state: StateV4 | null,
  rootVars: Map<string, Value>,
  ui: Ui,
  flavor: Flavor,
  config: ConfigSnapshot,
  opts: PlanOptions,
): Plan {
  const prior = stateInstances(state);
  if (opts.refresh) {
    for (const { addr, r, i } of prior.values()) {
      const hr = hookResource(addr, implied(r.type));
      const id = String(i.attributes.id ?? "");
      ui.hook("refresh_start", `${addr.instance}: Refreshing state... [id=${id}]`, {
        resource: hr,
        id_key: "id",
        id_value: id,
      });
      ui.hook("refresh_complete", `${addr.instance}: Refresh complete [id=${id}]`, {
        resource: hr,
        id_key: "id",
        id_value: id,
      });
    }
  }
  const changes: ResourceChange[] = [];
  const values = new Map<string, Value>();
  const ev = new Evaluator({
    rootVars,
    resourceValue: (a) => values.get(a) ?? UNKNOWN,
  });
  const planned = new Set<string>();

  if (!opts.destroy) {
    for (const addr of graph.order) {
      const n = graph.resources.get(addr)!;
      const count = countOf(ev, n);
      const keys: (number | null)[] = count === null ? [null] : Array.from({ length: count }, (_, i) => i);
      const instValues: Value[] = [];
      for (const key of keys) {
        const ia = resourceAddr(n.module.addr, n.res.type, n.res.name, key);
        planned.add(ia.instance);
        const change = planInstance(n, ia, key, ev, prior.get(ia.instance), graph, flavor);
        changes.push(change);
        instValues.push(change.after ?? null);
      }
      values.set(addr, count === null ? instValues[0]! : instValues);
    }
  }
  for (const [inst, { r, i, addr }] of prior) {
    if (planned.has(inst)) continue;
    const inConfig = graph.resources.has(
      addr.module ? `${addr.module}.${r.type}.${r.name}` : `${r.type}.${r.name}`,
    );
    changes.push({
      addr,
      resource: addr.module ? `${addr.module}.${r.type}.${r.name}` : `${r.type}.${r.name}`,
      provider: { local: implied(r.type), fqn: /provider\["(.*)"\]/.exec(r.provider)?.[1] ?? r.provider },
      action: "delete",
      ...(!opts.destroy && {
        reason: inConfig
          ? ("delete_because_count_index" as const)
          : ("delete_because_no_resource_config" as const),
      }),
      before: fromStateAttrs(r.type, i.attributes),
      after: null,
      dependencies: i.dependencies ?? [],
    });
  }
  changes.sort((a, b) => compareAddr(a.addr, b.addr));

  const outputs: Record<string, OutputChange> = {};
  for (const o of tree.config.outputs.values()) {
    const before = state?.outputs[o.name]?.value ?? null;
    const had = state ? o.name in state.outputs : false;
    if (opts.destroy) {
      if (had)
        outputs[o.name] = { action: "delete", before: before as Value, after: null, sensitive: o.sensitive };
      continue;
    }
    const after = ev.output(tree, o.name);
    const action = !had ? "create" : deepEqual(before as Value, after) ? "no-op" : "update";
    outputs[o.name] = { action, before: had ? (before as Value) : null, after, sensitive: o.sensitive };
  }
  for (const [name, o] of Object.entries(state?.outputs ?? {})) {
    if (!(name in outputs) && !opts.destroy)
      outputs[name] = { action: "delete", before: o.value as Value, after: null, sensitive: !!o.sensitive };
    if (opts.destroy && !(name in outputs))
      outputs[name] = { action: "delete", before: o.value as Value, after: null, sensitive: !!o.sensitive };
  }

  const variables: Record<string, Value> = Object.fromEntries(rootVars);
  return {
    format: "fake-tofu-plan/1",
    flavor,
    destroy: opts.destroy,
    lineage: state?.lineage ?? null,
    serial: state?.serial ?? null,
    priorState: state,
    changes,
    outputs,
    variables,
    config,
    timestamp: `${new Date().toISOString().slice(0, 19)}Z`,
  };
}

/** A resource instance's arguments and its provider's configuration, evaluated now. */
export function evaluateInstance(n: ResourceNode, key: number | null, ev: Evaluator, flavor: Flavor) {
  const context = `resource.${n.res.type}.${n.res.name}`;
  const config: Attrs = {};
  for (const p of n.res.attrs) config[p.key] = ev.eval(n.module, p.value, context, key ?? undefined);
  const provider = providerFor(n.res.type, requiredProviders(n.module), flavor);
  return { config, provider, providerConfig: providerConfigFor(n.module, provider.local, ev) };
}

function planInstance(
  n: ResourceNode,
  ia: ResourceAddr,
  key: number | null,
  ev: Evaluator,
  prior: { r: StateResource; i: StateInstance } | undefined,
  graph: Graph,
  flavor: Flavor,
): ResourceChange {
  const { config, provider, providerConfig } = evaluateInstance(n, key, ev, flavor);
  const priorAttrs = prior ? fromStateAttrs(prior.r.type, prior.i.attributes) : undefined;
  const tainted = prior?.i.status === "tainted";
  const result = planResource({
    type: n.res.type,
    config,
    prior: tainted ? undefined : priorAttrs,
    providerConfig,
    referenced: graph.referenced.get(n.addr) ?? new Set(),
  });
  let action: ChangeAction = result.action;
  if (tainted) action = "replace";
  return {
    addr: ia,
    resource: n.addr,
    provider,
    action,
    ...(action === "replace" && { reason: tainted ? ("tainted" as const) : ("cannot_update" as const) }),
    before: priorAttrs ?? null,
    after: result.after,
    ...(result.replacePaths && { replacePaths: result.replacePaths }),
    dependencies: [...(graph.deps.get(n.addr) ?? [])].sort(),
  };
}

function requiredProviders(mod: ModuleNode): Map<string, { source: string; version: string | undefined }> {
  const out = new Map<string, { source: string; version: string | undefined }>();
  for (let m: ModuleNode | undefined = mod; m; m = m.parent) {
    for (const [k, v] of m.config.requiredProviders) if (!out.has(k)) out.set(k, v);
  }
  return out;
}

/**
 * The configuration of a provider a module's resources use: the module's own default
 * configuration, else what its call passes (`providers = { aws = aws.environment }`: the
 * caller's aliased configuration), else the caller's default, up to the root.
 */
function providerConfigFor(mod: ModuleNode, local: string, ev: Evaluator): Attrs {
  const value = (m: ModuleNode, node: JNode, name: string): Attrs => {
    const v = ev.eval(m, node, `provider.${name}`);
    return v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Unknown) ? (v as Attrs) : {};
  };
  let name = local;
  for (let m: ModuleNode | undefined = mod; m; m = m.parent) {
    const own = name.includes(".") ? m.config.aliasedProviders.get(name) : m.config.providers.get(name);
    if (own) return value(m, own, name);
    const passed = m.call?.providers.get(name.split(".")[0] ?? name);
    if (passed && !name.includes(".")) name = passed;
  }
  return {};
}

export function implied(type: string): string {
  return type === "terraform_data" ? "terraform" : type.split("_")[0]!;
}

function compareAddr(a: ResourceAddr, b: ResourceAddr): number {
  if (a.module !== b.module) return a.module < b.module ? -1 : 1;
  return a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0;
}

export interface Counts {
  add: number;
  change: number;
  remove: number;
}

export function countChanges(changes: ResourceChange[]): Counts {
  const c = { add: 0, change: 0, remove: 0 };
  for (const ch of changes) {
    if (ch.action === "create") c.add++;
    if (ch.action === "update") c.change++;
    if (ch.action === "delete") c.remove++;
    if (ch.action === "replace") {
      c.add++;
      c.remove++;
    }
  }
  return c;
}

const PLAN_VERB: Record<ChangeAction, string> = {
  create: "create",
  update: "update",
  replace: "replace",
  delete: "delete",
  "no-op": "no-op",
};

export function reportPlannedChanges(plan: Plan, ui: Ui): void {
  for (const ch of plan.changes) {
    if (ch.action === "no-op") continue;
    const change: Record<string, unknown> = {
      resource: hookResource(ch.addr, ch.provider.local),
      action: PLAN_VERB[ch.action],
    };
    if (ch.reason) change.reason = ch.reason;
    ui.hook("planned_change", `${ch.addr.instance}: Plan to ${PLAN_VERB[ch.action]}`, change, "change");
  }
}

export function reportPlan(plan: Plan, ui: Ui): void {
  reportPlannedChanges(plan, ui);
  const c = countChanges(plan.changes);
  const text = `Plan: ${c.add} to add, ${c.change} to change, ${c.remove} to destroy.`;
  if (ui.json) {
    ui.message("info", text, {
      type: "change_summary",
      changes: { add: c.add, change: c.change, import: 0, remove: c.remove, operation: "plan" },
    });
  } else ui.print(`\n${text}\n`);
  reportPlannedOutputs(plan, ui);
}

function reportPlannedOutputs(plan: Plan, ui: Ui): void {
  const names = Object.keys(plan.outputs).sort();
  if (!names.length || !ui.json) return;
  const outputs: Record<string, unknown> = {};
  for (const n of names) {
    const o = plan.outputs[n]!;
    outputs[n] = { sensitive: o.sensitive, action: o.action === "no-op" ? "noop" : o.action };
  }
  ui.message("info", `Outputs: ${names.length}`, { type: "outputs", outputs });
}

export function hasChanges(plan: Plan): boolean {
  return (
    plan.changes.some((c) => c.action !== "no-op") ||
    Object.values(plan.outputs).some((o) => o.action !== "no-op")
  );
}

// Plan files: JSON, with unknown values marked. Opaque to callers, like the real zip.
const UNKNOWN_MARK = "__fake_tofu_unknown__";

export function writePlanFile(file: string, plan: Plan): void {
  writeFileSync(
    file,
    JSON.stringify(plan, (_k, v: unknown) => (v instanceof Unknown ? { [UNKNOWN_MARK]: true } : v)),
  );
}

export function readPlanFile(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    fail("Failed to load plan file", `Couldn't load the plan file at ${file}: no such file or directory.`);
  }
  try {
    const plan = JSON.parse(text, (_k, v: unknown) =>
      v && typeof v === "object" && UNKNOWN_MARK in (v as object) ? UNKNOWN : v,
    ) as Plan;
    if (plan.format !== "fake-tofu-plan/1") throw new Error("not a fake plan");
    return plan;
  } catch {
    throw new DiagnosticsError([
      {
        severity: "error",
        summary: "Failed to read plan from plan file",
        detail: `The given plan file ${file} is not a plan file written by the fake (a real CLI's plan is a zip archive it cannot read).`,
      },
    ]);
  }
}
