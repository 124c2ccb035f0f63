/**
 * The CLI's view of the Tenantry HTTP API, over Tenantry's SDK (`src/client`, the typed
 * openapi-fetch client generated from the OpenAPI document): every call is a typed call of
 * the SDK, every type below is the document's schema. What this file adds is the CLI's
 * vocabulary: convenience methods (pages followed, slugs encoded), error answers as
 * {@link ApiError}s with their stable `code`, an unreachable server as a
 * {@link ConnectionError} (the CLI's exit codes), and the event and log streams
 * (server-sent events, resumed with `Last-Event-ID`).
 */
import { createClient, type paths, type Schemas, type TenantryClient } from "../client/index.js";
import { type SseMessage, SseParser } from "../client/sse.js";

export { type SseMessage, SseParser };

export type ApiKeyView = Schemas["ApiKey"];
export type OrganizationView = Schemas["Organization"];
/** One entry of the audit log (GET /v1/audit). */
export type AuditEntryView = Schemas["AuditEntry"];
/** An organization's quotas (docs/quotas.md): each `{limit (0 = unlimited), current, overridden}`. */
export type QuotasView = Schemas["Quotas"];
/** One target and what it can do (GET /v1/targets). */
export type TargetView = Schemas["Target"];
/** JSON pointer to the offending field (`/slug`, `/query/status`, ...) and what is wrong. */
export type FieldError = Schemas["FieldError"];
export type Resource = Schemas["Resource"];
export type Tenant = Schemas["Tenant"];
/** `access_error`: the platform refused Tenantry's credentials. */
export type TenantCondition = Schemas["Condition"];
export type TenantStatus = Schemas["TenantStatus"];
export type OperationStep = Schemas["Step"];
export type Operation = Schemas["Operation"];
export type TenantWithOperation = Schemas["TenantWithOperation"];
/** A tenant's event; on the organization's events (`GET /v1/events`) with its `tenant_id`. */
export type TenantEvent = Schemas["Event"] & { tenant_id?: string };
export type BlueprintRef = Schemas["BlueprintRef"];
export type CreateTenantInput = Schemas["CreateTenantRequest"];
/** A stored, immutable blueprint version. `source` comes with one blueprint, `parsed` with one version. */
export type BlueprintVersion = Schemas["Blueprint"];
export type CostEstimate = Schemas["Cost"];
export type CostLine = CostEstimate["lines"][number];
export type RenderInput = Schemas["RenderBlueprintRequest"];
export type RenderedBlueprint = Schemas["RenderedBlueprint"];
export type PlanInput = Schemas["PlanRequest"];
export type TenantPlan = Schemas["Plan"];
export type PlanChange = TenantPlan["actions"][number]["changes"][number];
export type PlanActionKind = "create" | "update" | "replace" | "delete" | "no-op";
export type UpdateTenantInput = Schemas["UpdateTenantRequest"];
/** The `update` operation (202), or null when only the name or labels changed (200). */
export type TenantUpdateResult = Schemas["TenantWithOptionalOperation"];
export type JobRun = Schemas["JobRun"];
export type ResourceLogs = Schemas["ResourceLogs"];
export type TenantAction = "suspend" | "resume" | "retry";

/** The filters of GET /v1/audit. */
export type AuditQuery = NonNullable<paths["/v1/audit"]["get"]["parameters"]["query"]>;

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
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

export interface PushBlueprintResult {
  blueprint: BlueprintVersion;
  /** False when the source was identical to the latest version (200, nothing stored). */
  created: boolean;
}

