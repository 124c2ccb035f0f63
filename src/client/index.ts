/**
 * Tenantry's TypeScript SDK (`tenantry/client`): the typed openapi-fetch client of the
 * HTTP API, generated from its OpenAPI document (`./schema.ts`, `npm run generate:client`).
 *
 * ```ts
 * const tenantry = createClient({ baseUrl: "http://localhost:8080", apiKey: process.env.TENANTRY_API_KEY });
 * const tenant = await unwrap(tenantry.GET("/v1/tenants/{id}", { params: { path: { id: "acme" } } }));
 * ```
 *
 * Nothing here depends on Node: it runs wherever `fetch` does. See docs/sdk.md.
 */
import createFetchClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";
import { CLIENT_VERSION } from "./version.js";

export type { Middleware } from "openapi-fetch";
export type { components, paths } from "./schema.js";
export { type SseMessage, SseParser } from "./sse.js";
export { CLIENT_VERSION };

/** The typed client: `GET`, `POST`, `PATCH`, `PUT`, `DELETE` by path, and `use` for middleware. */
export type TenantryClient = Client<paths>;

/** The answer of one call: `{ data, response }` on success, `{ error, response }` otherwise. */
export interface CallResult<T = unknown> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** How long one request may take, by default: until its whole answer is read. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** The longest timer `setTimeout` keeps (about 24.8 days). */
const MAX_TIMEOUT_MS = 2_147_483_647;

export interface ClientOptions {
  /** Where the API is: `http://localhost:8080` (no `/v1`: paths carry it). */
  baseUrl: string;
  /**
   * Sent as `Authorization: Bearer <apiKey>` with every request (unless a request sets its
   * own `Authorization`). Leave it out only for the public endpoints (`/health`, `/ready`).
   */
  apiKey?: string;
  /** The `fetch` to send requests with. @default globalThis.fetch */
  fetch?: (input: Request, init?: RequestInit) => Promise<Response>;
  /** Headers for every request (a request's own headers win). */
  headers?: Record<string, string>;
  /**
   * Per request, from sending it until its answer is read, in milliseconds; `0` for none.
   * An answer that streams (`text/event-stream`) is timed until its headers only.
   * A request that runs out fails with a `DOMException` named `TimeoutError`.
   * @default {@link DEFAULT_TIMEOUT_MS}
   */
  timeoutMs?: number;
}

// --- Public types -------------------------------------------------------------------------
//
// The document's component schemas, by their names (docs/api.md "The OpenAPI document").

/** Every named schema of the API: `Schemas["Tenant"]`, `Schemas["CreateTenantRequest"]`, … */
export type Schemas = components["schemas"];
/** A tenant (`GET /v1/tenants/{id}`). */
export type Tenant = Schemas["Tenant"];
/** A page of tenants (`GET /v1/tenants`). */
export type TenantPage = Schemas["TenantPage"];
/** A tenant with the operation a request started (`POST /v1/tenants`, lifecycle actions). */
export type TenantWithOperation = Schemas["TenantWithOperation"];
/** A unit of lifecycle work (`GET /v1/operations/{id}`). */
export type Operation = Schemas["Operation"];
/** One step of an operation. */
export type Step = Schemas["Step"];
/** An RFC 9457 problem: every error answer of the API, with its stable `code`. */
export type Problem = Schemas["Problem"];
/** A tenant's status, conditions and resources (`GET /v1/tenants/{id}/status`). */
export type TenantStatus = Schemas["TenantStatus"];
/** A version of a stored blueprint (`GET /v1/blueprints/{name}`). */
export type Blueprint = Schemas["Blueprint"];
/** A target and what it can do (`GET /v1/targets`). */
export type Target = Schemas["Target"];
/** A BYOC environment (`GET /v1/environments/{id}`). */
export type Environment = Schemas["Environment"];
/** One entry of a tenant's history (`GET /v1/tenants/{id}/events`). */
export type TenantEvent = Schemas["Event"];
/** What `POST /v1/tenants` takes. */
export type CreateTenantRequest = Schemas["CreateTenantRequest"];
/** What `PATCH /v1/tenants/{id}` takes. */
export type UpdateTenantRequest = Schemas["UpdateTenantRequest"];
/** What `POST /v1/tenants` answers: the tenant, still queued, and the operation that provisions it. */
export type CreateTenantResponse = Schemas["TenantWithOperation"];
/** One field a request got wrong: `pointer` is its JSON pointer (`/slug`, `/query/limit`). */
export interface FieldError {
  pointer: string;
  message: string;
  line?: number;
  column?: number;
}

