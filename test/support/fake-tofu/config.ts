import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type JNode, type JProp, JsonSyntaxError, parseJsonSource, type Range } from "./json-source.js";
import { currentFlavor, type Diagnostic, DiagnosticsError, sources } from "./ui.js";

/**
 * Reading one module directory's `*.tf.json` files into blocks, with the checks Terraform
 * makes while decoding them (unknown properties, a second backend, a module call without
 * `source`…). Expressions stay as JSON nodes; `expressions.ts` evaluates them.
 */

export interface Variable {
  name: string;
  type: string | undefined;
  default: JNode | undefined;
  sensitive: boolean;
  range: Range;
}

export interface Resource {
  mode: "managed";
  type: string;
  name: string;
  /** Arguments other than meta-arguments. */
  attrs: JProp[];
  count: JNode | undefined;
  dependsOn: { ref: string; range: Range }[];
  /** The whole block, for diagnostics. */
  range: Range;
  node: JNode & { kind: "object" };
}

export interface Output {
  name: string;
  value: JNode | undefined;
  sensitive: boolean;
  range: Range;
}

export interface ModuleCall {
  name: string;
  source: string;
  sourceNode: JNode & { kind: "string" };
  version: string | undefined;
  args: JProp[];
  /** The call's `providers` map: the module's local name → the caller's `name` or `name.alias`. */
  providers: Map<string, string>;
  range: Range;
}

export interface Backend {
  type: string;
  attrs: JProp[];
  /** The type's name (`"pg"`), where "Unsupported backend type" points. */
  typeRange: Range;
  /** The `{` of its body. */
  bodyRange: Range;
}

export interface ModuleConfig {
  /** Directory, relative to the working directory ("." for the root module). */
  dir: string;
  variables: Map<string, Variable>;
  locals: Map<string, JProp>;
  resources: Map<string, Resource>;
  outputs: Map<string, Output>;
  calls: Map<string, ModuleCall>;
  /** Default (unaliased) provider configurations by local name. */
  providers: Map<string, JNode>;
  /** Aliased provider configurations by `local.alias` (`aws.environment`). */
  aliasedProviders: Map<string, JNode>;
  requiredProviders: Map<string, { source: string; version: string | undefined }>;
  backend: Backend | undefined;
  /** `terraform.required_version` constraints, with the range from the key to the value. */
  requiredVersions: { constraint: string; range: Range }[];
  /** The file texts, by name relative to the working directory: kept in saved plans. */
  files: Record<string, string>;
}

const TOP_LEVEL = [
  "terraform",
  "variable",
  "locals",
  "output",
  "module",
  "resource",
  "data",
  "provider",
  "moved",
  "import",
  "check",
  "removed",
];
const TERRAFORM_BLOCK = [
  "required_version",
  "required_providers",
  "backend",
  "cloud",
  "experiments",
  "provider_meta",
  "encryption",
];
const VARIABLE_KEYS = ["type", "default", "description", "sensitive", "nullable", "validation", "ephemeral"];
const OUTPUT_KEYS = ["value", "sensitive", "description", "depends_on", "precondition", "ephemeral"];
const RESOURCE_META = [
  "count",
  "for_each",
  "depends_on",
  "provider",
  "lifecycle",
  "provisioner",
  "connection",
];
const MODULE_META = ["source", "version", "count", "for_each", "providers", "depends_on"];

/** Reads a module directory (or the files of a saved plan) into its blocks. */
export function loadModule(dir: string, files?: Record<string, string>): ModuleConfig {
  const texts = files ?? readModuleFiles(dir);
  const mod: ModuleConfig = {
    dir,
    variables: new Map(),
    locals: new Map(),
    resources: new Map(),
    outputs: new Map(),
    calls: new Map(),
    providers: new Map(),
    aliasedProviders: new Map(),
    requiredProviders: new Map(),
    backend: undefined,
    requiredVersions: [],
    files: texts,
  };
  const diags: Diagnostic[] = [];
  for (const [filename, text] of Object.entries(texts)) {
    sources.set(filename, text);
    let root: JNode;
    try {
      root = parseJsonSource(filename, text);
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
      diags.push({
        severity: "error",
        summary: err.summary,
        detail: err.detail,
        range: err.range,
        context: null,
      });
      continue;
    }
    const bodies = root.kind === "array" ? root.items : [root];
    for (const body of bodies) {
      if (body.kind !== "object") {
        diags.push({
          severity: "error",
          summary: "Root value must be object",
          detail:
            "The root value in a JSON-based configuration must be either a JSON object or a JSON array of objects.",
          range: body.range,
          context: null,
        });
        continue;
      }
      decodeFile(mod, body, diags);
    }
  }
  if (diags.length) throw new DiagnosticsError(diags);
  return mod;
}

