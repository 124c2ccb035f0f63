import { closeBrace, extraneous, type Resource } from "./config.js";
import {
  convert,
  evaluate,
  fitsType,
  step,
  type Traversal,
  traversals,
  traversalText,
  UNKNOWN,
  Unknown,
  type Value,
} from "./expressions.js";
import type { JNode, Range } from "./json-source.js";
import { type ModuleNode, walk } from "./modules.js";
import { type Attrs, knownAttributes, TERRAFORM_DATA_ARGS } from "./providers.js";
import { currentFlavor, type Diagnostic, DiagnosticsError } from "./ui.js";

/**
 * Checking references and evaluating a module tree. `validate` finds every reference to
 * something undeclared (with Terraform's messages and ranges) and the resources each
 * resource depends on; `Scope` evaluates expressions, reading resources' current values
 * (planned values during plan, applied ones during apply) from `values`.
 */

export interface ResourceNode {
  module: ModuleNode;
  res: Resource;
  /** `module.infra.terraform_data.a` (no instance key). */
  addr: string;
}

export interface Graph {
  resources: Map<string, ResourceNode>;
  /** Resource address → the resource addresses it depends on (through locals, variables and outputs too). */
  deps: Map<string, Set<string>>;
  /** Resource address → attributes other configuration references on it. */
  referenced: Map<string, Set<string>>;
  /** Resources, dependencies first (ties in address order). */
  order: string[];
}

function resAddr(mod: ModuleNode, type: string, name: string): string {
  return mod.addr ? `${mod.addr}.${type}.${name}` : `${type}.${name}`;
}

function inModule(mod: ModuleNode): string {
  return mod.addr ? mod.addr : "the root module";
}

