import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

/**
 * Kubernetes' published OpenAPI v3 documents (one per group-version), kept outside the
 * project in `../shared/specs/kubernetes/` (see SOURCES.md there) or in the folder
 * `TENANTRY_KUBERNETES_SPECS` names, and a validator of objects against their kinds'
 * schemas. The documents are read, never copied; schemas are compiled lazily per kind.
 *
 * The validator classifies what it finds the way the API server would answer it:
 * - `unknown`: a field the schema does not declare (strict decoding: 400 with
 *   `fieldValidation=Strict`, a warning with `Warn`, dropped silently with `Ignore`);
 * - `type`: a value of the wrong JSON type or format (a string for an int32, invalid
 *   base64 in a Secret's `data`): the server cannot decode it, 400 BadRequest;
 * - `required`, `invalid`: schema constraints the server checks on a decoded object,
 *   422 Invalid with one cause per field.
 * JSON `null` is read as absent, as Go's decoder does, before anything is checked.
 */

export const KUBERNETES_SPECS_DIR =
  process.env["TENANTRY_KUBERNETES_SPECS"] ??
  fileURLToPath(new URL("../../../shared/specs/kubernetes", import.meta.url));

/** Document names in the folder, by the group-version path they describe. */
export const KUBERNETES_SPEC_FILES: Record<string, string> = {
  "api/v1": "api__v1_openapi.json",
  "apis/apps/v1": "apis__apps__v1_openapi.json",
  "apis/batch/v1": "apis__batch__v1_openapi.json",
  "apis/networking.k8s.io/v1": "apis__networking.k8s.io__v1_openapi.json",
};

export type SchemaErrorKind = "unknown" | "type" | "required" | "invalid";

export interface SchemaError {
  kind: SchemaErrorKind;
  /** Kubernetes' field path: `spec.template.spec.containers[0].image`. */
  field: string;
  /** The same path as JSON keys and array indexes. */
  pointer: string[];
  message: string;
  /** For `type`: the Go type the server would have decoded into (`int32`, `string`…). */
  goType?: string;
  /** For `type`: the JSON type that was sent. */
  sent?: string;
  /** The Go struct holding the field, when the schema says (`DeploymentSpec`). */
  struct?: string;
}

export type Json = Record<string, unknown>;

export interface KubernetesSpecs {
  /** The folder the documents were read from. */
  dir: string;
  /** Group-version paths (`api/v1`, `apis/apps/v1`…) with a document. */
  groupVersions(): string[];
  /** The raw bytes of a group-version's document, for `/openapi/v3/<gv>`. */
  documentText(groupVersion: string): string | undefined;
  /** The component schema name of a kind (`io.k8s.api.apps.v1.Deployment`), if described. */
  schemaName(group: string, version: string, kind: string): string | undefined;
  /** Checks an object against its kind's schema; `[]` when it conforms. */
  validate(group: string, version: string, kind: string, object: unknown): SchemaError[];
  /** A kind's schema with `allOf: [{$ref}]` wrappers followed, for walking objects by it. */
  schema(group: string, version: string, kind: string): SchemaNode | undefined;
}

/** A schema node that can be walked: its own keywords, and its children resolved on demand. */
export interface SchemaNode {
  raw: Json;
  /** The component name this node was reached through, if any. */
  name: string | undefined;
  property(name: string): SchemaNode | undefined;
  /** The schema of a map's values (`additionalProperties`). */
  values(): SchemaNode | undefined;
  items(): SchemaNode | undefined;
}

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

let cached: KubernetesSpecs | null | undefined;

/** The documents, loaded once per process; `undefined` when the folder is absent. */
export function loadKubernetesSpecs(): KubernetesSpecs | undefined {
  if (cached === undefined) {
    const present = Object.values(KUBERNETES_SPEC_FILES).every((f) =>
      existsSync(path.join(KUBERNETES_SPECS_DIR, f)),
    );
    cached = present ? new Specs(KUBERNETES_SPECS_DIR) : null;
  }
  return cached ?? undefined;
}

class Specs implements KubernetesSpecs {
  readonly dir: string;
  readonly #texts = new Map<string, string>();
  readonly #docs = new Map<string, Json>();
  readonly #byGvk = new Map<string, { docId: string; name: string }>();
  readonly #compiled = new Map<string, ValidateFunction>();
  readonly #ajv: Ajv;

