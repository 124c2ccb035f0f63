import type { FastifyDynamicSwaggerOptions } from "@fastify/swagger";
import type { FastifyInstance, FastifySchema, RouteOptions } from "fastify";
import { ErrorCodes } from "../domain/errors.js";
import { RATE_LIMIT_EXEMPT } from "./rate-limit.js";

/**
 * The OpenAPI document at `/openapi.json`: @fastify/swagger makes it from the route schemas,
 * and this module finishes it for client generators and linters (docs/api.md):
 *
 * - a schema with a `title` (`Tenant`, `CreateTenantRequest`…) becomes the named component
 *   of that name, referenced wherever it is used; two different schemas with one title are
 *   an error. A title never changes what is validated or serialized.
 * - the problem answers every route can give (400, 401, 429…, {@link impliedProblems}) are
 *   added to each route's `response`, for the serializer and the document alike; every
 *   problem answer is a shared `components.responses` entry served as
 *   `application/problem+json`.
 * - the headers the hooks set (`X-Request-Id`, `X-RateLimit-*`, `ETag`, `Location`,
 *   `Idempotent-Replayed`, `Retry-After`) are declared, with the 304 of conditional reads.
 * - what the schemas cannot say comes from the route's `config.openapi` ({@link RouteDocs}):
 *   an event-stream variant ({@link eventStream}), more `Location` or `ETag` answers.
 */

declare module "fastify" {
  interface FastifyContextConfig {
    /** What the OpenAPI document says of the route beyond its schema (src/http/openapi.ts). */
    openapi?: RouteDocs;
  }
}

/** What a route's schema cannot say of its answers. */
export interface RouteDocs {
  /** Statuses whose answer carries `Location`, besides the 201 and 202 of an idempotent route. */
  location?: readonly number[];
  /** Statuses whose answer carries an `ETag`, besides a GET's 200. */
  etag?: readonly number[];
  /** The 200 answer is also an event stream, with `Accept: text/event-stream`. */
  eventStream?: EventStreamDoc;
}

export interface EventStreamDoc {
  description: string;
  example: string;
}

/**
 * Declares that a route's 200 answers `text/event-stream` when the request says
 * `Accept: text/event-stream` (its JSON answer otherwise), for `config.openapi.eventStream`:
 * `description` says what the events are, `example` shows a few, as sent.
 */
export function eventStream(description: string, example: string): EventStreamDoc {
  return { description, example };
}

/** A route's problem+json answer (the shared `Problem` schema). */
const PROBLEM = { $ref: "Problem#" } as const;

type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 422 | 429 | 500 | 501 | 503;

/**
 * The problem answers of a route, for its `response`, besides those every route has
 * ({@link impliedProblems}, added for it): its 404s, 409s, 422s…
 */
export function problems<const S extends readonly ProblemStatus[]>(
  ...statuses: S
): { [K in S[number]]: typeof PROBLEM } {
  return Object.fromEntries(statuses.map((s) => [s, PROBLEM])) as { [K in S[number]]: typeof PROBLEM };
}

type RouteLike = Pick<RouteOptions, "method" | "url" | "config" | "schema">;

const methodsOf = (route: RouteLike) => [route.method].flat().map((m) => String(m).toUpperCase());

const headerNames = (schema: FastifySchema | undefined): string[] => {
  const headers = schema?.headers as { properties?: Record<string, unknown> } | undefined;
  return Object.keys(headers?.properties ?? {}).map((h) => h.toLowerCase());
};

/** Whether the route runs in `idempotent()` (src/http/idempotency.ts): it takes `Idempotency-Key`. */
const isIdempotent = (route: RouteLike) => headerNames(route.schema).includes("idempotency-key");

const isRateLimited = (route: RouteLike) => !RATE_LIMIT_EXEMPT.has(route.url);

/**
 * The problem answers a route has because of the hooks and what it reads, whatever its
 * handler does: 400 for any request (a NUL character anywhere, a parameter out of its
 * schema); 401, 500 and 503 (the key is looked up in the database) for a route that needs a
 * key, 403 when it needs more than `viewer`; 413 and 415 for a method with a body; 422 for a
 * reused `Idempotency-Key`; 429 for a route counted by the rate limit.
 */
