import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

/**
 * Render's published OpenAPI document (OpenAPI 3.0.2), kept outside the project in
 * `../shared/specs/` (see SOURCES.md there), and a validator of requests and responses
 * against it. The document is read, never copied; operations are compiled lazily.
 *
 * Corrections applied in memory to the spec's own defects (documented in
 * docs/fake-render.md):
 * - every `oneOf` is read as `anyOf`: Render's unions carry no discriminator and their
 *   branches overlap (a web service's `serviceDetails` also satisfies the private-service
 *   and worker branches), so `oneOf` would refuse every valid service;
 * - `serviceDetails` of `service` / `servicePOST` is checked against the branch the
 *   sibling `type` names (how Render reads it) instead of against the union;
 * - names listed in `required` but not declared in `properties` are dropped
 *   (`postgresDetail` requires an undeclared `project`; newer versions of the spec no
 *   longer list it).
 *
 * One strictness of its own: request bodies may not carry properties the spec does not
 * declare (see `forbidUnknownProperties`). Unknown query parameters are refused too.
 */

export const RENDER_SPEC_PATH = fileURLToPath(
  new URL("../../../shared/specs/render-openapi.json", import.meta.url),
);

export interface RequestToValidate {
  method: string;
  /** Without the `/v1` prefix, e.g. `/services/srv-123`. */
  path: string;
  query: Record<string, string | string[]>;
  /** `undefined` when the request has no body. */
  body: unknown;
}

export interface RequestValidation {
  operationId: string | undefined;
  errors: string[];
}

export interface RenderSpec {
  validateRequest(req: RequestToValidate): RequestValidation;
  validateResponse(method: string, path: string, status: number, body: unknown): string[];
  /** The operation a concrete path maps to, and the template it matched. */
  findOperation(method: string, path: string): { operationId: string; template: string } | undefined;
}

// ajv-formats is CommonJS: TypeScript types its default import as the module, at run time it is the plugin.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Json = Record<string, unknown>;

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  /** JSON pointer (into the document) of the parameter's schema. */
  schemaPointer: string;
  schema: Json;
}

interface Operation {
  operationId: string;
  method: string;
  template: string;
  pointer: string;
  op: Json;
  params: Parameter[];
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;
/** The corrected document, and a stricter copy for request bodies (see `forbidUnknownProperties`). */
const DOC_ID = "render-openapi";
const REQUEST_DOC_ID = "render-openapi-requests";

let cached: RenderSpec | null | undefined;

/** The spec, loaded once per process; `undefined` when the file is absent. */
export function loadRenderSpec(): RenderSpec | undefined {
  if (cached === undefined) {
    cached = existsSync(RENDER_SPEC_PATH)
      ? new OpenApiValidator(JSON.parse(readFileSync(RENDER_SPEC_PATH, "utf8")) as Json)
      : null;
  }
  return cached ?? undefined;
}

/**
 * Matches concrete paths to templates such as `/services/{serviceId}/deploys/{deployId}`.
 * When several templates match, a literal segment wins over a parameter at the first
 * position where they differ.
 */
export class PathTemplates<T> {
  readonly #byMethod = new Map<string, { segments: string[]; template: string; value: T }[]>();

  add(method: string, template: string, value: T): void {
    const m = method.toUpperCase();
    const list = this.#byMethod.get(m) ?? [];
    list.push({ segments: splitPath(template), template, value });
    list.sort((a, b) => specificity(a.segments, b.segments));
    this.#byMethod.set(m, list);
  }

  match(
    method: string,
    path: string,
  ): { value: T; template: string; params: Record<string, string> } | undefined {
    const segments = splitPath(path);
    for (const route of this.#byMethod.get(method.toUpperCase()) ?? []) {
      if (route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const want = route.segments[i]!;
        const got = segments[i]!;
        const param = /^\{(.+)\}$/.exec(want);
        if (param) {
          try {
            params[param[1]!] = decodeURIComponent(got);
          } catch {
            ok = false;
          }
        } else ok = want === got;
      }
      if (ok) return { value: route.value, template: route.template, params };
    }
    return undefined;
  }
}

function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

function specificity(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const pa = a[i]!.startsWith("{");
    const pb = b[i]!.startsWith("{");
    if (pa !== pb) return pa ? 1 : -1;
  }
  return 0;
}

