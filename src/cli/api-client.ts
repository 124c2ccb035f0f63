/**
 * A small typed client for the Tenantry HTTP API, used by the CLI. It speaks JSON over
 * the global `fetch`; error responses (RFC 9457 problem+json) become {@link ApiError}s
 * and an unreachable server becomes a {@link ConnectionError}.
 */
import { deadlineSignal } from "../lib/deadline-signal.js";

/** One target and what it can do (GET /v1/targets). */
/** An API key as the server lists it (never the key itself). */
export interface ApiKeyView {
  id: string;
  name: string;
  role: string;
  prefix: string;
  state: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  replaced_by: string | null;
}

export interface OrganizationView {
  id: string;
  slug: string;
  name: string;
  created_at: string;
  updated_at: string;
  live_tenants: number;
  active_keys: number;
}

/** One entry of the audit log (GET /v1/audit). */
export interface AuditEntryView {
  id: string;
  at: string;
  actor: { type: "api_key" | "system"; id: string | null; name: string };
  organization_id: string;
  request_id: string | null;
  tenant_id: string | null;
  operation_id: string | null;
  action: string;
  outcome: "succeeded" | "failed" | "refused";
  status: number | null;
  summary: Record<string, unknown>;
}

/** The filters of GET /v1/audit. */
export interface AuditQuery {
  tenant?: string;
  actor?: string;
  action?: string;
  since?: string;
  until?: string;
  request_id?: string;
  limit?: number;
  cursor?: string;
}

/** An organization's quotas (docs/quotas.md): each `{limit (0 = unlimited), current, overridden}`. */
export interface QuotasView {
  organization: string;
  quotas: Record<string, { limit: number; current: number; overridden: boolean }>;
}

export interface TargetView {
  name: string;
  bootstrap: boolean;
  placement: "node" | "anywhere";
  kinds: {
    kind: string;
    suspend: boolean;
    logs: boolean;
    jobs: boolean;
    action_timeout_ms: number;
    max_wait_ms: number;
  }[];
  missing: { kind: string; why: string | null }[];
}

export interface FieldError {
  /** JSON pointer to the offending field (`/slug`, `/query/status`, ...). */
  pointer: string;
  message: string;
  line?: number;
  column?: number;
}

/** An error response of the API, with its stable `code`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly body: Record<string, unknown> = {},
  ) {
    super(`${detail} (${code})`);
    this.name = "ApiError";
  }
}

/** The server could not be reached at all (refused, unknown host, reset, timeout). */
export class ConnectionError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
    /** e.g. `ECONNREFUSED`, `ENOTFOUND` */
    readonly causeCode: string | undefined,
  ) {
    super(`cannot reach Tenantry at ${url}: ${reason}`);
    this.name = "ConnectionError";
  }
}

export interface Resource {
  key: string;
  kind: string;
  name: string;
  provider: string;
  provider_id: string | null;
  status: string;
  outputs: Record<string, unknown>;
}

export interface Tenant {
  id: string;
  name: string;
  slug: string;
  status: string;
  desired_state: string;
  target: string;
  blueprint: { name: string; version: number };
  params: Record<string, unknown>;
  labels: Record<string, string>;
  error_message: string | null;
  failed_operation_id: string | null;
  generation: number;
  observed_generation: number;
  created_at: string;
  updated_at: string;
  destroyed_at: string | null;
  conditions: TenantCondition[];
  /** Present on `GET /v1/tenants/{id}`. */
  resources?: Resource[];
}

/** `access_error`: the platform refused Tenantry's credentials. */
export interface TenantCondition {
  type: string;
  message: string;
  since: string;
}

export interface TenantStatus {
  id: string;
  name: string;
  slug: string;
  status: string;
  site_url: string | null;
  resource_ids: Record<string, string | null>;
  outputs: Record<string, Record<string, unknown>>;
  error_message: string | null;
  conditions: TenantCondition[];
  operation: { id: string; kind: string; status: string; step: string | null } | null;
  created_at: string;
  updated_at: string;
}

export interface OperationStep {
  seq: number;
  name: string;
  action: string;
  resource: string | null;
  status: string;
  attempts: number;
  detail: string | null;
  error_message: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
}