export function impliedProblems(route: RouteLike): ProblemStatus[] {
  const out = new Set<ProblemStatus>([400]);
  const role = route.config?.role;
  if (role) {
    out.add(401);
    if (role !== "viewer") out.add(403);
    out.add(500);
    out.add(503);
  }
  if (methodsOf(route).some((m) => m !== "GET" && m !== "HEAD")) {
    out.add(413);
    out.add(415);
  }
  if (isIdempotent(route)) out.add(422);
  if (isRateLimited(route)) out.add(429);
  return [...out].sort((a, b) => a - b);
}

/**
 * Adds each documented route's {@link impliedProblems} to its `response` (before Fastify
 * compiles its serializers): every problem answer goes through the `Problem` schema, and
 * the document lists them. Register before the routes.
 */
export function declareImpliedProblems(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    const schema = route.schema;
    if (!schema?.response || schema.hide) return;
    const implied = Object.fromEntries(impliedProblems(route).map((s) => [s, PROBLEM]));
    route.schema = { ...schema, response: { ...implied, ...(schema.response as object) } };
  });
}

export const OPENAPI_TAGS = [
  { name: "tenants", description: "Tenants: create one from a blueprint, change it, run its lifecycle" },
  { name: "operations", description: "Units of lifecycle work, with their steps, attempts and errors" },
  { name: "blueprints", description: "Versioned blueprints: validate, push, render, cost" },
  { name: "targets", description: "Where tenants run, and what each target can do" },
  { name: "environments", description: "BYOC environments: tenants of the environment blueprint" },
  { name: "api-keys", description: "The organization's API keys" },
  { name: "organizations", description: "Organizations (platform admin), the caller's own, and quotas" },
  { name: "credentials", description: "The organization's own credentials for targets" },
  { name: "audit", description: "The organization's audit log" },
  { name: "webhooks", description: "The organization's webhook endpoints and their deliveries" },
  { name: "system", description: "Liveness and readiness probes" },
];

const DESCRIPTION = `Tenantry turns a blueprint into each tenant's own infrastructure and runs its whole life: create, change, suspend, resume, retry and destroy, with every step recorded.

**Authentication.** Send an API key as \`Authorization: Bearer <key>\`. Each key belongs to one organization and has a role (\`viewer\`, \`operator\`, \`admin\`, \`platform_admin\`); everything is scoped to the key's organization, and another organization's object is a 404.

**Errors** are RFC 9457 problem details (\`application/problem+json\`) with a stable \`code\`; a request's bad fields are listed at once in \`errors\`, each at its JSON pointer.

**Writes.** Lifecycle work answers 202 with the operation doing it (\`Location\`); send \`Idempotency-Key\` to make a retry safe (a replay answers the stored response with \`Idempotent-Replayed: true\`). \`PATCH /v1/tenants/{id}\` takes \`If-Match\` with the tenant's generation.

**Reads.** Lists are pages: pass \`next_cursor\` back as \`cursor\`. JSON reads carry an \`ETag\`; send it in \`If-None-Match\` for a 304 while nothing changed.

**Limits.** Requests are counted per API key (\`X-RateLimit-*\` headers); over the limit is a 429 with \`Retry-After\`.

Every answer carries \`X-Request-Id\`, which also marks the request's log lines, operations, events and audit entries.`;