function readModuleFiles(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  const names = readdirSync(dir).sort();
  const hcl = names.filter((n) => n.endsWith(".tf") || n.endsWith(".tofu"));
  if (hcl.length) {
    const cli = currentFlavor().cli;
    throw new DiagnosticsError([
      {
        severity: "error",
        summary: "HCL configuration files are not supported by the fake",
        detail: `The fake ${cli} (test/support/fake-tofu) reads modules written as Terraform JSON (*.tf.json) only, and ${path.join(dir, hcl[0]!)} is in HCL native syntax. Write the module as .tf.json, or run this test against the real CLI.`,
      },
    ]);
  }
  for (const n of names) {
    if (n.endsWith(".tf.json") || n.endsWith(".tofu.json")) {
      const rel = dir === "." ? n : path.join(dir, n);
      out[rel] = readFileSync(path.join(dir, n), "utf8");
    }
  }
  return out;
}

/** HCL's "Extraneous JSON object property", with its "Did you mean" for a near miss. */
export function extraneous(p: JProp, allowed: readonly string[], context: string | null): Diagnostic {
  const suggestion = allowed.find((a) => levenshtein(a, p.key) < 3);
  return {
    severity: "error",
    summary: "Extraneous JSON object property",
    detail: `No argument or block type is named "${p.key}".${suggestion ? ` Did you mean "${suggestion}"?` : ""}`,
    range: p.keyRange,
    context,
  };
}

function isComment(p: JProp): boolean {
  return p.key === "//";
}

/** `"name": {…}` or `"name": [{…}, …]`: the bodies of a labelled block. */
function bodies(node: JNode): (JNode & { kind: "object" })[] {
  if (node.kind === "object") return [node];
  if (node.kind === "array")
    return node.items.filter((n): n is JNode & { kind: "object" } => n.kind === "object");
  return [];
}

function objectOrFail(node: JNode, what: string, diags: Diagnostic[], context: string | null): JProp[] {
  if (node.kind === "object") return node.props.filter((p) => !isComment(p));
  if (node.kind === "array") return node.items.flatMap((i) => objectOrFail(i, what, diags, context));
  diags.push({
    severity: "error",
    summary: "Incorrect JSON value type",
    detail: `A JSON object is required here, to define ${what}.`,
    range: node.range,
    context,
  });
  return [];
}