class OpenApiValidator implements RenderSpec {
  readonly #doc: Json;
  readonly #ajv: Ajv;
  readonly #routes = new PathTemplates<Operation>();
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(original: Json) {
    this.#doc = correctSpec(structuredClone(original));
    const requestDoc = correctSpec(forbidUnknownProperties(structuredClone(original)));
    this.#ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.#ajv);
    this.#ajv.addSchema(this.#doc, DOC_ID);
    this.#ajv.addSchema(requestDoc, REQUEST_DOC_ID);
    const paths = (this.#doc["paths"] ?? {}) as Record<string, Json>;
    for (const [template, item] of Object.entries(paths)) {
      for (const method of METHODS) {
        const op = item[method] as Json | undefined;
        if (!op) continue;
        const pointer = `/paths/${escapePointer(template)}/${method}`;
        const params = this.#parameters(template, item, op, pointer);
        const operationId = String(op["operationId"] ?? `${method} ${template}`);
        this.#routes.add(method, template, { operationId, method, template, pointer, op, params });
      }
    }
  }

  findOperation(method: string, path: string): { operationId: string; template: string } | undefined {
    const found = this.#routes.match(method, path);
    return found && { operationId: found.value.operationId, template: found.template };
  }

  validateRequest(req: RequestToValidate): RequestValidation {
    const found = this.#routes.match(req.method, req.path);
    if (!found) {
      return {
        operationId: undefined,
        errors: [`unknown operation: ${req.method.toUpperCase()} ${req.path}`],
      };
    }
    const op = found.value;
    const errors: string[] = [];
    const known = new Set<string>();
    for (const p of op.params) {
      if (p.in === "path") {
        const raw = found.params[p.name];
        if (raw !== undefined) this.#checkParam(p, [raw], errors);
      } else if (p.in === "query") {
        known.add(p.name);
        const raw = req.query[p.name];
        if (raw === undefined) {
          if (p.required) errors.push(`query parameter ${p.name} is required`);
          continue;
        }
        this.#checkParam(p, Array.isArray(raw) ? raw : [raw], errors);
      }
    }
    for (const name of Object.keys(req.query)) {
      if (!known.has(name)) errors.push(`unknown query parameter ${name}`);
    }
    this.#checkBody(op, req.body, errors);
    return { operationId: op.operationId, errors };
  }

  validateResponse(method: string, path: string, status: number, body: unknown): string[] {
    const found = this.#routes.match(method, path);
    if (!found) return [`unknown operation: ${method.toUpperCase()} ${path}`];
    const op = found.value;
    const responses = (op.op["responses"] ?? {}) as Record<string, Json>;
    const code = [String(status), `${String(status)[0]}XX`, "default"].find((c) => responses[c]);
    if (!code) return [`${op.operationId}: no response ${status} is documented`];
    let pointer = `${op.pointer}/responses/${escapePointer(code)}`;
    let response = responses[code]!;
    if (typeof response["$ref"] === "string") {
      pointer = refToPointer(response["$ref"]);
      response = this.#at(pointer);
    }
    const content = response["content"] as Record<string, Json> | undefined;
    const json = content?.["application/json"];
    if (!json?.["schema"]) {
      return body === undefined || body === "" ? [] : [`${op.operationId} ${status}: no body is documented`];
    }
    if (body === undefined) return [`${op.operationId} ${status}: a body is documented, none was sent`];
    const validate = this.#compile(`${pointer}/content/${escapePointer("application/json")}/schema`);
    return validate(body) ? [] : formatErrors(`response ${status}`, validate.errors);
  }

  #checkBody(op: Operation, body: unknown, errors: string[]): void {
    let pointer = `${op.pointer}/requestBody`;
    let requestBody = op.op["requestBody"] as Json | undefined;
    if (typeof requestBody?.["$ref"] === "string") {
      pointer = refToPointer(requestBody["$ref"]);
      requestBody = this.#at(pointer);
    }
    if (!requestBody) {
      if (body !== undefined) errors.push(`${op.operationId} takes no request body`);
      return;
    }
    if (body === undefined) {
      if (requestBody["required"]) errors.push(`${op.operationId}: a request body is required`);
      return;
    }
    const content = requestBody["content"] as Record<string, Json> | undefined;
    if (!content?.["application/json"]?.["schema"]) {
      errors.push(`${op.operationId}: the request body is not JSON in the spec`);
      return;
    }
    const validate = this.#compile(
      `${pointer}/content/${escapePointer("application/json")}/schema`,
      REQUEST_DOC_ID,
    );
    if (!validate(body)) errors.push(...formatErrors("body", validate.errors));
  }

  #checkParam(p: Parameter, raw: string[], errors: string[]): void {
    const schema = this.#resolve(p.schema);
    let value: unknown;
    if (schema["type"] === "array") {
      const items = this.#resolve((schema["items"] ?? {}) as Json);
      value = raw.flatMap((v) => v.split(",")).map((v) => coerce(items, v));
    } else {
      if (raw.length > 1) {
        errors.push(`${p.in} parameter ${p.name} must not repeat`);
        return;
      }
      value = coerce(schema, raw[0]!);
    }
    const validate = this.#compile(p.schemaPointer);
    if (!validate(value)) errors.push(...formatErrors(`${p.in} parameter ${p.name}`, validate.errors));
  }

  #parameters(template: string, item: Json, op: Json, pointer: string): Parameter[] {
    const byKey = new Map<string, Parameter>();
    const pathPointer = `/paths/${escapePointer(template)}`;
    const lists: [unknown, string][] = [
      [item["parameters"], `${pathPointer}/parameters`],
      [op["parameters"], `${pointer}/parameters`],
    ];
    for (const [list, base] of lists) {
      if (!Array.isArray(list)) continue;
      list.forEach((entry: Json, i) => {
        let at = `${base}/${i}`;
        let param = entry;
        while (typeof param["$ref"] === "string") {
          at = refToPointer(param["$ref"]);
          param = this.#at(at);
        }
        const name = String(param["name"]);
        const where = String(param["in"]);
        // Operation-level parameters override path-level ones of the same name and place.
        byKey.set(`${where}:${name}`, {
          name,
          in: where,
          required: param["required"] === true,
          schemaPointer: `${at}/schema`,
          schema: (param["schema"] ?? {}) as Json,
        });
      });
    }
    return [...byKey.values()];
  }

  #compile(pointer: string, docId = DOC_ID): ValidateFunction {
    const key = `${docId}#${encodePointerForUri(pointer)}`;
    let validate = this.#compiled.get(key);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: key });
      this.#compiled.set(key, validate);
    }
    return validate;
  }

  #at(pointer: string): Json {
    let node: unknown = this.#doc;
    for (const part of pointer.split("/").slice(1)) {
      node = (node as Json)[unescapePointer(part)];
    }
    return (node ?? {}) as Json;
  }

  /** Follows `$ref`s to the schema that says which type a parameter is. */
  #resolve(schema: Json): Json {
    let s = schema;
    for (let i = 0; i < 16 && typeof s["$ref"] === "string"; i++) s = this.#at(refToPointer(s["$ref"]));
    return s;
  }
}

