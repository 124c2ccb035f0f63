import http, { type IncomingHttpHeaders } from "node:http";
import { ADMIN_KEY, eventually, type TestApp } from "./app.js";

/** The HTTP methods the API helpers send. */
export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

/** One answer of the API, as `ApiClient.call` gives it. */
export interface ApiResponse {
  status: number;
  /** The parsed JSON body, `null` when there is none (`any`, for test convenience). */
  body: any;
  /** The body as the server sent it. */
  raw: string;
  headers: Record<string, unknown>;
}

/** The API of a test app, called in-process (`inject`): see `apiClient`. */
export interface ApiClient {
  /**
   * Sends a request; `body`, when given, as JSON. `headers` are added to (and may
   * override) the client's own: its `authorization` and the JSON content type.
   */
  call(method: Method, url: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  /** `call`'s parsed body only. */
  json(method: Method, url: string, body?: unknown): Promise<any>;
  /**
   * Polls `GET /v1/tenants/{idOrSlug}` until the tenant has `status`, and returns it. A
   * poll that finds the tenant `failed` (when `failed` is not the wanted status) throws
   * its error message; `eventually` polls on until `timeoutMs` (its default otherwise),
   * then reports the last error.
   */
  waitForTenant(idOrSlug: string, status: string, options?: { timeoutMs?: number }): Promise<any>;
}

/**
 * A client for `t`'s API with `Bearer <key>` (no `authorization` header when `key` is
 * null). `t.app` is read at each call: a getter can stand in for an app that is restarted.
 */
export function apiClient(t: Pick<TestApp, "app">, key: string | null = ADMIN_KEY): ApiClient {
  const call: ApiClient["call"] = async (method, url, body, headers = {}) => {
    const server = t.app.http;
    if (!server) throw new Error("apiClient: this app runs without its HTTP API");
    const res = await server.inject({
      method,
      url,
      headers: {
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: res.statusCode,
      body: res.body === "" ? null : res.json(),
      raw: res.body,
      headers: res.headers,
    };
  };
  return {
    call,
    json: async (method, url, body) => (await call(method, url, body)).body,
    waitForTenant: (idOrSlug, status, { timeoutMs } = {}) =>
      eventually(
        async () => {
          const { body } = await call("GET", `/v1/tenants/${idOrSlug}`);
          if (body?.status === "failed" && status !== "failed")
            throw new Error(`tenant ${idOrSlug} failed: ${body.error_message}`);
          return body?.status === status ? body : undefined;
        },
        { timeoutMs, what: `tenant ${idOrSlug} to be ${status}` },
      ),
  };
}

/**
 * Sends a request to the server listening at `baseUrl` with the given `Host` header (fetch
 * cannot set one), over a fresh connection (`agent: false`), and reads the whole answer.
 */
export function requestWithHost(
  baseUrl: string,
  host: string,
  path = "/",
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(baseUrl);
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: init.method ?? "GET",
        headers: { ...init.headers, host },
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}