function decodeFile(mod: ModuleConfig, body: JNode & { kind: "object" }, diags: Diagnostic[]): void {
  for (const p of body.props) {
    if (isComment(p)) continue;
    switch (p.key) {
      case "terraform":
        for (const b of bodies(p.value)) decodeTerraform(mod, b, diags);
        break;
      case "variable":
        for (const v of objectOrFail(p.value, "variables", diags, null)) {
          for (const b of bodies(v.value)) {
            for (const k of b.props) {
              if (!isComment(k) && !VARIABLE_KEYS.includes(k.key))
                diags.push(extraneous(k, VARIABLE_KEYS, `variable.${v.key}`));
            }
            const get = (k: string) => b.props.find((x) => x.key === k)?.value;
            const type = get("type");
            mod.variables.set(v.key, {
              name: v.key,
              type: type?.kind === "string" ? type.value.replace(/^\$\{(.*)\}$/, "$1") : undefined,
              default: get("default"),
              sensitive: isTrue(get("sensitive")),
              range: v.keyRange,
            });
          }
        }
        break;
      case "locals":
        for (const l of objectOrFail(p.value, "local values", diags, null)) mod.locals.set(l.key, l);
        break;
      case "output":
        for (const o of objectOrFail(p.value, "outputs", diags, null)) {
          for (const b of bodies(o.value)) {
            for (const k of b.props) {
              if (!isComment(k) && !OUTPUT_KEYS.includes(k.key))
                diags.push(extraneous(k, OUTPUT_KEYS, `output.${o.key}`));
            }
            const value = b.props.find((x) => x.key === "value")?.value;
            if (!value) {
              diags.push({
                severity: "error",
                summary: "Missing required argument",
                detail: 'The argument "value" is required, but no definition was found.',
                range: closeBrace(b.range),
                context: `output.${o.key}`,
              });
            }
            mod.outputs.set(o.key, {
              name: o.key,
              value,
              sensitive: isTrue(b.props.find((x) => x.key === "sensitive")?.value),
              range: o.keyRange,
            });
          }
        }
        break;
      case "module":
        for (const m of objectOrFail(p.value, "module calls", diags, null)) {
          for (const b of bodies(m.value)) decodeModuleCall(mod, m, b, diags);
        }
        break;
      case "resource":
        for (const t of objectOrFail(p.value, "resource types", diags, null)) {
          for (const n of objectOrFail(t.value, "resources", diags, null)) {
            for (const b of bodies(n.value)) decodeResource(mod, t.key, n, b, diags);
          }
        }
        break;
      case "provider":
        for (const pr of objectOrFail(p.value, "provider configurations", diags, null)) {
          for (const b of bodies(pr.value)) {
            const alias = b.props.find((x) => x.key === "alias");
            if (!alias && !mod.providers.has(pr.key)) mod.providers.set(pr.key, b);
            if (alias?.value.kind === "string") mod.aliasedProviders.set(`${pr.key}.${alias.value.value}`, b);
          }
        }
        break;
      case "data":
      case "moved":
      case "import":
      case "check":
      case "removed":
        diags.push({
          severity: "error",
          summary: `The fake does not implement "${p.key}" blocks`,
          detail: `test/support/fake-tofu implements variables, locals, resources, module calls and outputs; "${p.key}" blocks need the real CLI (see docs/fake-tofu.md).`,
          range: p.keyRange,
          context: null,
        });
        break;
      default:
        diags.push(extraneous(p, TOP_LEVEL, null));
    }
  }
}

function decodeTerraform(mod: ModuleConfig, b: JNode & { kind: "object" }, diags: Diagnostic[]): void {
  for (const p of b.props) {
    if (isComment(p)) continue;
    if (!TERRAFORM_BLOCK.includes(p.key)) {
      diags.push(extraneous(p, TERRAFORM_BLOCK, "terraform"));
      continue;
    }
    if (p.key === "backend") {
      for (const t of objectOrFail(p.value, "backend configurations", diags, "terraform")) {
        if (mod.backend) {
          const prev = mod.backend.bodyRange;
          diags.push({
            severity: "error",
            summary: "Duplicate backend configuration",
            detail: `A module may have only one backend configuration. The backend was previously configured at ${prev.filename}:${prev.start.line},${prev.start.column}-${prev.end.column}.`,
            range: openBrace(t.value.range),
            context: "terraform.backend",
          });
          continue;
        }
        const body = bodies(t.value)[0];
        mod.backend = {
          type: t.key,
          attrs: body ? body.props.filter((x) => !isComment(x)) : [],
          typeRange: t.keyRange,
          bodyRange: openBrace(t.value.range),
        };
      }
    }
    if (p.key === "required_version" && p.value.kind === "string") {
      mod.requiredVersions.push({
        constraint: p.value.value,
        range: { ...p.keyRange, end: p.value.range.end },
      });
    }
    if (p.key === "required_providers") {
      for (const rp of objectOrFail(
        p.value,
        "provider requirements",
        diags,
        "terraform.required_providers",
      )) {
        if (rp.value.kind === "string") {
          mod.requiredProviders.set(rp.key, { source: `hashicorp/${rp.key}`, version: rp.value.value });
          continue;
        }
        const body = bodies(rp.value)[0];
        const src = body?.props.find((x) => x.key === "source")?.value;
        const ver = body?.props.find((x) => x.key === "version")?.value;
        mod.requiredProviders.set(rp.key, {
          source: src?.kind === "string" ? src.value : `hashicorp/${rp.key}`,
          version: ver?.kind === "string" ? ver.value : undefined,
        });
      }
    }
  }
}