export function validate(tree: ModuleNode): Graph {
  const diags: Diagnostic[] = [];
  const resources = new Map<string, ResourceNode>();
  const referenced = new Map<string, Set<string>>();
  for (const mod of walk(tree)) {
    for (const res of mod.config.resources.values()) {
      const addr = resAddr(mod, res.type, res.name);
      resources.set(addr, { module: mod, res, addr });
    }
  }

  /** Checks one reference; returns false when it is broken (diagnostic added). */
  const check = (mod: ModuleNode, t: Traversal, context: string | null, inCounted: boolean): void => {
    const at = (i: number) => t.stepRanges[i] ?? t.range;
    const first = t.steps[0];
    const firstName = first?.kind === "attr" ? first.name : undefined;
    const twoPartRange = (): Range => ({ ...t.range, end: at(0).end });
    switch (t.root) {
      case "var":
        if (!firstName || !mod.config.variables.has(firstName)) {
          diags.push({
            severity: "error",
            summary: "Reference to undeclared input variable",
            detail: `An input variable with the name "${firstName}" has not been declared. This variable can be declared with a variable "${firstName}" {} block.`,
            range: twoPartRange(),
            context,
          });
        }
        return;
      case "local":
        if (!firstName || !mod.config.locals.has(firstName)) {
          diags.push({
            severity: "error",
            summary: "Reference to undeclared local value",
            detail: `A local value with the name "${firstName}" has not been declared.`,
            range: twoPartRange(),
            context,
          });
        }
        return;
      case "module": {
        const child = firstName ? mod.children.get(firstName) : undefined;
        if (!firstName || !mod.config.calls.has(firstName)) {
          diags.push({
            severity: "error",
            summary: "Reference to undeclared module",
            detail: `No module call named "${firstName}" is declared in ${inModule(mod)}.`,
            range: t.range,
            context,
          });
          return;
        }
        const out = t.steps[1];
        if (child && out?.kind === "attr" && !child.config.outputs.has(out.name)) {
          diags.push({
            severity: "error",
            summary: "Unsupported attribute",
            detail: `This object does not have an attribute named "${out.name}".`,
            range: at(1),
            context,
            values: [{ traversal: `module.${firstName}`, statement: "is a object" }],
          });
        }
        return;
      }
      case "count":
        if (!inCounted) {
          diags.push({
            severity: "error",
            summary: 'Reference to "count" in non-counted context',
            detail:
              'The "count" object can only be used in "module", "resource", and "data" blocks, and only when the "count" argument is set.',
            range: twoPartRange(),
            context,
          });
        }
        return;
      case "path":
      case "terraform":
        return;
      case "each":
      case "self":
      case "data":
        diags.push({
          severity: "error",
          summary: "Expression not supported by the fake",
          detail: `"${t.root}" references are not implemented by test/support/fake-tofu (docs/fake-tofu.md).`,
          range: t.range,
          context,
        });
        return;
      default: {
        if (!firstName) {
          diags.push({
            severity: "error",
            summary: "Invalid reference",
            detail:
              "A reference to a resource type must be followed by at least one attribute access, specifying the resource name.",
            range: t.range,
            context,
          });
          return;
        }
        const addr = resAddr(mod, t.root, firstName);
        const target = resources.get(addr);
        if (!target) {
          diags.push({
            severity: "error",
            summary: "Reference to undeclared resource",
            detail: `A managed resource "${t.root}" "${firstName}" has not been declared in ${inModule(mod)}.`,
            range: twoPartRange(),
            context,
          });
          return;
        }
        let i = 1;
        if (target.res.count && t.steps[1]?.kind === "index") i = 2;
        const attr = t.steps[i];
        if (attr?.kind === "attr") {
          const known = knownAttributes(t.root);
          if (known && !known.includes(attr.name)) {
            diags.push({
              severity: "error",
              summary: "Unsupported attribute",
              detail: `This object has no argument, nested block, or exported attribute named "${attr.name}".`,
              range: at(i),
              context,
            });
            return;
          }
          if (!referenced.has(addr)) referenced.set(addr, new Set());
          referenced.get(addr)!.add(attr.name);
        }
      }
    }
  };

  const refsOf = (node: JNode | undefined, context: string | null): Traversal[] => {
    try {
      return traversals(node, context);
    } catch (err) {
      if (err instanceof DiagnosticsError) diags.push(...err.diagnostics);
      else throw err;
      return [];
    }
  };

  for (const mod of walk(tree)) {
    const c = mod.config;
    for (const l of c.locals.values())
      for (const t of refsOf(l.value, "locals")) check(mod, t, "locals", false);
    for (const o of c.outputs.values())
      for (const t of refsOf(o.value, `output.${o.name}`)) check(mod, t, `output.${o.name}`, false);
    for (const r of c.resources.values()) {
      const context = `resource.${r.type}.${r.name}`;
      for (const p of r.attrs) {
        if (r.type === "terraform_data" && !TERRAFORM_DATA_ARGS.includes(p.key)) {
          diags.push(extraneous(p, TERRAFORM_DATA_ARGS, context));
        }
        for (const t of refsOf(p.value, context)) check(mod, t, context, r.count !== undefined);
      }
      for (const t of refsOf(r.count, context)) check(mod, t, context, false);
      for (const d of r.dependsOn) {
        const [root, name] = d.ref.split(".");
        const ok = root === "module" ? c.calls.has(name ?? "") : c.resources.has(`${root}.${name}`);
        if (!ok) {
          diags.push({
            severity: "error",
            summary:
              root === "module" ? "Reference to undeclared module" : "Reference to undeclared resource",
            detail:
              root === "module"
                ? `No module call named "${name}" is declared in ${inModule(mod)}.`
                : `A managed resource "${root}" "${name}" has not been declared in ${inModule(mod)}.`,
            range: d.range,
            context,
          });
        }
      }
    }
    for (const call of c.calls.values()) {
      const child = mod.children.get(call.name);
      const context = `module.${call.name}`;
      for (const a of call.args) {
        for (const t of refsOf(a.value, context)) check(mod, t, context, false);
        if (child && !child.config.variables.has(a.key)) {
          diags.push(extraneous(a, [...child.config.variables.keys()], context));
        }
      }
      if (child) {
        for (const v of child.config.variables.values()) {
          if (!v.default && !call.args.some((a) => a.key === v.name)) {
            diags.push({
              severity: "error",
              summary: "Missing required argument",
              detail: `The argument "${v.name}" is required, but no definition was found.`,
              range: closeBrace(call.range),
              context,
            });
          }
        }
      }
    }
  }
  if (diags.length) throw new DiagnosticsError(diags);

  // Dependencies: the resources reached from each resource's references, through
  // variables, locals and module outputs (as Terraform records them in state).
  const memo = new Map<string, Set<string>>();
  const through = (key: string, compute: () => Set<string>): Set<string> => {
    const hit = memo.get(key);
    if (hit) return hit;
    memo.set(key, new Set());
    const v = compute();
    memo.set(key, v);
    return v;
  };
  const reach = (mod: ModuleNode, t: Traversal): Set<string> => {
    const first = t.steps[0];
    const name = first?.kind === "attr" ? first.name : "";
    switch (t.root) {
      case "var": {
        if (!mod.parent || !mod.call) return new Set();
        const arg = mod.call.args.find((a) => a.key === name);
        return through(`${mod.addr}:var.${name}`, () =>
          union(refsOf(arg?.value, null).map((x) => reach(mod.parent!, x))),
        );
      }
      case "local": {
        const l = mod.config.locals.get(name);
        return through(`${mod.addr}:local.${name}`, () =>
          union(refsOf(l?.value, null).map((x) => reach(mod, x))),
        );
      }
      case "module": {
        const child = mod.children.get(name);
        if (!child) return new Set();
        const out = t.steps[1];
        const outputs = out?.kind === "attr" ? [out.name] : [...child.config.outputs.keys()];
        return union(
          outputs.map((o) =>
            through(`${child.addr}:output.${o}`, () =>
              union(refsOf(child.config.outputs.get(o)?.value, null).map((x) => reach(child, x))),
            ),
          ),
        );
      }
      case "count":
      case "path":
      case "terraform":
        return new Set();
      default:
        return new Set([resAddr(mod, t.root, name)]);
    }
  };
  const deps = new Map<string, Set<string>>();
  for (const [addr, { module: mod, res }] of resources) {
    const direct = [...res.attrs.flatMap((p) => refsOf(p.value, null)), ...refsOf(res.count, null)];
    const set = union(direct.map((t) => reach(mod, t)));
    for (const d of res.dependsOn) {
      const [root, name] = d.ref.split(".");
      if (root === "module") {
        const child = mod.children.get(name ?? "");
        if (child)
          for (const m of walk(child))
            for (const r of m.config.resources.values()) set.add(resAddr(m, r.type, r.name));
      } else set.add(resAddr(mod, root ?? "", name ?? ""));
    }
    set.delete(addr);
    deps.set(addr, set);
  }
  return { resources, deps, referenced, order: topoOrder(resources, deps) };
}