  constructor(dir: string) {
    this.dir = dir;
    this.#ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateFormats: true });
    addFormats(this.#ajv);
    this.#ajv.addFormat("int-or-string", true);
    for (const [gv, file] of Object.entries(KUBERNETES_SPEC_FILES)) {
      const text = readFileSync(path.join(dir, file), "utf8");
      this.#texts.set(gv, text);
      const doc = JSON.parse(text) as Json;
      this.#docs.set(gv, doc);
      const strict = forbidUnknownProperties(JSON.parse(text) as Json);
      this.#ajv.addSchema(strict, docId(gv));
      const schemas = ((doc["components"] as Json | undefined)?.["schemas"] ?? {}) as Record<string, Json>;
      for (const [name, schema] of Object.entries(schemas)) {
        const gvks = schema["x-kubernetes-group-version-kind"];
        if (!Array.isArray(gvks)) continue;
        for (const gvk of gvks as { group: string; version: string; kind: string }[]) {
          const key = gvkKey(gvk.group, gvk.version, gvk.kind);
          // Meta kinds (Status, DeleteOptions) repeat in every document: keep the first.
          if (!this.#byGvk.has(key)) this.#byGvk.set(key, { docId: gv, name });
        }
      }
    }
  }

  groupVersions(): string[] {
    return [...this.#texts.keys()];
  }

  documentText(groupVersion: string): string | undefined {
    return this.#texts.get(groupVersion);
  }

  schemaName(group: string, version: string, kind: string): string | undefined {
    return this.#byGvk.get(gvkKey(group, version, kind))?.name;
  }

  schema(group: string, version: string, kind: string): SchemaNode | undefined {
    const found = this.#byGvk.get(gvkKey(group, version, kind));
    if (!found) return undefined;
    const doc = this.#docs.get(found.docId)!;
    const schemas = (doc["components"] as Json)["schemas"] as Record<string, Json>;
    return node(schemas, schemas[found.name]!, found.name);
  }

  validate(group: string, version: string, kind: string, object: unknown): SchemaError[] {
    const key = gvkKey(group, version, kind);
    const found = this.#byGvk.get(key);
    if (!found) return [{ kind: "invalid", field: "", pointer: [], message: `no schema for ${key}` }];
    let validate = this.#compiled.get(key);
    if (!validate) {
      validate = this.#ajv.compile({
        $ref: `${docId(found.docId)}#/components/schemas/${encodeURIComponent(found.name)}`,
      });
      this.#compiled.set(key, validate);
    }
    return validate(stripNulls(object)) ? [] : classify(validate.errors ?? []);
  }
}

function docId(gv: string): string {
  return `k8s-${gv.replace(/\//g, "-")}`;
}

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

function node(schemas: Record<string, Json>, raw: Json, name: string | undefined): SchemaNode {
  // Follow `allOf: [{$ref}]` (how v3 documents wrap references) and plain `$ref`s.
  let current = raw;
  let currentName = name;
  for (let i = 0; i < 8; i++) {
    const ref =
      typeof current["$ref"] === "string"
        ? current["$ref"]
        : Array.isArray(current["allOf"]) && current["allOf"].length === 1
          ? ((current["allOf"][0] as Json)["$ref"] as string | undefined)
          : undefined;
    if (!ref) break;
    currentName = ref.replace("#/components/schemas/", "");
    const target = schemas[currentName];
    if (!target) break;
    // Keep the wrapper's own annotations (list types are on the property, not the target).
    const { allOf: _a, $ref: _r, ...own } = current;
    current = { ...target, ...own };
  }
  const resolved = current;
  return {
    raw: resolved,
    name: currentName,
    property(prop) {
      const props = resolved["properties"] as Record<string, Json> | undefined;
      const p = props?.[prop];
      return p ? node(schemas, p, undefined) : undefined;
    },
    values() {
      const v = resolved["additionalProperties"];
      return v && typeof v === "object" ? node(schemas, v as Json, undefined) : undefined;
    },
    items() {
      const v = resolved["items"];
      return v && typeof v === "object" ? node(schemas, v as Json, undefined) : undefined;
    },
  };
}

/** JSON `null` decodes to a zero value in Go: the server treats it as absent. */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(stripNulls);
  if (value && typeof value === "object") {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = stripNulls(v);
    return out;
  }
  return value;
}