export interface Operation {
  id: string;
  tenant_id: string;
  kind: string;
  effective_kind: string;
  retry_of: string | null;
  status: string;
  attempt: number;
  max_attempts: number;
  next_run_at: string | null;
  error: { code: string; message: string } | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  /** Who asked for it: an API key, or the engine itself (`system`: a heal). */
  requested_by?: { type: "api_key" | "system"; id: string | null; name: string | null };
  /** The `X-Request-Id` of the call that started it. */
  request_id?: string | null;
  steps: OperationStep[];
}

export interface TenantWithOperation {
  tenant: Tenant;
  operation: Operation;
}

export interface TenantEvent {
  /** Ordered: a later event has a larger id. */
  id: number;
  /** On the organization's events (`GET /v1/events`). */
  tenant_id?: string;
  type: string;
  message: string;
  operation_id: string | null;
  data: Record<string, unknown>;
  actor?: { type: "api_key" | "system"; id: string | null; name: string | null };
  request_id?: string | null;
  created_at: string;
}

/** The filters of `GET /v1/events`. */
export interface EventsQuery {
  /** A tenant's id or slug. */
  tenant?: string;
  /** Comma-separated types; one ending in `.` is a prefix. */
  type?: string;
  after?: number;
  cursor?: string;
  limit?: number;
}

export interface FollowEventsOptions {
  /** Start after this event id; default: now (events recorded from here on). */
  after?: number;
  /** Filters of `GET /v1/events` (the organization's stream). */
  query?: Pick<EventsQuery, "tenant" | "type">;
  /** Every event, in order, once (also across reconnects). */
  onEvent(event: TenantEvent): void;
  /** Once: the first stream is open, starting after `position`. */
  onReady?(position: number): void;
  /** The stream was lost; it is opened again after `Last-Event-ID: lastEventId`. */
  onReconnect?(info: { attempt: number; reason: string; lastEventId: number | undefined }): void;
  /** Aborting ends the stream; the returned promise then resolves. */
  signal?: AbortSignal;
  /** Give up (a ConnectionError) when the stream could not be opened again for this long. @default 30000 */
  reconnectForMs?: number;
  /** A stream that sends nothing (not even a keepalive) for this long counts as lost. @default 45000 */
  idleMs?: number;
}

/** One server-sent message: its fields (`data` lines joined), or a comment only. */
export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
}

/**
 * Splits a server-sent event stream into messages (the format of the WHATWG HTML
 * standard: `field: value` lines, a blank line ends a message, `:` lines are comments).
 */
export class SseParser {
  private buffer = "";

  /** The messages completed by `chunk`. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk.replace(/\r\n?/g, "\n");
    const out: SseMessage[] = [];
    for (let end = this.buffer.indexOf("\n\n"); end >= 0; end = this.buffer.indexOf("\n\n")) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const m: SseMessage = {};
      let fields = 0;
      for (const line of block.split("\n")) {
        if (line === "" || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") m.data = m.data === undefined ? value : `${m.data}\n${value}`;
        else if (field === "id" || field === "event" || field === "retry") m[field] = value;
        else continue;
        fields++;
      }
      if (fields > 0) out.push(m);
    }
    return out;
  }
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export type BlueprintRef = string | { source: string; name?: string };

export interface CreateTenantInput {
  name: string;
  slug?: string;
  blueprint: BlueprintRef;
  target?: string;
  params?: Record<string, unknown>;
  secrets?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface ListTenantsQuery {
  /** Comma-separated statuses. */
  status?: string;
  /** `key=value` filters; all must match. */
  labels?: string[];
  q?: string;
  limit?: number;
  cursor?: string;
}

export interface MutationOptions {
  idempotencyKey?: string;
}

/** A stored, immutable blueprint version. `source` comes with one blueprint, `parsed` with one version. */
export interface BlueprintVersion {
  id: string;
  name: string;
  version: number;
  digest: string;
  source?: string;
  /** The validated, typed form (`GET /v1/blueprints/{name}/versions/{n}`). */
  parsed?: Record<string, unknown>;
  created_at: string;
}

export interface PushBlueprintResult {
  blueprint: BlueprintVersion;
  /** False when the source was identical to the latest version (200, nothing stored). */
  created: boolean;
}

export interface CostLine {
  key: string;
  kind: string;
  name: string;
  plan: string | null;
  monthly: number;
  detail: string;
}