function union(sets: Set<string>[]): Set<string> {
  const out = new Set<string>();
  for (const s of sets) for (const x of s) out.add(x);
  return out;
}

function topoOrder(resources: Map<string, unknown>, deps: Map<string, Set<string>>): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (a: string, path: string[]) => {
    const s = state.get(a);
    if (s === "done") return;
    if (s === "visiting") {
      throw new DiagnosticsError([
        {
          severity: "error",
          summary: `Cycle: ${[...path.slice(path.indexOf(a)), a].join(", ")}`,
          detail: "",
        },
      ]);
    }
    state.set(a, "visiting");
    for (const d of [...(deps.get(a) ?? [])].sort()) if (resources.has(d)) visit(d, [...path, a]);
    state.set(a, "done");
    order.push(a);
  };
  for (const a of [...resources.keys()].sort()) visit(a, []);
  return order;
}

/** A resource's current value, by instance: a single object, or (with `count`) one per index. */
export type ResourceValue =
  | { counted: false; value: Attrs }
  | { counted: true; values: (Attrs | undefined)[] }
  | undefined;

export interface EvalContext {
  rootVars: Map<string, Value>;
  /** The value of a resource (by resource address), as seen now. */
  resourceValue(addr: string): Value;
}

/** Evaluates expressions of one module instance; variables, locals and outputs are memoised per run. */
export class Evaluator {
  #memo = new Map<string, Value>();

  constructor(private readonly ctx: EvalContext) {}

  /** Forget memoised values (after resources changed value, during apply). */
  reset(): void {
    this.#memo.clear();
  }

  eval(mod: ModuleNode, node: JNode, context: string | null, countIndex?: number): Value {
    return evaluate(node, (t) => this.resolve(mod, t, context, countIndex), context);
  }

