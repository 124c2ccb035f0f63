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
  parallelism = 10,
): Promise<ApplyResult> {
  checkStale(plan, current);
  const state: StateV4 = current ? structuredClone(current) : emptyState(ui.f.version);
  state.terraform_version = ui.f.version;
  const counts = { add: 0, change: 0, remove: 0 };
  const diagnostics: Diagnostic[] = [];
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

  let writing = Promise.resolve();
  /** State writes one at a time, in the order resources finish. */
  const persist = () => {
    writing = writing.then(persistNow);
    return writing;
  };
  const persistNow = async () => {
    const before = formatState({ ...state, serial: 0 });
    state.resources = sortResources(state.resources.filter((r) => r.instances.length));
    const after = formatState({ ...state, serial: 0 });
    if (before === after && !dirty) return;
    dirty = false;
    state.serial++;
    await store.write(state);
  };
  let dirty = false;

  const setInstance = (ch: ResourceChange, attrs: Attrs | null, tainted = false) => {
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
        ...(tainted && { status: "tainted" as const }),
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
      if (failure.taint && op === "create" && attrs) {
        setInstance(ch, attrs, true);
        await persist();
      }
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

  // 1. Deletions of instances the configuration no longer has (and everything, for destroy):
  //    each once what depends on it is gone.
  const deletions = plan.changes.filter((c) => c.action === "delete");
  await inParallel(
    deletions,
    (ch) => deletions.filter((d) => d.dependencies.includes(ch.resource)).map((d) => d.resource),
    async (ch) => {
      const ok = await run(ch, "delete", null);
      if (ok) counts.remove++;
      return ok;
    },
    parallelism,
  );

  // 2. Everything else, each once what it depends on is done; evaluated then, with the
  //    applied values in place of the plan's unknowns. Independent resources run at once
  //    (at most -parallelism), as with the real CLI.
  const rest = plan.changes.filter((c) => c.action !== "delete" && graph.resources.has(c.resource));
  await inParallel(
    rest,
    (ch) => ch.dependencies,
    async (ch) => {
      const n = graph.resources.get(ch.resource)!;
      ev.reset();
      let attrs: Attrs = ch.after ?? {};
      if (ch.action !== "no-op") {
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
      if (!ok) return false;
      if (ch.action === "create" || ch.action === "replace") counts.add++;
      if (ch.action === "update") counts.change++;
      if (n.res.count) {
        const now = live(ch.resource);
        const copy = Array.isArray(now) ? [...now] : [];
        copy[Number(ch.addr.key)] = attrs;
        values.set(ch.resource, copy);
      } else values.set(ch.resource, attrs);
      return true;
    },
    parallelism,
  );

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

/** A saved plan applies only to the state it was made against (same lineage and serial). */
export function checkStale(plan: Plan, current: StateV4 | null): void {
  const moved = (current?.lineage ?? null) !== plan.lineage || (current?.serial ?? null) !== plan.serial;
  if (moved && !(plan.lineage === null && current === null)) stale();
}

function stale(): never {
  fail(
    "Saved plan is stale",
    "The given plan file can no longer be applied because the state was changed by another operation after the plan was created.",
  );
}

/**
 * Runs changes as soon as the resources they wait for are done, `limit` at a time; a
 * change waiting for a failed one is skipped (and counts as failed for its own waiters).
 */
async function inParallel(
  changes: ResourceChange[],
  waitsFor: (ch: ResourceChange) => string[],
  work: (ch: ResourceChange) => Promise<boolean>,
  limit: number,
): Promise<void> {
  const remaining = new Map<string, number>();
  for (const ch of changes) remaining.set(ch.resource, (remaining.get(ch.resource) ?? 0) + 1);
  const failed = new Set<string>();
  const pending = new Set(changes);
  const running = new Set<Promise<void>>();
  const finish = (ch: ResourceChange, ok: boolean) => {
    if (!ok) failed.add(ch.resource);
    remaining.set(ch.resource, remaining.get(ch.resource)! - 1);
  };
  while (pending.size || running.size) {
    let started = false;
    for (const ch of [...pending]) {
      if (running.size >= limit) break;
      const deps = waitsFor(ch).filter((d) => d !== ch.resource && remaining.has(d));
      if (deps.some((d) => failed.has(d))) {
        pending.delete(ch);
        finish(ch, false);
        started = true;
        continue;
      }
      if (deps.every((d) => remaining.get(d) === 0)) {
        pending.delete(ch);
        started = true;
        const p: Promise<void> = work(ch).then(
          (ok) => {
            finish(ch, ok);
            running.delete(p);
          },
          (err: unknown) => {
            finish(ch, false);
            running.delete(p);
            throw err;
          },
        );
        running.add(p);
      }
    }
    if (running.size) await Promise.race(running);
    else if (!started) break; // nothing can start: a cycle (validate rejects those)
  }
}

/** Go's duration, to the second: `0s`, `11s`, `1m5s`. */
export function duration(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}

/** After an apply, always (`Outputs: 0` too). */
export function outputsMessage(stateOutputs: StateV4["outputs"], ui: Ui): void {
  const names = Object.keys(stateOutputs).sort();
  if (!ui.json) return;
  const outputs: Record<string, unknown> = {};
  for (const n of names) {
    const o = stateOutputs[n]!;
    outputs[n] = { sensitive: !!o.sensitive, type: o.type, ...(!o.sensitive && { value: o.value }) };
  }
  ui.message("info", `Outputs: ${names.length}`, { type: "outputs", outputs });
}