const ref = (kind: "headers" | "responses" | "parameters" | "schemas", name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

const HEADERS = {
  "X-Request-Id": {
    description:
      "The request's id: the caller's own `X-Request-Id` when it is printable ASCII of at most 200 characters, else a new UUID. It marks the request's log lines, operations, events and audit entries.",
    schema: { type: "string" },
  },
  "X-RateLimit-Limit": {
    description:
      "Requests allowed per minute (per API key; per address before authentication). Set when the request was counted: every route but `/health`, `/ready` and `/metrics`, unless `TENANTRY_RATE_LIMIT_PER_MINUTE` is 0.",
    schema: { type: "integer" },
  },
  "X-RateLimit-Remaining": {
    description: "Requests left in the current minute. Set with `X-RateLimit-Limit`.",
    schema: { type: "integer" },
  },
  "X-RateLimit-Reset": {
    description: "Seconds until the current window ends. Set with `X-RateLimit-Limit`.",
    schema: { type: "integer" },
  },
  "Retry-After": {
    description: "Seconds to wait before retrying.",
    schema: { type: "integer" },
  },
  ETag: {
    description:
      "A validator of the answer: send it back in `If-None-Match` for a 304 while nothing changed (on `PATCH /v1/tenants/{id}`: the tenant's generation, for `If-Match`).",
    schema: { type: "string" },
  },
  Location: {
    description:
      "Where the answer's object lives: what was created (201), or the operation doing the work (202); also on an idempotent replay.",
    schema: { type: "string", format: "uri-reference" },
  },
  "Idempotent-Replayed": {
    description:
      "`true` when the answer is the stored one of an earlier request with the same `Idempotency-Key` (nothing was done again).",
    schema: { type: "string", enum: ["true"] },
  },
  "WWW-Authenticate": {
    description: "The scheme to authenticate with (RFC 9110 §11.6.1).",
    schema: { type: "string", examples: ['Bearer realm="tenantry"'] },
  },
} as const;

type HeaderName = keyof typeof HEADERS;
const headerKey = (name: HeaderName) => name.replaceAll("-", "");
const headers = (...names: HeaderName[]) =>
  Object.fromEntries(names.map((n) => [n, ref("headers", headerKey(n))]));
const RATE_LIMIT_HEADERS: HeaderName[] = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"];

/** The shared problem answer of each status: its name and what it says besides the codes. */
const PROBLEM_RESPONSES: Record<ProblemStatus, { name: string; what: string; headers?: HeaderName[] }> = {
  400: { name: "BadRequest", what: "The request is not valid; `errors` lists every problem at its pointer." },
  401: {
    name: "Unauthorized",
    what: "No API key, or one that is not valid (unknown, revoked, expired).",
    headers: ["WWW-Authenticate"],
  },
  403: { name: "Forbidden", what: "The key's role, or the organization's quota, does not allow this." },
  404: { name: "NotFound", what: "Nothing with this id in the key's organization." },
  409: { name: "Conflict", what: "The object's state does not allow this now." },
  412: { name: "PreconditionFailed", what: "`If-Match` names another generation than the tenant's." },
  413: { name: "ContentTooLarge", what: "The body is larger than 2 MiB." },
  415: { name: "UnsupportedMediaType", what: "The body is not `application/json`." },
  422: { name: "UnprocessableContent", what: "The request is well-formed, but cannot be done as asked." },
  429: {
    name: "TooManyRequests",
    what: "Over the key's request rate, or the organization's `creates_per_minute` quota.",
    headers: ["Retry-After"],
  },
  500: { name: "InternalError", what: "An unexpected error; it has been logged." },
  501: { name: "NotImplemented", what: "This installation does not serve it." },
  503: {
    name: "ServiceUnavailable",
    what: "Tenantry's database cannot be reached right now; nothing was changed.",
    headers: ["Retry-After"],
  },
};

function problemResponse(status: ProblemStatus) {
  const { what, headers: extra = [] } = PROBLEM_RESPONSES[status];
  const codes = Object.entries(ErrorCodes)
    .filter(([code, e]) => e.status === status && code !== "NOT_READY")
    .map(([code, e]) => `\`${code}\` (${e.title.replace(/\.$/, "")})`);
  return {
    description: `${what} Codes: ${codes.join(", ")}.`,
    headers: headers("X-Request-Id", ...RATE_LIMIT_HEADERS, ...extra),
    content: { "application/problem+json": { schema: ref("schemas", "Problem") } },
  };
}

const PARAMETERS = {
  IfNoneMatch: {
    name: "If-None-Match",
    in: "header",
    required: false,
    description: "An `ETag` of an earlier answer: the answer is an empty 304 while it still matches.",
    schema: { type: "string" },
  },
  IdempotencyKey: {
    name: "Idempotency-Key",
    in: "header",
    required: false,
    description:
      "Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`.",
    schema: { type: "string", minLength: 1, maxLength: 255 },
  },
};

/** What `transform` learns of each route, for `finishDocument` (an `x-` key of the operation until then). */
interface RouteFacts {
  method: string;
  idempotent: boolean;
  rateLimited: boolean;
  optionalBody: boolean;
  docs: RouteDocs;
}
const FACTS = "x-tenantry-route";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** JSON with sorted keys: two schemas are the same whatever the order of their keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObj(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

const COMPONENT_NAME = /^[A-Z][A-Za-z0-9]*$/;

/** Moves every schema with a `title` into `components.schemas` under it, referenced where it was. */
function nameSchemas(doc: Obj): void {
  const components = (isObj(doc["components"]) ? doc["components"] : {}) as Obj;
  const schemas = (isObj(components["schemas"]) ? components["schemas"] : {}) as Record<string, Obj>;
  doc["components"] = components;
  components["schemas"] = schemas;
  const seen = new Map<string, string>();
  const keep = (name: string, schema: Obj) => {
    const text = canonical(schema);
    const before = seen.get(name);
    if (before !== undefined && before !== text)
      throw new Error(`OpenAPI: two different schemas are titled "${name}"`);
    seen.set(name, text);
    schemas[name] = schema;
  };
  const walk = (node: unknown, root = false): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n));
    if (!isObj(node)) return node;
    const out: Obj = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v);
    const name = out["title"];
    if (root || typeof name !== "string" || !COMPONENT_NAME.test(name)) return out;
    keep(name, out);
    return ref("schemas", name);
  };
  for (const [name, schema] of Object.entries(schemas)) keep(name, walk(schema, true) as Obj);
  doc["paths"] = walk(doc["paths"]);
}