export interface UpdateTenantOptions extends MutationOptions {
  /** Only apply when the tenant's `generation` is still this (`If-Match`); else 412 `PRECONDITION_FAILED`. */
  ifMatch?: number;
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

/** The filters of `GET /v1/events`. */
/** The filters of `GET /v1/events`: `tenant` (id or slug), `type` (comma-separated; `prefix.`), `after`, `cursor`, `limit`. */
export type EventsQuery = NonNullable<paths["/v1/events"]["get"]["parameters"]["query"]>;

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

/** What an SDK call resolves to. */
interface SdkResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
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

/** The ApiError for an error answer (its problem+json, or anything else). */
function problemOf(response: Response, body: unknown, what: string): ApiError {
  const problem = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const code = typeof problem["code"] === "string" ? problem["code"] : `HTTP_${response.status}`;
  const detail =
    typeof problem["detail"] === "string"
      ? problem["detail"]
      : `${what} answered ${response.status} ${response.statusText}`.trim();
  const errors = Array.isArray(problem["errors"]) ? (problem["errors"] as FieldError[]) : [];
  return new ApiError(response.status, code, detail, errors, problem);
}

const idempotency = (key: string | undefined) =>
  key === undefined ? undefined : ({ "Idempotency-Key": key } as const);

export class ApiClient {
  readonly baseUrl: string;
  /** The SDK client every call goes through. */
  readonly sdk: TenantryClient;
  private readonly timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const fetchImpl = options.fetch ?? fetch;
    this.sdk = createClient({
      baseUrl: this.baseUrl,
      apiKey: options.apiKey,
      timeoutMs: this.timeoutMs,
      fetch: (input, init) => fetchImpl(input, init),
    });
  }

  /** `GET /health`: the server's version, installation id and node id. */
  async health(): Promise<Schemas["Health"]> {
    return this.body(this.sdk.GET("/health"), "GET /health");
  }

  createTenant(input: CreateTenantInput, options: MutationOptions = {}): Promise<TenantWithOperation> {
    return this.body(
      this.sdk.POST("/v1/tenants", { body: input, params: { header: idempotency(options.idempotencyKey) } }),
      "POST /v1/tenants",
    );
  }

  listTenants(query: ListTenantsQuery = {}): Promise<Page<Tenant>> {
    return this.body(
      this.sdk.GET("/v1/tenants", {
        params: {
          query: {
            status: query.status,
            label: query.labels,
            q: query.q,
            limit: query.limit,
            cursor: query.cursor,
          },
        },
      }),
      "GET /v1/tenants",
    );
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
    return this.body(
      this.sdk.GET("/v1/tenants/{id}", { params: { path: { id: idOrSlug } } }),
      `GET /v1/tenants/${idOrSlug}`,
    );
  }

  tenantStatus(idOrSlug: string): Promise<TenantStatus> {
    return this.body(
      this.sdk.GET("/v1/tenants/{id}/status", { params: { path: { id: idOrSlug } } }),
      `GET /v1/tenants/${idOrSlug}/status`,
    );
  }

  tenantAction(
    idOrSlug: string,
    action: TenantAction,
    options: MutationOptions = {},
  ): Promise<TenantWithOperation> {
    const init = { params: { path: { id: idOrSlug }, header: idempotency(options.idempotencyKey) } };
    const what = `POST /v1/tenants/${idOrSlug}/${action}`;
    if (action === "suspend") return this.body(this.sdk.POST("/v1/tenants/{id}/suspend", init), what);
    if (action === "resume") return this.body(this.sdk.POST("/v1/tenants/{id}/resume", init), what);
    return this.body(this.sdk.POST("/v1/tenants/{id}/retry", init), what);
  }

  deleteTenant(idOrSlug: string, options: MutationOptions = {}): Promise<TenantWithOperation> {
    return this.body(
      this.sdk.DELETE("/v1/tenants/{id}", {
        params: { path: { id: idOrSlug }, header: idempotency(options.idempotencyKey) },
      }),
      `DELETE /v1/tenants/${idOrSlug}`,
    );
  }