  resolve(mod: ModuleNode, t: Traversal, context: string | null, countIndex?: number): Value {
    const first = t.steps[0];
    const name = first?.kind === "attr" ? first.name : "";
    const rest = (v: Value, from: number) => {
      let out = v;
      for (let i = from; i < t.steps.length; i++)
        out = step(out, t.steps[i]!, t.stepRanges[i] ?? t.range, context, traversalText(t, i));
      return out;
    };
    switch (t.root) {
      case "var":
        return rest(this.variable(mod, name), 1);
      case "local":
        return rest(
          this.#memoised(`${mod.addr}:local.${name}`, () =>
            this.eval(mod, mod.config.locals.get(name)!.value, "locals"),
          ),
          1,
        );
      case "module": {
        const child = mod.children.get(name)!;
        const out = t.steps[1];
        if (out?.kind === "attr") return rest(this.output(child, out.name), 2);
        const all: Record<string, Value> = {};
        for (const o of child.config.outputs.keys()) all[o] = this.output(child, o);
        return rest(all, 1);
      }
      case "count":
        return rest({ index: countIndex ?? 0 }, 0);
      case "path":
        return rest({ module: mod.config.dir, root: ".", cwd: process.cwd() }, 0);
      case "terraform":
        return rest({ workspace: "default" }, 0);
      default:
        return rest(this.ctx.resourceValue(resAddr(mod, t.root, name)), 1);
    }
  }

  variable(mod: ModuleNode, name: string): Value {
    return this.#memoised(`${mod.addr}:var.${name}`, () => {
      const decl = mod.config.variables.get(name)!;
      let v: Value;
      if (!mod.parent) v = this.ctx.rootVars.get(name) ?? null;
      else {
        const arg = mod.call?.args.find((a) => a.key === name);
        v = arg ? this.eval(mod.parent, arg.value, `module.${mod.call!.name}`) : undefined!;
        if (v === undefined) v = decl.default ? this.eval(mod, decl.default, `variable.${name}`) : null;
      }
      v = convert(v, decl.type);
      if (!fitsType(v, decl.type)) {
        throw new DiagnosticsError([
          {
            severity: "error",
            summary: "Invalid value for input variable",
            detail: `The given value is not suitable for ${mod.addr ? `${mod.addr}.` : ""}var.${name} declared at ${decl.range.filename}:${decl.range.start.line},${decl.range.start.column}-${decl.range.end.column}: ${decl.type} required.`,
            range: decl.range,
            context: `variable.${name}`,
          },
        ]);
      }
      return v;
    });
  }

  output(mod: ModuleNode, name: string): Value {
    return this.#memoised(`${mod.addr}:output.${name}`, () => {
      const o = mod.config.outputs.get(name)!;
      return o.value ? this.eval(mod, o.value, `output.${name}`) : null;
    });
  }

  #memoised(key: string, compute: () => Value): Value {
    if (this.#memo.has(key)) return this.#memo.get(key)!;
    const v = compute();
    this.#memo.set(key, v);
    return v;
  }
}

/** Root variable values: `-var`, `TF_VAR_<name>`, then the default; a missing one is an error. */
export function rootVariables(
  tree: ModuleNode,
  cliVars: Map<string, string>,
  env: NodeJS.ProcessEnv,
): Map<string, Value> {
  const out = new Map<string, Value>();
  const diags: Diagnostic[] = [];
  for (const v of tree.config.variables.values()) {
    const given = cliVars.get(v.name) ?? env[`TF_VAR_${v.name}`];
    if (given !== undefined) {
      let value: Value = given;
      const t = v.type?.replace(/\s+/g, "") ?? "";
      if (/^(list|set|map|object|tuple)\(/.test(t) || t === "any") {
        try {
          value = JSON.parse(given) as Value;
        } catch {}
      }
      out.set(v.name, value);
    } else if (v.default) {
      out.set(
        v.name,
        evaluate(v.default, () => UNKNOWN, `variable.${v.name}`),
      );
    } else {
      diags.push({
        severity: "error",
        summary: "No value for required variable",
        detail: `The root module input variable "${v.name}" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.`,
        range: v.range,
        context: `variable.${v.name}`,
      });
    }
  }
  if (diags.length) throw new DiagnosticsError(diags);
  return out;
}

/** `count` must be known at plan time, as in Terraform. */
export function countOf(ev: Evaluator, n: ResourceNode): number | null {
  if (!n.res.count) return null;
  const v = ev.eval(n.module, n.res.count, `resource.${n.res.type}.${n.res.name}`);
  const range = n.res.count.range;
  if (v instanceof Unknown) {
    throw new DiagnosticsError([
      {
        severity: "error",
        summary: "Invalid count argument",
        detail: `The "count" value depends on resource attributes that cannot be determined until apply, so ${currentFlavor().product} cannot predict how many instances will be created.`,
        range,
        context: `resource.${n.res.type}.${n.res.name}`,
      },
    ]);
  }
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new DiagnosticsError([
      {
        severity: "error",
        summary: "Invalid count argument",
        detail:
          'The given "count" argument value is unsuitable: must be a whole number, greater than or equal to zero.',
        range,
        context: `resource.${n.res.type}.${n.res.name}`,
      },
    ]);
  }
  return v;
}