function decodeModuleCall(
  mod: ModuleConfig,
  m: JProp,
  b: JNode & { kind: "object" },
  diags: Diagnostic[],
): void {
  const context = `module.${m.key}`;
  const src = b.props.find((x) => x.key === "source")?.value;
  const ver = b.props.find((x) => x.key === "version")?.value;
  for (const p of b.props) {
    if (p.key === "count" || p.key === "for_each") {
      diags.push({
        severity: "error",
        summary: `The fake does not implement "${p.key}" on module calls`,
        detail: "Call the module once per instance instead, or run this test against the real CLI.",
        range: p.keyRange,
        context,
      });
    }
  }
  if (!src) {
    diags.push({
      severity: "error",
      summary: "Missing required argument",
      detail: 'The argument "source" is required, but no definition was found.',
      range: closeBrace(b.range),
      context,
      moduleCall: true,
    });
    return;
  }
  if (src.kind !== "string") {
    diags.push({
      severity: "error",
      summary: "Invalid module source address",
      detail: "A module source address must be a string literal.",
      range: src.range,
      context,
    });
    return;
  }
  mod.calls.set(m.key, {
    name: m.key,
    source: src.value,
    sourceNode: src,
    version: ver?.kind === "string" ? ver.value : undefined,
    args: b.props.filter((p) => !isComment(p) && !MODULE_META.includes(p.key)),
    providers: new Map(
      (() => {
        const node = b.props.find((p) => p.key === "providers")?.value;
        if (node?.kind !== "object") return [];
        return node.props.flatMap((p) =>
          p.value.kind === "string" ? [[p.key, p.value.value] as const] : [],
        );
      })(),
    ),
    range: b.range,
  });
}

function decodeResource(
  mod: ModuleConfig,
  type: string,
  n: JProp,
  b: JNode & { kind: "object" },
  diags: Diagnostic[],
): void {
  const context = `resource.${type}.${n.key}`;
  const key = `${type}.${n.key}`;
  if (mod.resources.has(key)) {
    diags.push({
      severity: "error",
      summary: "Duplicate resource configuration",
      detail: `A ${type} resource named "${n.key}" was already declared. Resource names must be unique per type in each module.`,
      range: n.keyRange,
      context,
    });
    return;
  }
  const dependsOn: { ref: string; range: Range }[] = [];
  for (const p of b.props) {
    if (p.key === "for_each") {
      diags.push({
        severity: "error",
        summary: 'The fake does not implement "for_each"',
        detail: 'Use "count", separate resources, or the real CLI.',
        range: p.keyRange,
        context,
      });
    }
    if (p.key === "depends_on" && p.value.kind === "array") {
      for (const item of p.value.items) {
        if (item.kind === "string")
          dependsOn.push({ ref: item.value.replace(/^\$\{(.*)\}$/, "$1"), range: item.range });
      }
    }
  }
  mod.resources.set(key, {
    mode: "managed",
    type,
    name: n.key,
    attrs: b.props.filter((p) => !isComment(p) && !RESOURCE_META.includes(p.key)),
    count: b.props.find((p) => p.key === "count")?.value,
    dependsOn,
    range: n.keyRange,
    node: b,
  });
}

function isTrue(n: JNode | undefined): boolean {
  return n?.kind === "bool" && n.value;
}

function levenshtein(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length]![b.length]!;
}

/** `}` of an object body: where HCL points for a missing argument. */
export function closeBrace(range: Range): Range {
  return {
    ...range,
    start: { line: range.end.line, column: range.end.column - 1, byte: range.end.byte - 1 },
  };
}

/** `{` of an object body as a one-character range (where Terraform points for a block). */
export function openBrace(range: Range): Range {
  return {
    ...range,
    end: { line: range.start.line, column: range.start.column + 1, byte: range.start.byte + 1 },
  };
}
