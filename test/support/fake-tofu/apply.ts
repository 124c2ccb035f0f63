import type { StateStore } from "./backends.js";
import { openBrace } from "./config.js";
import { type ControlFile, delayFor, takeFailure } from "./control.js";
import { Evaluator, type Graph } from "./evaluate.js";
import { deepEqual, typeOf, UNKNOWN, type Value } from "./expressions.js";
import type { ModuleNode } from "./modules.js";
import { evaluateInstance, type Plan, type ResourceChange, stateInstances } from "./plan.js";
import { type Attrs, applyResource, fromStateAttrs, planResource, toStateAttrs } from "./providers.js";
import { emptyState, formatState, type StateInstance, type StateV4, sortResources } from "./state.js";
import { type Diagnostic, fail, hookResource, type Ui } from "./ui.js";

/**
 * Applying a plan: each change in dependency order (deletions of what left the
 * configuration first, in reverse order; a replacement deletes, then creates), with the
 * CLI's hook messages, the test's injected delays and failures, and the state written
 * after each resource, so a failure or a SIGKILL half-way leaves a partial state.
 */

export interface ApplyResult {
  diagnostics: Diagnostic[];
  counts: { add: number; change: number; remove: number };
}

export async function applyPlan(
  plan: Plan,
  tree: ModuleNode,
  graph: Graph,
  store: StateStore,
  current: StateV4 | null,
  ui: Ui,
  control: ControlFile,
  controlFile: string | undefined,
): Promise<ApplyResult> {
  if ((current?.lineage ?? null) !== plan.lineage && plan.lineage !== null) stale();
  if ((current?.serial ?? null) !== plan.serial) stale();
  const state: StateV4 = current ? structuredClone(current) : emptyState(ui.f.version);
  state.terraform_version = ui.f.version;
  const counts = { add: 0, change: 0, remove: 0 };
  const diagnostics: Diagnostic[] = [];
  const failed = new Set<string>();
  const values = new Map<string, Value>();

  const byInstance = stateInstances(state);
  const live = (addr: string): Value => {
    const n = graph.resources.get(addr);
    const insts = [...byInstance.values()].filter(
      (x) => (x.addr.module ? `${x.addr.module}.` : "") + `${x.r.type}.${x.r.name}` === addr,
    );
    if (values.has(addr)) return values.get(addr)!;
    if (n?.res.count) return insts.map((x) => fromStateAttrs(x.r.type, x.i.attributes));
    const one = insts[0];
    return one ? fromStateAttrs(one.r.type, one.i.attributes) : UNKNOWN;
  };
  const rootVars = new Map(Object.entries(plan.variables));
  const ev = new Evaluator({ rootVars, resourceValue: live });

  const persist = async () => {
    const before = formatState({ ...state, serial: 0 });
    state.resources = sortResources(state.resources.filter((r) => r.instances.length));
    const after = formatState({ ...state, serial: 0 });
    if (before === after && !dirty) return;
    dirty = false;
    state.serial++;
    await store.write(state);
  };
  let dirty = false;

  const setInstance = (ch: ResourceChange, attrs: Attrs | null) => {
    const module = ch.addr.module || undefined;
    let r = state.resources.find(
      (x) => (x.module ?? undefined) === module && x.type === ch.addr.type && x.name === ch.addr.name,
    );
    if (!r && attrs) {
      r = {
        ...(module && { module }),
        mode: "managed",
        type: ch.addr.type,
        name: ch.addr.name,
        provider: `provider["${ch.provider.fqn}"]`,
        instances: [],
      };
      state.resources.push(r);
    }
    if (!r) return;
    const key = ch.addr.key ?? undefined;
    r.instances = r.instances.filter((i) => i.index_key !== key);
    if (attrs) {
      const inst: StateInstance = {
        ...(key !== undefined && { index_key: key }),
        schema_version: 0,
        attributes: toStateAttrs(ch.addr.type, attrs),
        sensitive_attributes: [],
        ...(ch.dependencies.length && { dependencies: ch.dependencies }),
      };
      r.instances.push(inst);
      r.instances.sort((a, b) => (Number(a.index_key ?? 0) < Number(b.index_key ?? 0) ? -1 : 1));
    }
    dirty = true;
  };

  const dependsOnFailed = (ch: ResourceChange) => ch.dependencies.some((d) => failed.has(d));

  const run = async (
    ch: ResourceChange,
    op: "create" | "update" | "delete",
    attrs: Attrs | null,
  ): Promise<boolean> => {
    const hr = hookResource(ch.addr, ch.provider.local);
    const id = String((op === "create" ? null : ch.before?.id) ?? "");
    const idFields = op === "create" ? {} : { id_key: "id", id_value: id };
    const verb = {
      create: "Creating...",
      update: `Modifying... [id=${id}]`,
      delete: `Destroying... [id=${id}]`,
    }[op];
    ui.hook("apply_start", `${ch.addr.instance}: ${verb}`, { resource: hr, action: op, ...idFields });
    const started = Date.now();
    const delay = delayFor(control, ch.addr.instance);
    const still = {
      create: "Still creating...",
      update: "Still modifying...",
      delete: "Still destroying...",
    }[op];
    const ticker = setInterval(() => {
      const s = Math.round((Date.now() - started) / 1000);
      ui.hook("apply_progress", `${ch.addr.instance}: ${still} [${duration(s)} elapsed]`, {
        resource: hr,
        action: op,
        elapsed_seconds: s,
      });
    }, 10_000);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    clearInterval(ticker);
    const elapsed = Math.floor((Date.now() - started) / 1000);
    const failure = takeFailure(
      controlFile,
      control,
      ch.addr.instance,
      op === "delete" ? "destroy" : "apply",
    );
    if (failure) {
      const what = { create: "Creation", update: "Modifications", delete: "Destruction" }[op];
      ui.hook("apply_errored", `${ch.addr.instance}: ${what} errored after ${duration(elapsed)}`, {
        resource: hr,
        action: op,
        elapsed_seconds: elapsed,
      });
      const n = graph.resources.get(ch.resource);
      diagnostics.push({
        severity: "error",
        summary: failure.summary,
        detail: failure.detail ?? "",
        address: ch.addr.instance,
        ...(n && { range: openBrace(n.res.node.range), context: `resource.${n.res.type}.${n.res.name}` }),
      });
      failed.add(ch.resource);
      return false;
    }
    if (op === "delete") setInstance(ch, null);
    else setInstance(ch, attrs);
    await persist();
    const done = {
      create: "Creation complete",
      update: "Modifications complete",
      delete: "Destruction complete",
    }[op];
    const newId = op === "delete" ? "" : String(attrs?.id ?? "");
    ui.hook(
      "apply_complete",
      `${ch.addr.instance}: ${done} after ${duration(elapsed)}${op === "delete" ? "" : ` [id=${newId}]`}`,
      {
        resource: hr,
        action: op,
        ...(op === "delete" ? {} : { id_key: "id", id_value: newId }),
        elapsed_seconds: elapsed,
      },
    );
    return true;
  };

  // 1. Deletions of instances the configuration no longer has (and everything, for destroy),
  //    dependents first.
  const deletions = plan.changes.filter((c) => c.action === "delete");
  for (const ch of reverseDependencyOrder(deletions)) {
    if (
      plan.changes.some(
        (d) => d.action === "delete" && d.dependencies.includes(ch.resource) && failed.has(d.resource),
      )
    ) {
      failed.add(ch.resource);
      continue;
    }
    if (await run(ch, "delete", null)) counts.remove++;
  }

  // 2. Everything else in dependency order, evaluated now that what it references exists.
  const rank = new Map(graph.order.map((a, i) => [a, i]));
  const rest = plan.changes
    .filter((c) => c.action !== "delete")
    .sort(
      (a, b) =>
        (rank.get(a.resource) ?? 0) - (rank.get(b.resource) ?? 0) ||
        (Number(a.addr.key) || 0) - (Number(b.addr.key) || 0),
    );
  for (const ch of rest) {
    const n = graph.resources.get(ch.resource);
    if (!n) continue;
    if (dependsOnFailed(ch)) {
      failed.add(ch.resource);
      continue;
    }
    ev.reset();
    let attrs: Attrs = ch.after ?? {};
    if (ch.action !== "no-op") {
      // Plan again with applied values in place of the plan's unknowns, then "create" it.
      const { config, providerConfig } = evaluateInstance(n, ch.addr.key as number | null, ev, plan.flavor);
      const again = planResource({
        type: n.res.type,
        config,
        prior: ch.action === "replace" ? undefined : (ch.before ?? undefined),
        providerConfig,
        referenced: graph.referenced.get(n.addr) ?? new Set(),
      });
      attrs = applyResource(n.res.type, n.res.name, again.after);
    }
    let ok = true;
    if (ch.action === "create") ok = await run(ch, "create", attrs);
    else if (ch.action === "update") ok = await run(ch, "update", attrs);
    else if (ch.action === "replace") {
      ok = await run(ch, "delete", null);
      if (ok) {
        counts.remove++;
        ok = await run({ ...ch, before: null }, "create", attrs);
      }
    }
    if (ok) {
      if (ch.action === "create" || ch.action === "replace") counts.add++;
      if (ch.action === "update") counts.change++;
      const inst = n.res.count ? (live(ch.resource) as Value[]) : undefined;
      if (inst) {
        const copy = [...inst];
        copy[Number(ch.addr.key)] = attrs;
        values.set(ch.resource, copy);
      } else values.set(ch.resource, attrs);
    }
  }

  // 3. Root outputs (all gone after a destroy).
  if (!diagnostics.length) {
    ev.reset();
    const outputs: StateV4["outputs"] = {};
    if (!plan.destroy) {
      for (const o of tree.config.outputs.values()) {
        const v = ev.output(tree, o.name);
        if (v === null) continue;
        outputs[o.name] = { value: v, type: typeOf(v), ...(o.sensitive && { sensitive: true as const }) };
      }
    }
    if (!deepEqual(outputs as unknown as Value, state.outputs as unknown as Value)) {
      state.outputs = outputs;
      dirty = true;
    }
  }
  await persist();
  return { diagnostics, counts };
}