// --- Errors -------------------------------------------------------------------------------

/** An error answer of the API, with its problem's stable `code`, `detail` and field `errors`. */
export class TenantryApiError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The stable error code (docs/errors.md); undefined when the answer was not a problem (a proxy's 502). */
  readonly code: string | undefined;
  readonly title: string | undefined;
  /** What went wrong, for people. */
  readonly detail: string;
  /** The fields at fault, for a request that failed validation. */
  readonly errors: FieldError[];
  /** The whole problem body (its other members: `suggestion`, `retry_after`, …); undefined when not JSON. */
  readonly problem: Problem | undefined;
  /** The request's `X-Request-Id`: what the audit log and the server's logs know it by. */
  readonly requestId: string | undefined;
  readonly response: Response;

  constructor(response: Response, body: unknown) {
    const problem = isObject(body) ? body : undefined;
    const code = typeof problem?.["code"] === "string" ? problem["code"] : undefined;
    const text = typeof body === "string" ? body.trim().slice(0, 300) : "";
    const detail =
      typeof problem?.["detail"] === "string"
        ? problem["detail"]
        : text || `${response.status} ${response.statusText}`.trim();
    super(code ? `${detail} (${code})` : `HTTP ${response.status}: ${detail}`);
    this.name = "TenantryApiError";
    this.status = response.status;
    this.code = code;
    this.title = typeof problem?.["title"] === "string" ? problem["title"] : undefined;
    this.detail = detail;
    this.errors = Array.isArray(problem?.["errors"]) ? (problem["errors"] as FieldError[]) : [];
    this.problem = problem as Problem | undefined;
    this.requestId = response.headers.get("x-request-id") ?? undefined;
    this.response = response;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The data of a successful call; throws a {@link TenantryApiError} for an error answer. */
export async function unwrap<R extends CallResult>(
  result: R | Promise<R>,
): Promise<R extends { data: infer D; error?: never } ? D : never> {
  const { data, error, response } = await result;
  if (error !== undefined || !response.ok) throw new TenantryApiError(response, error);
  return data as R extends { data: infer D; error?: never } ? D : never;
}

// --- The client ---------------------------------------------------------------------------

/** Tenantry's typed client of the API at `baseUrl`. */
export function createClient(options: ClientOptions): TenantryClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_TIMEOUT_MS)
    throw new RangeError(`timeoutMs must be between 0 and ${MAX_TIMEOUT_MS} (got ${timeoutMs})`);
  if (typeof options.baseUrl !== "string" || options.baseUrl === "")
    throw new TypeError(`baseUrl must be the API's URL (got ${JSON.stringify(options.baseUrl)})`);
  // Resolved at each request, so that a fetch patched after createClient (tests, tracing) is used.
  const send = options.fetch ?? ((input: Request, init?: RequestInit) => globalThis.fetch(input, init));
  const client = createFetchClient<paths>({
    baseUrl: options.baseUrl,
    headers: options.headers,
    fetch: timeoutMs > 0 ? timedFetch(send, timeoutMs) : send,
  });
  client.use(identify(options.apiKey));
  return client;
}

/** The API key and the User-Agent, on every request that does not set its own. */
function identify(apiKey: string | undefined): Middleware {
  return {
    onRequest({ request }) {
      if (apiKey && !request.headers.has("authorization"))
        request.headers.set("authorization", `Bearer ${apiKey}`);
      if (!request.headers.has("user-agent"))
        request.headers.set("user-agent", `tenantry-client/${CLIENT_VERSION}`);
      return request;
    },
  };
}