  /** A page of the organization's events (every tenant's), oldest first. */
  listEvents(query: EventsQuery = {}): Promise<Page<TenantEvent>> {
    return this.jsonBody(this.sdk.GET("/v1/events", { params: { query } }), "GET /v1/events");
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
      query: { tenant?: string | undefined; type?: string | undefined };
      headers: Record<string, string>;
      signal: AbortSignal | undefined;
      idleMs: number;
      onMessage(m: SseMessage): void;
    },
  ): Promise<void> {
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
      const init = {
        headers: { accept: "text/event-stream", ...options.headers },
        parseAs: "stream" as const,
        signal: controller.signal,
      };
      const tenant = /^\/v1\/tenants\/([^/]+)\/events$/.exec(path)?.[1];
      let result: SdkResult<ReadableStream<Uint8Array> | null>;
      try {
        result =
          tenant === undefined
            ? await this.sdk.GET("/v1/events", {
                ...init,
                params: { query: { tenant: options.query.tenant, type: options.query.type } },
              })
            : await this.sdk.GET("/v1/tenants/{id}/events", {
                ...init,
                params: { path: { id: decodeURIComponent(tenant) } },
              });
      } catch (err) {
        if (options.signal?.aborted) return;
        if (silent) throw new ConnectionError(this.baseUrl, "no answer", "ETIMEDOUT");
        throw this.connectionError(err);
      }
      const { response } = result;
      if (!response.ok || !result.data) throw problemOf(response, result.error, `GET ${path}`);
      if (!/^text\/event-stream\b/i.test(response.headers.get("content-type") ?? "")) {
        await result.data.cancel().catch(() => {});
        throw new ApiError(
          response.status,
          "NOT_AN_EVENT_STREAM",
          `GET ${path} did not answer with an event stream (a Tenantry older than the CLI?)`,
        );
      }
      const parser = new SseParser();
      const decoder = new TextDecoder();
      try {
        for await (const chunk of result.data) {
          touch();
          for (const m of parser.push(decoder.decode(chunk, { stream: true }))) {
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
    return this.jsonBody(
      this.sdk.GET("/v1/tenants/{id}/events", {
        params: { path: { id: idOrSlug }, query: { after: query.after, limit: query.limit } },
      }),
      `GET /v1/tenants/${idOrSlug}/events`,
    );
  }

  tenantOperations(
    idOrSlug: string,
    query: { limit?: number; cursor?: string } = {},
  ): Promise<Page<Operation>> {
    return this.body(
      this.sdk.GET("/v1/tenants/{id}/operations", { params: { path: { id: idOrSlug }, query } }),
      `GET /v1/tenants/${idOrSlug}/operations`,
    );
  }

  getOperation(id: string): Promise<Operation> {
    return this.body(
      this.sdk.GET("/v1/operations/{id}", { params: { path: { id } } }),
      `GET /v1/operations/${id}`,
    );
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
    return this.body(
      this.sdk.PATCH("/v1/tenants/{id}", {
        body: input,
        params: {
          path: { id: idOrSlug },
          header: {
            ...idempotency(options.idempotencyKey),
            ...(options.ifMatch === undefined ? {} : { "If-Match": `"${options.ifMatch}"` }),
          },
        },
      }),
      `PATCH /v1/tenants/${idOrSlug}`,
    );
  }

  /** What a new blueprint version or new params would do to a tenant; nothing is applied. */
  planTenant(idOrSlug: string, input: PlanInput = {}): Promise<TenantPlan> {
    return this.body(
      this.sdk.POST("/v1/tenants/{id}/plan", { params: { path: { id: idOrSlug } }, body: input }),
      `POST /v1/tenants/${idOrSlug}/plan`,
    );
  }

  /** Stores `source` as the next version of `name`, unless it equals the latest version. */
  async pushBlueprint(name: string, source: string): Promise<PushBlueprintResult> {
    const { status, body } = await this.send(
      this.sdk.POST("/v1/blueprints", { body: { name, source } }),
      "POST /v1/blueprints",
    );
    return { blueprint: body, created: status === 201 };
  }

  /** A page of the organization's audit log, oldest first. */
  auditLog(query: AuditQuery = {}): Promise<Page<AuditEntryView>> {
    return this.body(this.sdk.GET("/v1/audit", { params: { query } }), "GET /v1/audit");
  }

  /** The organization's API keys (admin). */
  async listApiKeys(): Promise<ApiKeyView[]> {
    return (await this.body(this.sdk.GET("/v1/api-keys"), "GET /v1/api-keys")).data;
  }

  /** A new API key: the answer's `key` is shown this once. */
  createApiKey(input: Schemas["CreateApiKeyRequest"]): Promise<Schemas["ApiKeyCreated"]> {
    return this.body(this.sdk.POST("/v1/api-keys", { body: input }), "POST /v1/api-keys");
  }

  revokeApiKey(id: string): Promise<ApiKeyView> {
    return this.body(
      this.sdk.DELETE("/v1/api-keys/{id}", { params: { path: { id } } }),
      `DELETE /v1/api-keys/${id}`,
    );
  }

  rotateApiKey(id: string, graceSeconds?: number): Promise<Schemas["ApiKeyRotated"]> {
    return this.body(
      this.sdk.POST("/v1/api-keys/{id}/rotate", {
        params: { path: { id } },
        body: graceSeconds === undefined ? {} : { grace_seconds: graceSeconds },
      }),
      `POST /v1/api-keys/${id}/rotate`,
    );
  }

  /** The caller's organization and key (any role). */
  whoami(): Promise<Schemas["CallerIdentity"]> {
    return this.body(this.sdk.GET("/v1/organization"), "GET /v1/organization");
  }

  /** Every organization (platform admin), following the cursor. */
  async listOrganizations(): Promise<OrganizationView[]> {
    const out: OrganizationView[] = [];
    let cursor: string | undefined;
    do {
      const page: Page<OrganizationView> = await this.body(
        this.sdk.GET("/v1/organizations", { params: { query: { limit: 500, cursor } } }),
        "GET /v1/organizations",
      );
      out.push(...page.data);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return out;
  }

  getOrganization(idOrSlug: string): Promise<OrganizationView> {
    return this.body(
      this.sdk.GET("/v1/organizations/{id}", { params: { path: { id: idOrSlug } } }),
      `GET /v1/organizations/${idOrSlug}`,
    );
  }

  /** A new organization with its first admin key (shown this once). */
  createOrganization(input: Schemas["CreateOrganizationRequest"]): Promise<Schemas["OrganizationCreated"]> {
    return this.body(this.sdk.POST("/v1/organizations", { body: input }), "POST /v1/organizations");
  }

  renameOrganization(idOrSlug: string, name: string): Promise<OrganizationView> {
    return this.body(
      this.sdk.PATCH("/v1/organizations/{id}", { params: { path: { id: idOrSlug } }, body: { name } }),
      `PATCH /v1/organizations/${idOrSlug}`,
    );
  }

  deleteOrganization(idOrSlug: string): Promise<OrganizationView> {
    return this.body(
      this.sdk.DELETE("/v1/organizations/{id}", { params: { path: { id: idOrSlug } } }),
      `DELETE /v1/organizations/${idOrSlug}`,
    );
  }

  /** An organization's quotas (platform admin), or the caller's own without `idOrSlug`. */
  getQuotas(idOrSlug?: string): Promise<QuotasView> {
    if (idOrSlug === undefined) {
      return this.body(this.sdk.GET("/v1/organization/quotas"), "GET /v1/organization/quotas");
    }
    return this.body(
      this.sdk.GET("/v1/organizations/{id}/quotas", { params: { path: { id: idOrSlug } } }),
      `GET /v1/organizations/${idOrSlug}/quotas`,
    );
  }

  /** Overrides some of an organization's quotas; null resets one to the default (platform admin). */
  setQuotas(idOrSlug: string, changes: Record<string, number | null>): Promise<QuotasView> {
    return this.body(
      this.sdk.PATCH("/v1/organizations/{id}/quotas", {
        params: { path: { id: idOrSlug } },
        body: changes as Schemas["QuotaOverrides"],
      }),
      `PATCH /v1/organizations/${idOrSlug}/quotas`,
    );
  }

  /** The targets the server serves, with their capabilities (GET /v1/targets). */
  async listTargets(): Promise<TargetView[]> {
    return (await this.body(this.sdk.GET("/v1/targets"), "GET /v1/targets")).data;
  }

  /** The latest version of every blueprint (without sources). */
  async listBlueprints(): Promise<BlueprintVersion[]> {
    return (await this.body(this.sdk.GET("/v1/blueprints"), "GET /v1/blueprints")).data;
  }

  /** The latest version (with its source), or one version (with its source and parsed form). */
  getBlueprint(name: string, version?: number): Promise<BlueprintVersion> {
    if (version === undefined) {
      return this.body(
        this.sdk.GET("/v1/blueprints/{name}", { params: { path: { name } } }),
        `GET /v1/blueprints/${name}`,
      );
    }
    return this.body(
      this.sdk.GET("/v1/blueprints/{name}/versions/{version}", { params: { path: { name, version } } }),
      `GET /v1/blueprints/${name}/versions/${version}`,
    );
  }

  /** The resources and monthly cost the blueprint would give a would-be tenant. */
  renderBlueprint(name: string, input: RenderInput): Promise<RenderedBlueprint> {
    return this.body(
      this.sdk.POST("/v1/blueprints/{name}/render", { params: { path: { name } }, body: input }),
      `POST /v1/blueprints/${name}/render`,
    );
  }

  /** The last `tail` lines of a resource's output; `name` is a resource key or a service name. */
  resourceLogs(idOrSlug: string, name: string, query: { tail?: number } = {}): Promise<ResourceLogs> {
    return this.jsonBody(
      this.sdk.GET("/v1/tenants/{id}/resources/{name}/logs", {
        params: { path: { id: idOrSlug, name }, query: { tail: query.tail } },
      }),
      `GET /v1/tenants/${idOrSlug}/resources/${name}/logs`,
    );
  }

  /**
   * Streams a resource's output (server-sent events): the last `tail` lines, then new
   * lines as they are written, until `signal` aborts (resolves) or the server ends the
   * stream (resolves) or the connection fails (rejects with a ConnectionError).
   */
  async followLogs(idOrSlug: string, name: string, options: FollowLogsOptions): Promise<void> {
    const what = `GET /v1/tenants/${idOrSlug}/resources/${name}/logs`;
    let result: SdkResult<ReadableStream<Uint8Array> | null>;
    try {
      result = await this.sdk.GET("/v1/tenants/{id}/resources/{name}/logs", {
        params: { path: { id: idOrSlug, name }, query: { tail: options.tail } },
        headers: { accept: "text/event-stream" },
        parseAs: "stream",
        signal: options.signal,
      });
    } catch (err) {
      if (options.signal?.aborted) return;
      throw this.connectionError(err);
    }
    if (!result.response.ok || !result.data) throw problemOf(result.response, result.error, what);
    const parser = new SseParser();
    const decoder = new TextDecoder();
    try {
      for await (const chunk of result.data) {
        // One line per event; comments (`: keepalive`) carry no data.
        for (const m of parser.push(decoder.decode(chunk, { stream: true }))) {
          if (m.data !== undefined) options.onLine(m.data);
        }
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      const { code, message } = errnoOf(err);
      throw new ConnectionError(this.baseUrl, message, code);
    }
  }

  // --- Webhooks (admin) ---------------------------------------------------------------

  async listWebhooks(): Promise<Schemas["Webhook"][]> {
    return (await this.body(this.sdk.GET("/v1/webhooks"), "GET /v1/webhooks")).data;
  }

  /** A new endpoint: the answer's `secret` is shown this once. */
  createWebhook(input: Schemas["CreateWebhookRequest"]): Promise<Schemas["WebhookWithSecret"]> {
    return this.body(this.sdk.POST("/v1/webhooks", { body: input }), "POST /v1/webhooks");
  }

  updateWebhook(id: string, input: Schemas["UpdateWebhookRequest"]): Promise<Schemas["Webhook"]> {
    return this.body(
      this.sdk.PATCH("/v1/webhooks/{id}", { params: { path: { id } }, body: input }),
      `PATCH /v1/webhooks/${id}`,
    );
  }

  /** Answers 204: nothing to read. */
  async deleteWebhook(id: string): Promise<void> {
    await this.answer(
      this.sdk.DELETE("/v1/webhooks/{id}", { params: { path: { id } } }),
      `DELETE /v1/webhooks/${id}`,
    );
  }

  rotateWebhookSecret(id: string, secret?: string): Promise<Schemas["WebhookWithSecret"]> {
    return this.body(
      this.sdk.POST("/v1/webhooks/{id}/rotate-secret", {
        params: { path: { id } },
        body: secret === undefined ? {} : { secret },
      }),
      `POST /v1/webhooks/${id}/rotate-secret`,
    );
  }

  /** An endpoint's delivery log, oldest first (one page). */
  webhookDeliveries(
    id: string,
    query: { limit?: number; cursor?: string } = {},
  ): Promise<Page<Schemas["WebhookDelivery"]>> {
    return this.body(
      this.sdk.GET("/v1/webhooks/{id}/deliveries", { params: { path: { id }, query } }),
      `GET /v1/webhooks/${id}/deliveries`,
    );
  }

  redeliverWebhook(id: string, deliveryId: string): Promise<Schemas["WebhookDelivery"]> {
    return this.body(
      this.sdk.POST("/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", {
        params: { path: { id, delivery_id: deliveryId } },
      }),
      `POST /v1/webhooks/${id}/deliveries/${deliveryId}/redeliver`,
    );
  }

  /** Starts a run of a tenant's cron job now (answers at once). */
  runJob(idOrSlug: string, name: string): Promise<JobRun> {
    return this.body(
      this.sdk.POST("/v1/tenants/{id}/resources/{name}/runs", { params: { path: { id: idOrSlug, name } } }),
      `POST /v1/tenants/${idOrSlug}/resources/${name}/runs`,
    );
  }

  private async body<T>(pending: Promise<SdkResult<T>>, what: string): Promise<T> {
    return (await this.send(pending, what)).body;
  }

  /** {@link body} of a route that can also answer an event stream (text): asked for JSON, JSON it is. */
  private async jsonBody<T>(pending: Promise<SdkResult<T>>, what: string): Promise<Exclude<T, string>> {
    const { status, body } = await this.send(pending, what);
    if (typeof body === "string") {
      throw new ApiError(status, "INVALID_RESPONSE", `${what} did not answer with JSON`);
    }
    return body as Exclude<T, string>;
  }

  /** A successful answer of an SDK call (with or without a body); an ApiError for an error answer, a ConnectionError when none came. */
  private async answer<T>(pending: Promise<SdkResult<T>>, what: string): Promise<SdkResult<T>> {
    let result: SdkResult<T>;
    try {
      result = await pending;
    } catch (err) {
      throw this.connectionError(err);
    }
    if (!result.response.ok) throw problemOf(result.response, result.error, what);
    return result;
  }

  /** The answer of an SDK call: its body, an ApiError for an error answer, a ConnectionError when none came. */
  private async send<T>(pending: Promise<SdkResult<T>>, what: string): Promise<{ status: number; body: T }> {
    const result = await this.answer(pending, what);
    const { response } = result;
    if (result.data === undefined) {
      throw new ApiError(response.status, "INVALID_RESPONSE", `${what} did not answer with JSON`);
    }
    return { status: response.status, body: result.data };
  }

  private connectionError(err: unknown): ConnectionError {
    if (err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError")) {
      return new ConnectionError(this.baseUrl, `no response within ${this.timeoutMs / 1000}s`, "ETIMEDOUT");
    }
    const { code, message } = errnoOf(err);
    return new ConnectionError(this.baseUrl, code === "ECONNREFUSED" ? "connection refused" : message, code);
  }
}