/**
 * `anyOf` of one-value enums of one type (TypeBox's union of literals) as one `enum`: the
 * same values, and what generators turn into an enum type.
 */
function mergeLiteralUnions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(mergeLiteralUnions);
  if (!isObj(node)) return node;
  const out: Obj = {};
  for (const [k, v] of Object.entries(node)) out[k] = mergeLiteralUnions(v);
  const branches = out["anyOf"];
  if (!Array.isArray(branches) || branches.length < 2) return out;
  const type = (branches[0] as Obj | undefined)?.["type"];
  const literal = (b: unknown) =>
    isObj(b) &&
    Object.keys(b).length === 2 &&
    b["type"] === type &&
    Array.isArray(b["enum"]) &&
    b["enum"].length === 1;
  if (typeof type !== "string" || !branches.every(literal)) return out;
  const { anyOf: _, ...rest } = out;
  return { type, enum: branches.map((b) => ((b as Obj)["enum"] as unknown[])[0]), ...rest };
}

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "patch"]);

const SUCCESS_DESCRIPTIONS: Record<string, string> = {
  "200": "OK",
  "201": "Created",
  "202": "Accepted: the work goes on in the background",
  "204": "Done; no content",
};

function isProblemAnswer(response: unknown): boolean {
  const content = isObj(response) && isObj(response["content"]) ? response["content"] : undefined;
  const json = content && isObj(content["application/json"]) ? content["application/json"] : undefined;
  const schema = json && isObj(json["schema"]) ? json["schema"] : undefined;
  return schema?.["$ref"] === "#/components/schemas/Problem";
}

function finishOperation(op: Obj, used: Set<ProblemStatus>): void {
  const facts = op[FACTS] as RouteFacts | undefined;
  delete op[FACTS];
  if (!facts) return;
  const responses = op["responses"] as Record<string, Obj>;
  const parameters = ((op["parameters"] as Obj[] | undefined) ?? []).map((p) =>
    p["in"] === "header" && p["name"] === "idempotency-key" ? ref("parameters", "IdempotencyKey") : p,
  );
  let jsonRead = false;
  for (const [code, response] of Object.entries(responses)) {
    const status = Number(code);
    if (isProblemAnswer(response)) {
      if (!(status in PROBLEM_RESPONSES)) throw new Error(`OpenAPI: no shared problem answer for ${status}`);
      used.add(status as ProblemStatus);
      responses[code] = ref("responses", PROBLEM_RESPONSES[status as ProblemStatus].name);
      continue;
    }
    if (status >= 400) {
      // Answers of their own (`/ready`'s 503): the request id still.
      response["headers"] = { ...headers("X-Request-Id"), ...(response["headers"] as Obj | undefined) };
      continue;
    }
    if (response["description"] === "Default Response")
      response["description"] = SUCCESS_DESCRIPTIONS[code] ?? "Success";
    const names: HeaderName[] = ["X-Request-Id"];
    if (facts.rateLimited) names.push(...RATE_LIMIT_HEADERS);
    const content = response["content"] as Obj | undefined;
    const getJson = facts.method === "GET" && status === 200 && content?.["application/json"] !== undefined;
    if (getJson) jsonRead = true;
    if (getJson || facts.docs.etag?.includes(status)) names.push("ETag");
    if (((status === 201 || status === 202) && facts.idempotent) || facts.docs.location?.includes(status))
      names.push("Location");
    if (facts.idempotent) names.push("Idempotent-Replayed");
    response["headers"] = { ...headers(...names), ...(response["headers"] as Obj | undefined) };
    if (status === 200 && facts.docs.eventStream && content) {
      const { description, example } = facts.docs.eventStream;
      content["text/event-stream"] = { schema: { type: "string", description }, example };
      response["description"] =
        `${response["description"]} — JSON, or with \`Accept: text/event-stream\` an event stream`;
    }
  }
  if (jsonRead) {
    parameters.push(ref("parameters", "IfNoneMatch"));
    responses["304"] = ref("responses", "NotModified");
  }
  if (parameters.length > 0) op["parameters"] = parameters;
  // A body that may be left out (`config.optionalBody`) is read as `{}`.
  if (facts.optionalBody && isObj(op["requestBody"])) op["requestBody"]["required"] = false;
}