export interface CostEstimate {
  provider: string;
  currency: string;
  priceDate: string;
  lines: CostLine[];
  totalMonthly: number;
  warnings: string[];
}

export interface RenderInput {
  tenant: { name: string; slug?: string; id?: string };
  /** Default: the latest version. */
  version?: number;
  target?: string;
  params?: Record<string, unknown>;
  /** Names of the secrets the tenant would be given. */
  secrets?: string[];
  /** false: a price estimate only, without refusing what the target cannot serve. */
  check_target?: boolean;
}

export interface RenderedBlueprint {
  blueprint: { name: string; version: number };
  target: string;
  params: Record<string, unknown>;
  resources: {
    key: string;
    kind: string;
    name: string;
    depends_on: string[];
    spec: Record<string, unknown>;
  }[];
  cost: CostEstimate;
}

export interface PlanInput {
  blueprint?: BlueprintRef;
  /** Merged into the tenant's params; `null` removes one. */
  params?: Record<string, unknown>;
}

export type PlanActionKind = "create" | "update" | "replace" | "delete" | "no-op";

export interface PlanChange {
  /** JSON pointer into the resource's spec. */
  path: string;
  /** Absent when the field is new. */
  from?: unknown;
  /** Absent when the field is removed. */
  to?: unknown;
  forcesReplace: boolean;
}

export interface TenantPlan {
  tenant_id: string;
  blueprint: { name: string; version: number };
  params: Record<string, unknown>;
  actions: {
    action: PlanActionKind | (string & {});
    key: string;
    kind: string;
    name: string;
    changes: PlanChange[];
    reason?: string;
  }[];
  summary: Record<string, number>;
  cost: CostEstimate;
}

export interface UpdateTenantInput {
  blueprint?: BlueprintRef;
  /** Merged into the tenant's params; `null` removes one. */
  params?: Record<string, unknown>;
  labels?: Record<string, string>;
  name?: string;
  /** Write-only secrets set or rotated; `null` removes one. Never returned. */
  secrets?: Record<string, string | null>;
}

export interface UpdateTenantOptions extends MutationOptions {
  /** Only apply when the tenant's `generation` is still this (`If-Match`); else 412 `PRECONDITION_FAILED`. */
  ifMatch?: number;
}

export interface TenantUpdateResult {
  tenant: Tenant;
  /** The `update` operation (202), or null when only the name or labels changed (200). */
  operation: Operation | null;
}

export type TenantAction = "suspend" | "resume" | "retry";

export interface JobRun {
  /** The cron job's resource key, e.g. `service:heartbeat`. */
  resource: string;
  /** false when a run was already going (runs never overlap). */
  started: boolean;
  /** Finished runs before the request; the new run is done once the resource's `runs` output is larger. */
  runs: number;
}

export interface ResourceLogs {
  /** The resource's key, e.g. `service:web`. */
  resource: string;
  /** Oldest first, each prefixed by its source: `[build] `, `[run] `, `[cron] `. */
  lines: string[];
}