/** Answers whose body is read as it comes (never buffered, timed until their headers). */
const STREAMING = /^\s*(text\/event-stream|application\/x-ndjson)\b/i;
/** Statuses whose answer has no body (a Response with one cannot be made). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * `send`, with a timeout over the whole exchange: the request, the wait and the reading of
 * the answer (buffered here, so the timer covers it).
 *
 * Our own timer, not `AbortSignal.timeout()` combined with the caller's signal through
 * `AbortSignal.any()`: that timer holds its signal weakly and, under GC pressure, was
 * collected and the request outlived its timeout (nodejs/node#55428; the same fix as
 * src/providers/kit/http-client.ts). The timer's closure holds the controller until it
 * fires or is cleared, and the wait itself ends on the abort, whatever `fetch` does.
 */
function timedFetch(
  send: (input: Request, init?: RequestInit) => Promise<Response>,
  timeoutMs: number,
): (input: Request, init?: RequestInit) => Promise<Response> {
  return async (request, init) => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      const where = `${request.method} ${new URL(request.url).pathname}`;
      controller.abort(new DOMException(`${where}: no answer within ${timeoutMs} ms`, "TimeoutError"));
    }, timeoutMs);
    // In Node, a pending timer alone does not keep the process alive (the request does).
    (timer as { unref?: () => void }).unref?.();
    // The caller's own signal (`client.GET(path, { signal })`) still aborts the request.
    const caller = request.signal;
    const onCallerAbort = () => controller.abort(caller.reason);
    if (caller.aborted) onCallerAbort();
    else caller.addEventListener("abort", onCallerAbort, { once: true });
    const signal = controller.signal;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {});
    let streaming = false;
    try {
      const response = await Promise.race([send(request, { ...init, signal }), aborted]);
      if (STREAMING.test(response.headers.get("content-type") ?? "")) {
        streaming = true;
        // undici's Request follows the caller's signal through a WeakRef: once openapi-fetch
        // returned, nothing held the Request, a garbage collection took it and the caller's
        // abort no longer reached the connection. The stream (what the caller holds while
        // reading) and its Response hold it now (test/client.stream-abort.test.ts).
        holdWhileRead(response, request);
        return response;
      }
      const body =
        NULL_BODY.has(response.status) || request.method === "HEAD"
          ? null
          : await Promise.race([response.arrayBuffer(), aborted]);
      const copy = new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
      Object.defineProperty(copy, "url", { value: response.url });
      return copy;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener("abort", onAbort);
      // A stream stays abortable by the caller for as long as it is read.
      if (!streaming) caller.removeEventListener("abort", onCallerAbort);
    }
  };
}

const HELD = Symbol("tenantry.request");

/** Keeps `request` (and so the abort of its signal) reachable for as long as `response` or its body is. */
function holdWhileRead(response: Response, request: Request): void {
  for (const holder of [response, response.body])
    if (holder) Object.defineProperty(holder, HELD, { value: request, enumerable: false });
}

// --- Helpers ------------------------------------------------------------------------------

/** Operation statuses after which nothing more happens. */
const SETTLED = new Set(["succeeded", "failed", "canceled"]);

/**
 * Polls `GET /v1/operations/{id}` until the operation has settled (`succeeded`, `failed`
 * or `canceled`) and returns it: a failed operation is returned, not thrown (its `error`
 * says why). Throws a {@link TenantryApiError} for an error answer, and a `DOMException`
 * named `TimeoutError` after `timeoutMs`.
 */
export async function waitForOperation(
  client: TenantryClient,
  id: string,
  options: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal } = {},
): Promise<Operation> {
  const { timeoutMs = 600_000, intervalMs = 500, signal } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const operation = (await unwrap(
      client.GET("/v1/operations/{id}", { params: { path: { id } }, ...(signal ? { signal } : {}) }),
    )) as Operation & { status: string };
    if (SETTLED.has(operation.status)) return operation;
    const left = deadline - Date.now();
    if (left <= 0)
      throw new DOMException(
        `operation ${id} is still ${operation.status} after ${timeoutMs} ms`,
        "TimeoutError",
      );
    await delay(Math.min(intervalMs, left), signal);
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