/** Names the schemas, declares the problem answers and the headers (see the top of this file). */
export function finishDocument(doc: Obj): Obj {
  nameSchemas(doc);
  const components = doc["components"] as Obj;
  components["schemas"] = mergeLiteralUnions(components["schemas"]);
  doc["paths"] = mergeLiteralUnions(doc["paths"]);
  const used = new Set<ProblemStatus>();
  let reads = false;
  for (const item of Object.values((doc["paths"] ?? {}) as Record<string, Obj>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method) || !isObj(op)) continue;
      finishOperation(op, used);
      if ((op["responses"] as Obj)["304"]) reads = true;
    }
  }
  const responses: Obj = {};
  for (const status of [...used].sort((a, b) => a - b))
    responses[PROBLEM_RESPONSES[status].name] = problemResponse(status);
  if (reads) {
    responses["NotModified"] = {
      description: "Not modified: the `If-None-Match` tag still matches; no body.",
      headers: headers("X-Request-Id", ...RATE_LIMIT_HEADERS, "ETag"),
    };
  }
  components["responses"] = responses;
  components["headers"] = Object.fromEntries(
    Object.entries(HEADERS).map(([name, header]) => [headerKey(name as HeaderName), header]),
  );
  components["parameters"] = PARAMETERS;
  // Only what is used, in a stable order.
  const text = JSON.stringify(doc["paths"]) + JSON.stringify(components["responses"]);
  for (const kind of ["headers", "parameters"] as const) {
    const all = components[kind] as Obj;
    components[kind] = Object.fromEntries(
      Object.entries(all).filter(([name]) => text.includes(`"#/components/${kind}/${name}"`)),
    );
  }
  const schemas = components["schemas"] as Obj;
  components["schemas"] = Object.fromEntries(
    Object.keys(schemas)
      .sort()
      .map((k) => [k, schemas[k]]),
  );
  return doc;
}

/** @fastify/swagger's options for the API's document. */
export function swaggerOptions(version: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Tenantry API",
        version,
        description: DESCRIPTION,
        contact: { name: "Tenantry", url: "https://tenantry.dev" },
        license: { name: "Apache 2.0", identifier: "Apache-2.0" },
      },
      servers: [{ url: "/", description: "The Tenantry server that serves this document" }],
      components: {
        securitySchemes: {
          apiKey: {
            type: "http",
            scheme: "bearer",
            description: "A Tenantry API key, as `Authorization: Bearer <key>`",
          },
        },
      },
      security: [{ apiKey: [] }],
      tags: OPENAPI_TAGS,
    },
    // Shared schemas (`app.addSchema`) are named by their `$id` (`Problem`).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json["$id"] === "string" ? json["$id"] : `def-${i}`,
    },
    transform: ({ schema, url, route }) => {
      if (!schema || schema.hide) return { schema, url };
      const facts: RouteFacts = {
        method: methodsOf(route)[0] ?? "GET",
        idempotent: isIdempotent(route),
        rateLimited: isRateLimited(route),
        optionalBody: route.config?.optionalBody === true,
        docs: route.config?.openapi ?? {},
      };
      return { schema: { ...schema, [FACTS]: facts } as FastifySchema, url };
    },
    transformObject: (documentObject) => {
      if (!("openapiObject" in documentObject)) throw new Error("OpenAPI: expected an OpenAPI 3 document");
      return finishDocument(documentObject.openapiObject as Obj);
    },
  };
}