export interface FollowLogsOptions {
  /** How many existing lines to send first (1-5000). @default 200 */
  tail?: number;
  /** Called for every line, the existing tail first. */
  onLine(line: string): void;
  /** Aborting ends the stream; the returned promise then resolves. */
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  /** e.g. `http://localhost:8080` */
  baseUrl: string;
  apiKey: string;
  /** Per-request timeout. @default 30000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | string[] | undefined>;

interface RequestOptions {
  body?: unknown;
  query?: Query;
  idempotencyKey?: string | undefined;
  headers?: Record<string, string> | undefined;
}

function errnoOf(err: unknown): { code: string | undefined; message: string } {
  // fetch wraps the socket error: TypeError("fetch failed", { cause: Error { code } }),
  // sometimes an AggregateError of one error per address tried.
  let cause: unknown = err instanceof Error && err.cause !== undefined ? err.cause : err;
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0];
  const code = (cause as { code?: unknown } | undefined)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return { code: typeof code === "string" ? code : undefined, message };
}

/** The ApiError for an error response (problem+json, or anything else). */
function problemOf(response: Response, text: string, method: string, path: string): ApiError {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const problem = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const code = typeof problem["code"] === "string" ? problem["code"] : `HTTP_${response.status}`;
  const detail =
    typeof problem["detail"] === "string"
      ? problem["detail"]
      : `${method} ${path} answered ${response.status} ${response.statusText}`.trim();
  const errors = Array.isArray(problem["errors"]) ? (problem["errors"] as FieldError[]) : [];
  return new ApiError(response.status, code, detail, errors, problem);
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** `GET /health`: the server's version, installation id and node id. */
  health(): Promise<{ status: string; version: string; installation_id: string; node_id: string }> {
    return this.request("GET", "/health");
  }

  createTenant(input: CreateTenantInput, options: MutationOptions = {}): Promise<TenantWithOperation> {
    return this.request("POST", "/v1/tenants", { body: input, idempotencyKey: options.idempotencyKey });
  }

  listTenants(query: ListTenantsQuery = {}): Promise<Page<Tenant>> {
    return this.request("GET", "/v1/tenants", {
      query: {
        status: query.status,
        label: query.labels,
        q: query.q,
        limit: query.limit,
        cursor: query.cursor,
      },
    });
  }

  /** Every tenant matching `query`, following `next_cursor`. */
  async listAllTenants(query: Omit<ListTenantsQuery, "cursor"> = {}): Promise<Tenant[]> {
    const all: Tenant[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listTenants({ ...query, cursor });
      all.push(...page.data);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return all;
  }

  /** By id or slug; includes the tenant's resources. */
  getTenant(idOrSlug: string): Promise<Tenant> {
    return this.request("GET", `/v1/tenants/${encodeURIComponent(idOrSlug)}`);
  }

  tenantStatus(idOrSlug: string): Promise<TenantStatus> {
    return this.request("GET", `/v1/tenants/${encodeURIComponent(idOrSlug)}/status`);
  }

  tenantAction(
    idOrSlug: string,
    action: TenantAction,
    options: MutationOptions = {},
  ): Promise<TenantWithOperation> {
    return this.request("POST", `/v1/tenants/${encodeURIComponent(idOrSlug)}/${action}`, {
      idempotencyKey: options.idempotencyKey,
    });
  }

  deleteTenant(idOrSlug: string, options: MutationOptions = {}): Promise<TenantWithOperation> {
    return this.request("DELETE", `/v1/tenants/${encodeURIComponent(idOrSlug)}`, {
      idempotencyKey: options.idempotencyKey,
    });
  }

  /** A page of the organization's events (every tenant's), oldest first. */
  listEvents(query: EventsQuery = {}): Promise<Page<TenantEvent>> {
    return this.request("GET", "/v1/events", { query: { ...query } });
  }

  /**
   * Follows a tenant's events (or, without `tenant`, the organization's) as server-sent
   * events: `onEvent` for each, in order, until `signal` aborts (resolves). A lost stream
   * (the server restarted, the connection dropped, nothing came for `idleMs`) is opened
   * again with `Last-Event-ID`, so no event is missed or repeated; when that fails for
   * `reconnectForMs` it rejects with a ConnectionError. An error answer (401, 404…)
   * rejects with its ApiError at once.
   */
  async followEvents(tenant: string | undefined, options: FollowEventsOptions): Promise<void> {
    const path = tenant === undefined ? "/v1/events" : `/v1/tenants/${encodeURIComponent(tenant)}/events`;
    const signal = options.signal;
    const reconnectForMs = options.reconnectForMs ?? 30_000;
    let last = options.after;
    let ready = false;
    let failingSince: number | undefined;
    let attempt = 0;
    for (;;) {
      if (signal?.aborted) return;
      let reason: string;
      let code: string | undefined;
      try {
        await this.sseOnce(path, {
          query: { tenant: options.query?.tenant, type: options.query?.type },
          headers: last === undefined ? {} : { "last-event-id": String(last) },
          signal,
          idleMs: options.idleMs ?? 45_000,
          onMessage: (m) => {
            failingSince = undefined;
            attempt = 0;
            if (m.id !== undefined && /^\d+$/.test(m.id)) last = Number(m.id);
            if (m.data === undefined) {
              // Where the stream starts (its first message).
              if (!ready && last !== undefined) {
                ready = true;
                options.onReady?.(last);
              }
              return;
            }
            let event: TenantEvent;
            try {
              event = JSON.parse(m.data) as TenantEvent;
            } catch {
              return;
            }
            options.onEvent(event);
          },
        });
        reason = "the server ended the stream";
      } catch (err) {
        if (signal?.aborted) return;
        if (err instanceof ApiError && (err.status < 500 || err.status === 501)) throw err;
        if (err instanceof ApiError) {
          reason = `${err.detail} (${err.code})`;
        } else if (err instanceof ConnectionError) {
          reason = err.reason;
          code = err.causeCode;
        } else throw err;
      }
      if (signal?.aborted) return;
      failingSince ??= Date.now();
      if (Date.now() - failingSince >= reconnectForMs) {
        throw new ConnectionError(
          this.baseUrl,
          `the event stream was lost and could not be opened again within ${Math.round(reconnectForMs / 1000)}s: ${reason}`,
          code,
        );
      }
      attempt++;
      options.onReconnect?.({ attempt, reason, lastEventId: last });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(5_000, 200 * 2 ** (attempt - 1)));
        signal?.addEventListener(
          "abort",
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
  }

  /**
   * One server-sent event stream: resolves when the server ends it (or `signal` aborts),
   * rejects with an ApiError for an error answer and a ConnectionError when the
   * connection fails or stays silent for `idleMs`.
   */
  private async sseOnce(
    path: string,
    options: {
      query: Query;
      headers: Record<string, string>;
      signal: AbortSignal | undefined;
      idleMs: number;
      onMessage(m: SseMessage): void;
    },
  ): Promise<void> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const controller = new AbortController();
    const abort = () => controller.abort();
    options.signal?.addEventListener("abort", abort, { once: true });
    let idle: NodeJS.Timeout | undefined;
    let silent = false;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        silent = true;
        controller.abort();
      }, options.idleMs);
    };
    try {
      touch();
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          headers: {
            accept: "text/event-stream",
            authorization: `Bearer ${this.apiKey}`,
            ...options.headers,
          },
          signal: controller.signal,
        });
      } catch (err) {
        if (options.signal?.aborted) return;
        if (silent) throw new ConnectionError(this.baseUrl, "no answer", "ETIMEDOUT");
        const { code, message } = errnoOf(err);
        throw new ConnectionError(
          this.baseUrl,
          code === "ECONNREFUSED" ? "connection refused" : message,
          code,
        );
      }
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => "");
        throw problemOf(response, text, "GET", path);
      }
      if (!/^text\/event-stream\b/i.test(response.headers.get("content-type") ?? "")) {
        await response.body.cancel().catch(() => {});
        throw new ApiError(
          response.status,
          "NOT_AN_EVENT_STREAM",
          `GET ${path} did not answer with an event stream (a Tenantry older than the CLI?)`,
        );
      }
      const parser = new SseParser();
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body) {
          touch();
          for (const m of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
            options.onMessage(m);
          }
        }
      } catch (err) {
        if (options.signal?.aborted) return;
        if (silent)
          throw new ConnectionError(
            this.baseUrl,
            `nothing received for ${options.idleMs / 1000}s`,
            "ETIMEDOUT",
          );
        const { code, message } = errnoOf(err);
        throw new ConnectionError(this.baseUrl, message, code);
      }
    } finally {
      clearTimeout(idle);
      options.signal?.removeEventListener("abort", abort);
    }
  }

  /** Events with an id above `after`, oldest first. */
  tenantEvents(idOrSlug: string, query: { after?: number; limit?: number } = {}): Promise<Page<TenantEvent>> {
    return this.request("GET", `/v1/tenants/${encodeURIComponent(idOrSlug)}/events`, {
      query: { after: query.after, limit: query.limit },
    });
  }

  tenantOperations(
    idOrSlug: string,
    query: { limit?: number; cursor?: string } = {},
  ): Promise<Page<Operation>> {
    return this.request("GET", `/v1/tenants/${encodeURIComponent(idOrSlug)}/operations`, { query });
  }

  getOperation(id: string): Promise<Operation> {
    return this.request("GET", `/v1/operations/${encodeURIComponent(id)}`);
  }

  /**
   * Changes a tenant (`PATCH /v1/tenants/{id}`): a new blueprint or params start an
   * `update` operation; a new name or labels alone do not.
   */
  updateTenant(
    idOrSlug: string,
    input: UpdateTenantInput,
    options: UpdateTenantOptions = {},
  ): Promise<TenantUpdateResult> {
    return this.request("PATCH", `/v1/tenants/${encodeURIComponent(idOrSlug)}`, {
      body: input,
      idempotencyKey: options.idempotencyKey,
      headers: options.ifMatch === undefined ? undefined : { "if-match": `"${options.ifMatch}"` },
    });
  }

  /** What a new blueprint version or new params would do to a tenant; nothing is applied. */
  planTenant(idOrSlug: string, input: PlanInput = {}): Promise<TenantPlan> {
    return this.request("POST", `/v1/tenants/${encodeURIComponent(idOrSlug)}/plan`, { body: input });
  }

  /** Stores `source` as the next version of `name`, unless it equals the latest version. */
  async pushBlueprint(name: string, source: string): Promise<PushBlueprintResult> {
    const { status, body } = await this.send<BlueprintVersion>("POST", "/v1/blueprints", {
      body: { name, source },
    });
    return { blueprint: body, created: status === 201 };
  }

  /** The organization's API keys (admin). */
  /** A page of the organization's audit log, oldest first. */
  auditLog(query: AuditQuery = {}): Promise<Page<AuditEntryView>> {
    return this.request("GET", "/v1/audit", { query: { ...query } });
  }

  async listApiKeys(): Promise<ApiKeyView[]> {
    return (await this.request<{ data: ApiKeyView[] }>("GET", "/v1/api-keys")).data;
  }

  /** A new API key: the answer's `key` is shown this once. */
  createApiKey(input: {
    name: string;
    role: string;
    expires_at?: string;
  }): Promise<{ api_key: ApiKeyView; key: string }> {
    return this.request("POST", "/v1/api-keys", { body: input });
  }

  revokeApiKey(id: string): Promise<ApiKeyView> {
    return this.request("DELETE", `/v1/api-keys/${encodeURIComponent(id)}`);
  }

  rotateApiKey(
    id: string,
    graceSeconds?: number,
  ): Promise<{ api_key: ApiKeyView; key: string; previous: ApiKeyView }> {
    return this.request("POST", `/v1/api-keys/${encodeURIComponent(id)}/rotate`, {
      body: graceSeconds === undefined ? {} : { grace_seconds: graceSeconds },
    });
  }

  /** The caller's organization and key (any role). */
  whoami(): Promise<{ organization: OrganizationView; api_key: ApiKeyView }> {
    return this.request("GET", "/v1/organization");
  }

  /** Every organization (platform admin), following the cursor. */
  async listOrganizations(): Promise<OrganizationView[]> {
    const out: OrganizationView[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=500&cursor=${encodeURIComponent(cursor)}` : "?limit=500";
      const page: { data: OrganizationView[]; next_cursor: string | null } = await this.request(
        "GET",
        `/v1/organizations${query}`,
      );
      out.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    return out;
  }

  getOrganization(idOrSlug: string): Promise<OrganizationView> {
    return this.request("GET", `/v1/organizations/${encodeURIComponent(idOrSlug)}`);
  }

  /** A new organization with its first admin key (shown this once). */
  createOrganization(input: {
    slug: string;
    name?: string;
    admin_key_name?: string;
  }): Promise<{ organization: OrganizationView; admin_key: ApiKeyView; key: string }> {
    return this.request("POST", "/v1/organizations", { body: input });
  }

  renameOrganization(idOrSlug: string, name: string): Promise<OrganizationView> {
    return this.request("PATCH", `/v1/organizations/${encodeURIComponent(idOrSlug)}`, { body: { name } });
  }

  deleteOrganization(idOrSlug: string): Promise<OrganizationView> {
    return this.request("DELETE", `/v1/organizations/${encodeURIComponent(idOrSlug)}`);
  }

  /** An organization's quotas (platform admin), or the caller's own without `idOrSlug`. */
  getQuotas(idOrSlug?: string): Promise<QuotasView> {
    return this.request(
      "GET",
      idOrSlug ? `/v1/organizations/${encodeURIComponent(idOrSlug)}/quotas` : "/v1/organization/quotas",
    );
  }

  /** Overrides some of an organization's quotas; null resets one to the default (platform admin). */
  setQuotas(idOrSlug: string, changes: Record<string, number | null>): Promise<QuotasView> {
    return this.request("PATCH", `/v1/organizations/${encodeURIComponent(idOrSlug)}/quotas`, {
      body: changes,
    });
  }

  /** The targets the server serves, with their capabilities (GET /v1/targets). */
  async listTargets(): Promise<TargetView[]> {
    return (await this.request<{ data: TargetView[] }>("GET", "/v1/targets")).data;
  }

  /** The latest version of every blueprint (without sources). */
  async listBlueprints(): Promise<BlueprintVersion[]> {
    return (await this.request<{ data: BlueprintVersion[] }>("GET", "/v1/blueprints")).data;
  }

  /** The latest version (with its source), or one version (with its source and parsed form). */
  getBlueprint(name: string, version?: number): Promise<BlueprintVersion> {
    const base = `/v1/blueprints/${encodeURIComponent(name)}`;
    return this.request("GET", version === undefined ? base : `${base}/versions/${version}`);
  }

  /** The resources and monthly cost the blueprint would give a would-be tenant. */
  renderBlueprint(name: string, input: RenderInput): Promise<RenderedBlueprint> {
    return this.request("POST", `/v1/blueprints/${encodeURIComponent(name)}/render`, { body: input });
  }

  /** The last `tail` lines of a resource's output; `name` is a resource key or a service name. */
  resourceLogs(idOrSlug: string, name: string, query: { tail?: number } = {}): Promise<ResourceLogs> {
    return this.request("GET", this.logsPath(idOrSlug, name), { query: { tail: query.tail } });
  }

  /**
   * Streams a resource's output (server-sent events): the last `tail` lines, then new
   * lines as they are written, until `signal` aborts (resolves) or the server ends the
   * stream (resolves) or the connection fails (rejects with a ConnectionError).
   */
  async followLogs(idOrSlug: string, name: string, options: FollowLogsOptions): Promise<void> {
    const path = this.logsPath(idOrSlug, name);
    const url = new URL(this.baseUrl + path);
    if (options.tail !== undefined) url.searchParams.set("tail", String(options.tail));
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        headers: { accept: "text/event-stream", authorization: `Bearer ${this.apiKey}` },
        signal: options.signal,
      });
    } catch (err) {
      if (options.signal?.aborted) return;
      const { code, message } = errnoOf(err);
      throw new ConnectionError(this.baseUrl, code === "ECONNREFUSED" ? "connection refused" : message, code);
    }
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => "");
      throw problemOf(response, text, "GET", path);
    }
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          // One line per event; comments (`: keepalive`) carry no data.
          const data = event
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(l.startsWith("data: ") ? 6 : 5));
          if (data.length > 0) options.onLine(data.join("\n"));
        }
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      const { code, message } = errnoOf(err);
      throw new ConnectionError(this.baseUrl, message, code);
    }
  }

  /** Starts a run of a tenant's cron job now (answers at once). */
  runJob(idOrSlug: string, name: string): Promise<JobRun> {
    return this.request(
      "POST",
      `/v1/tenants/${encodeURIComponent(idOrSlug)}/resources/${encodeURIComponent(name)}/runs`,
    );
  }

  private logsPath(idOrSlug: string, name: string): string {
    return `/v1/tenants/${encodeURIComponent(idOrSlug)}/resources/${encodeURIComponent(name)}/logs`;
  }

  private async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.send<T>(method, path, options)).body;
  }

  private async send<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ status: number; body: T }> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      for (const v of [value].flat()) url.searchParams.append(key, String(v));
    }
    const headers: Record<string, string> = {
      accept: "application/json, application/problem+json",
      authorization: `Bearer ${this.apiKey}`,
    };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (options.idempotencyKey !== undefined) headers["idempotency-key"] = options.idempotencyKey;
    Object.assign(headers, options.headers);

    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: deadlineSignal(undefined, this.timeoutMs).signal,
      });
    } catch (err) {
      if (err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError")) {
        throw new ConnectionError(this.baseUrl, `no response within ${this.timeoutMs / 1000}s`, "ETIMEDOUT");
      }
      const { code, message } = errnoOf(err);
      throw new ConnectionError(this.baseUrl, code === "ECONNREFUSED" ? "connection refused" : message, code);
    }

    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) throw problemOf(response, text, method, path);
    if (body === undefined) {
      throw new ApiError(response.status, "INVALID_RESPONSE", `${method} ${path} did not answer with JSON`);
    }
    return { status: response.status, body: body as T };
  }
}