function stale(): never {
  fail(
    "Saved plan is stale",
    "The given plan file can no longer be applied because the state was changed by another operation after the plan was created.",
  );
}

/** Deletes in an order where nothing is deleted before what depends on it. */
function reverseDependencyOrder(changes: ResourceChange[]): ResourceChange[] {
  const out: ResourceChange[] = [];
  const done = new Set<ResourceChange>();
  const visit = (c: ResourceChange, seen: Set<ResourceChange>) => {
    if (done.has(c) || seen.has(c)) return;
    seen.add(c);
    for (const d of changes) if (d.dependencies.includes(c.resource)) visit(d, seen);
    done.add(c);
    out.push(c);
  };
  for (const c of changes) visit(c, new Set());
  return out;
}

/** Go's duration, to the second: `0s`, `11s`, `1m5s`. */
export function duration(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}

export function outputsMessage(state: StateV4, ui: Ui): void {
  const names = Object.keys(state.outputs).sort();
  if (!names.length || !ui.json) return;
  const outputs: Record<string, unknown> = {};
  for (const n of names) {
    const o = state.outputs[n]!;
    outputs[n] = { sensitive: !!o.sensitive, type: o.type, ...(!o.sensitive && { value: o.value }) };
  }
  ui.message("info", `Outputs: ${names.length}`, { type: "outputs", outputs });
}