/** `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`. */
export function fieldPath(instancePath: string, child?: string): string {
  const parts = instancePath.split("/").slice(1);
  if (child !== undefined) parts.push(child);
  let out = "";
  for (const raw of parts) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

function goTypeOf(schema: Json | undefined): string {
  if (!schema) return "unknown";
  const format = schema["format"];
  switch (schema["type"]) {
    case "integer":
      return format === "int32" ? "int32" : "int64";
    case "number":
      return "float64";
    case "boolean":
      return "bool";
    case "string":
      return format === "byte" ? "[]uint8" : "string";
    case "array":
      return "[]";
    case "object":
      return schema["additionalProperties"] ? "map[string]" : "struct";
    default:
      return format === "int-or-string" ? "IntOrString" : "Quantity";
  }
}

function jsonTypeOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value === "object" ? "object" : typeof value;
}

function structOf(schemaPath: string): string | undefined {
  const m = /components\/schemas\/([^/]+)\/properties\/[^/]+\/(?:type|format|oneOf)/.exec(
    decodeURIComponent(schemaPath),
  );
  return m ? m[1]!.split(".").pop() : undefined;
}

function pointerOf(instancePath: string, child?: string): string[] {
  const parts = instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  return child === undefined ? parts : [...parts, child];
}

function classify(errors: ErrorObject[]): SchemaError[] {
  const out: SchemaError[] = [];
  const seen = new Set<string>();
  // A `oneOf` (IntOrString, Quantity) reports each branch's type error too: keep the summary.
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath));
  for (const e of errors) {
    if (e.keyword !== "oneOf" && oneOfPaths.has(e.instancePath)) continue;
    const params = e.params as Record<string, unknown>;
    let err: SchemaError;
    switch (e.keyword) {
      case "additionalProperties": {
        const field = fieldPath(e.instancePath, String(params["additionalProperty"]));
        err = {
          kind: "unknown",
          field,
          pointer: pointerOf(e.instancePath, String(params["additionalProperty"])),
          message: `unknown field "${field}"`,
        };
        break;
      }
      case "required": {
        const field = fieldPath(e.instancePath, String(params["missingProperty"]));
        err = {
          kind: "required",
          field,
          pointer: pointerOf(e.instancePath, String(params["missingProperty"])),
          message: "Required value",
        };
        break;
      }
      case "type":
      case "format":
      case "oneOf": {
        const field = fieldPath(e.instancePath);
        const goType = goTypeOf(e.parentSchema as Json | undefined);
        const sent = e.keyword === "format" ? `invalid ${String(params["format"])}` : jsonTypeOf(e.data);
        const struct = structOf(e.schemaPath);
        err = {
          kind: "type",
          field,
          pointer: pointerOf(e.instancePath),
          message: `cannot decode ${sent} into ${goType}`,
          goType,
          sent,
          ...(struct !== undefined && { struct }),
        };
        break;
      }
      default: {
        const field = fieldPath(e.instancePath);
        err = {
          kind: "invalid",
          field,
          pointer: pointerOf(e.instancePath),
          message: e.message ?? "is invalid",
        };
      }
    }
    const key = `${err.kind} ${err.field}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(err);
    }
  }
  return out;
}

/**
 * Kubernetes' schemas leave `additionalProperties` unset on structs; the server's strict
 * decoder still knows which fields a struct has. Closing every struct (not maps, which
 * declare `additionalProperties`, nor `x-kubernetes-preserve-unknown-fields`) makes ajv
 * report exactly the fields strict decoding would.
 */
function forbidUnknownProperties(doc: Json): Json {
  walk(doc, (n) => {
    const props = n["properties"];
    if (
      props &&
      typeof props === "object" &&
      !Array.isArray(props) &&
      n["additionalProperties"] === undefined &&
      n["x-kubernetes-preserve-unknown-fields"] !== true
    ) {
      n["additionalProperties"] = false;
    }
  });
  return doc;
}

function walk(n: unknown, visit: (n: Json) => void): void {
  if (Array.isArray(n)) {
    for (const x of n) walk(x, visit);
  } else if (n && typeof n === "object") {
    visit(n as Json);
    for (const v of Object.values(n)) walk(v, visit);
  }
}