/** Query and path values arrive as strings; give the schema the type it declares. */
function coerce(schema: Json, value: string): unknown {
  switch (schema["type"]) {
    case "integer":
    case "number":
      return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    case "boolean":
      return value === "true" ? true : value === "false" ? false : value;
    default:
      return value;
  }
}

function formatErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  const all = errors ?? [];
  // Inside an unmatched anyOf, ajv also reports every branch's failures: keep the summary.
  const anyOfPaths = new Set(all.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  const out: string[] = [];
  for (const e of all) {
    if (e.keyword === "if") continue;
    const inBranch = [...anyOfPaths].some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`));
    if (e.keyword !== "anyOf" && inBranch) continue;
    out.push(`${where}${e.instancePath} ${e.message ?? "is invalid"}${detail(e)}`);
  }
  return [...new Set(out)];
}

function detail(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === "enum" && Array.isArray(params["allowedValues"])) {
    return ` (${(params["allowedValues"] as unknown[]).join(", ")})`;
  }
  if (e.keyword === "additionalProperties") return ` (${String(params["additionalProperty"])})`;
  return "";
}

/**
 * Request bodies may carry only the properties the spec declares: Render's schemas leave
 * `additionalProperties` open, and Render ignores what it does not know, so a misspelt or
 * invented field (`highAvailabilityEnabled` where `POST /postgres` takes
 * `enableHighAvailability`) would otherwise pass silently.
 */
function forbidUnknownProperties(doc: Json): Json {
  walk(doc, (node) => {
    const props = node["properties"];
    if (
      props &&
      typeof props === "object" &&
      !Array.isArray(props) &&
      node["additionalProperties"] === undefined
    ) {
      node["additionalProperties"] = false;
    }
  });
  return doc;
}

/** In-memory corrections of the spec's defects; see the comment at the top. */
function correctSpec(doc: Json): Json {
  walk(doc, (node) => {
    if (Array.isArray(node["oneOf"])) {
      node["anyOf"] = node["oneOf"];
      delete node["oneOf"];
    }
    const props = node["properties"];
    if (Array.isArray(node["required"]) && props && typeof props === "object") {
      node["required"] = (node["required"] as string[]).filter((name) => name in (props as Json));
    }
  });
  const schemas = ((doc["components"] as Json | undefined)?.["schemas"] ?? {}) as Record<string, Json>;
  const branches: Record<string, string> = {
    static_site: "staticSiteDetails",
    web_service: "webServiceDetails",
    private_service: "privateServiceDetails",
    background_worker: "backgroundWorkerDetails",
    cron_job: "cronJobDetails",
  };
  for (const [schemaName, suffix] of [
    ["service", ""],
    ["servicePOST", "POST"],
  ] as const) {
    const schema = schemas[schemaName];
    if (!schema) continue;
    const byType = Object.entries(branches)
      .filter(([, details]) => schemas[details + suffix])
      .map(([type, details]) => ({
        if: { properties: { type: { const: type } }, required: ["type"] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keywords
        then: { properties: { serviceDetails: { $ref: `#/components/schemas/${details}${suffix}` } } },
      }));
    const props = schema["properties"] as Json | undefined;
    if (props) props["serviceDetails"] = { type: "object" };
    schema["allOf"] = [...((schema["allOf"] as unknown[]) ?? []), ...byType];
  }
  return doc;
}

function walk(node: unknown, visit: (node: Json) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
  } else if (node && typeof node === "object") {
    visit(node as Json);
    for (const v of Object.values(node)) walk(v, visit);
  }
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

function unescapePointer(segment: string): string {
  return decodeURIComponent(segment).replace(/~1/g, "/").replace(/~0/g, "~");
}

/** `#/paths/~1disks~1%7BdiskId%7D/parameters/0` → `/paths/~1disks~1{diskId}/parameters/0` (escaped). */
function refToPointer(ref: string): string {
  if (!ref.startsWith("#")) throw new Error(`external $ref not supported: ${ref}`);
  return ref
    .slice(1)
    .split("/")
    .map((part, i) => (i === 0 ? part : escapePointer(unescapePointer(part))))
    .join("/");
}

function encodePointerForUri(pointer: string): string {
  return pointer
    .split("/")
    .map((part) => encodeURIComponent(part))
    .join("/");
}
