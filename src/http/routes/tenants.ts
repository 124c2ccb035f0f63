import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { TenantryError } from "../../domain/errors.js";
import { TENANT_STATUSES, type TenantStatus } from "../../domain/lifecycle.js";
import { typedResource } from "../../domain/resources.js";
import type { Resource } from "../../domain/types.js";
import { isUuid } from "../../lib/ids.js";
import { ProviderError, type RecordedResource } from "../../providers/provider.js";
import type { Queryable } from "../../services/database.js";
import { openOperation, pageOfOperations } from "../../services/operation-service.js";
import { recordTenantEvent, tenantEvents, tenantResources } from "../../services/tenant-records.js";
import { principalOf } from "../auth.js";
import { eventStreamsOf, wantsEventStream } from "../event-stream.js";
import { idempotent } from "../idempotency.js";
import { eventStream, problems } from "../openapi.js";
import {
  CreateTenantBody,
  EventView,
  IdempotencyHeaders,
  JobRunView,
  ListTenantsQuery,
  OperationView,
  Page,
  PageQuery,
  PlanBody,
  PlanView,
  ResourceLogsParams,
  ResourceLogsQuery,
  ResourceLogsView,
  TenantParams,
  TenantStatusView,
  TenantView,
  TenantWithOperation,
  TenantWithOptionalOperation,
  UpdateTenantBody,
} from "../schemas.js";
import type { HttpDeps } from "../server.js";
import { eventView, operationView, statusView, tenantView } from "../views.js";
import { EVENT_STREAM_DOC } from "./events.js";

function parseStatuses(raw: string | undefined): TenantStatus[] | undefined {
  if (!raw) return undefined;
  const list = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((s) => !(TENANT_STATUSES as readonly string[]).includes(s));
  if (bad.length) {
    throw new TenantryError("VALIDATION_FAILED", `unknown status ${bad.join(", ")}`, {
      errors: [
        { pointer: "/query/status", message: `expected statuses from: ${TENANT_STATUSES.join(", ")}` },
      ],
    });
  }
  return list as TenantStatus[];
}

function parseLabels(raw: string | string[] | undefined): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const item of [raw].flat()) {
    const eq = item.indexOf("=");
    if (eq <= 0) {
      throw new TenantryError("VALIDATION_FAILED", `label filter "${item}" is not key=value`, {
        errors: [{ pointer: "/query/label", message: "expected key=value" }],
      });
    }
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Cursors are opaque to clients: base64url of the last id of the previous page. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!isUuid(id)) {
    throw new TenantryError("VALIDATION_FAILED", "cursor is not valid", {
      errors: [{ pointer: "/query/cursor", message: "use next_cursor from the previous page" }],
    });
  }
  return id;
}

export const encodeCursor = (id: string) => Buffer.from(id, "utf8").toString("base64url");

/** A tenant's resource by key (`service:web`) or service name (`web`); deleted ones do not count. */
function findResource(resources: Resource[], name: string): Resource | undefined {
  const live = resources.filter((r) => r.status !== "deleted");
  return (
    live.find((r) => r.key === name) ??
    live.find((r) => r.key === `service:${name}`) ??
    live.find((r) => r.key.slice(r.key.indexOf(":") + 1) === name)
  );
}

/** The tenant's live resource named `name` (key or service name), or 404 RESOURCE_NOT_FOUND. */
async function resourceOr404(
  db: Queryable,
  tenant: { id: string; slug: string },
  name: string,
): Promise<Resource> {
  const resource = findResource(await tenantResources(db, tenant.id), name);
  if (!resource)
    throw new TenantryError("RESOURCE_NOT_FOUND", `tenant "${tenant.slug}" has no resource "${name}"`);
  return resource;
}

const recorded = (r: Resource): RecordedResource =>
  typedResource({
    key: r.key,
    kind: r.kind,
    externalName: r.externalName,
    dependsOn: r.dependsOn,
    spec: r.spec,
    providerId: r.providerId,
    outputs: r.outputs,
    // Logs need no secrets: they are not decrypted here.
    secretOutputs: {},
  });

const KEEPALIVE_MS = 15_000;

/** One SSE event per line; a line never contains `\n`, but a stray `\r` would split the field. */
const sseEvent = (line: string) => `data: ${line.replace(/\r/g, "")}\n\n`;

export const tenantRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, deps) => {
  const { db, tenants } = deps;
  /** Open log streams: ended when the server closes, so they do not hold the shutdown up. */
  const streams = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const end of [...streams]) end();
  });

  app.post(
    "/v1/tenants",
    {
      config: { role: "operator" },
      schema: {
        operationId: "createTenant",
        tags: ["tenants"],
        summary: "Create a tenant",
        description:
          "Records the tenant (`status: queued`) and starts its `create` operation. Send `Idempotency-Key` to make retries safe. Over the organization's `max_tenants` quota: 403 `QUOTA_EXCEEDED`; over `creates_per_minute`: 429 `RATE_LIMITED`.",
        headers: IdempotencyHeaders,
        body: CreateTenantBody,
        response: { 201: TenantWithOperation, ...problems(403, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      idempotent(
        db,
        request,
        reply,
        201,
        async (q) => {
          const { tenant, operation } = await tenants.create(q, principalOf(request), request.body);
          reply.header("location", `/v1/tenants/${tenant.id}`);
          return { tenant: tenantView(tenant, []), operation: operationView(operation) };
        },
        (body) => tenants.hashableBody(body),
      ),
  );

  app.get(
    "/v1/tenants",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "listTenants",
        tags: ["tenants"],
        summary: "List tenants",
        description: "Ordered by creation (oldest first); destroyed tenants stay listed unless filtered out.",
        querystring: ListTenantsQuery,
        response: { 200: Page(TenantView, "TenantPage") },
      },
    },
    async (request) => {
      const query = request.query;
      const limit = query.limit ?? 50;
      const rows = await tenants.list(db, principalOf(request), {
        statuses: parseStatuses(query.status),
        labels: parseLabels(query.label),
        q: query.q,
        after: decodeCursor(query.cursor),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        data: page.map((t) => tenantView(t)),
        next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
      };
    },
  );

  app.get(
    "/v1/tenants/:id",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "getTenant",
        tags: ["tenants"],
        summary: "Get a tenant by id or slug",
        description: "The tenant with its resources (their provider ids, statuses and outputs).",
        params: TenantParams,
        response: { 200: TenantView, ...problems(404) },
      },
    },
    async (request) => {
      const tenant = await tenants.get(db, principalOf(request), request.params.id);
      return tenantView(tenant, await tenantResources(db, tenant.id));
    },
  );

  app.get(
    "/v1/tenants/:id/status",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "getTenantStatus",
        tags: ["tenants"],
        summary: "Compact status of a tenant",
        description:
          "What a backend polls: status, resource ids, outputs such as `site_url`, and the error if any.",
        params: TenantParams,
        response: { 200: TenantStatusView, ...problems(404) },
      },
    },
    async (request) => {
      const tenant = await tenants.get(db, principalOf(request), request.params.id);
      const [resources, open] = await Promise.all([
        tenantResources(db, tenant.id),
        openOperation(db, tenant.id),
      ]);
      return statusView(tenant, resources, open?.operation ?? null, open?.step ?? null);
    },
  );

  const lifecycle = (action: "suspend" | "resume" | "retry" | "destroy") => ({
    config: { role: "operator" as const },
    schema: {
      operationId: `${action === "destroy" ? "delete" : action}Tenant`,
      tags: ["tenants"],
      summary:
        action === "destroy" ? "Destroy a tenant" : `${action[0]?.toUpperCase()}${action.slice(1)} a tenant`,
      description:
        action === "retry"
          ? "Re-runs the failed operation of a `failed` tenant from where it stopped."
          : action === "destroy"
            ? "Deletes every resource in reverse dependency order and verifies each is gone. The tenant stays as a `destroyed` record."
            : `Starts a \`${action}\` operation; 409 when the lifecycle does not allow it now.`,
      params: TenantParams,
      headers: IdempotencyHeaders,
      response: { 202: TenantWithOperation, ...problems(404, 409) },
    },
    handler: async (
      request: { params: { id: string } } & Parameters<typeof principalOf>[0],
      reply: Parameters<typeof idempotent>[2],
    ) =>
      idempotent(db, request, reply, 202, async (q) => {
        const { tenant, operation } = await tenants.request(
          q,
          principalOf(request),
          request.params.id,
          action,
        );
        return { tenant: tenantView(tenant), operation: operationView(operation) };
      }),
  });
  for (const action of ["suspend", "resume", "retry"] as const) {
    const route = lifecycle(action);
    app.post(`/v1/tenants/:id/${action}`, { config: route.config, schema: route.schema }, route.handler);
  }
  const destroy = lifecycle("destroy");
  app.delete("/v1/tenants/:id", { config: destroy.config, schema: destroy.schema }, destroy.handler);

  app.patch(
    "/v1/tenants/:id",
    {
      // Its answers carry the tenant's generation as `ETag`, for `If-Match`.
      config: { role: "operator", openapi: { etag: [200, 202] } },
      schema: {
        operationId: "updateTenant",
        tags: ["tenants"],
        summary: "Change a tenant",
        description:
          'A new blueprint (`name`, `name@N` or inline), params (merged; `null` removes one) or secrets (merged, write-only; a value the tenant already has changes nothing; undeclared ones are a 422 `UNDECLARED_SECRETS`) start an `update` operation: generation + 1, status `updating`, then `active`; the answer is 202 with the operation. A new name or labels (which replace the old ones) apply at once: 200 with `operation: null`. Send `If-Match: "<generation>"` to refuse the change (412) if the tenant changed since you read it. See `POST /v1/tenants/{id}/plan` for what a change would do.',
        params: TenantParams,
        headers: Type.Object({
          "if-match": Type.Optional(Type.String({ description: 'The generation you last read, e.g. "3"' })),
          "idempotency-key": Type.Optional(Type.String({ maxLength: 255 })),
        }),
        body: UpdateTenantBody,
        response: {
          200: TenantWithOptionalOperation,
          202: TenantWithOptionalOperation,
          ...problems(404, 409, 412, 422),
        },
      },
    },
    async (request, reply) => {
      const raw = request.headers["if-match"];
      let ifMatch: number | undefined;
      if (raw !== undefined) {
        const m = /^(?:W\/)?"?(\d{1,15})"?$/.exec(raw.trim());
        if (!m?.[1]) {
          throw new TenantryError("VALIDATION_FAILED", "invalid header: If-Match", {
            errors: [{ pointer: "/header/if-match", message: 'expected the tenant\'s generation, e.g. "3"' }],
          });
        }
        ifMatch = Number(m[1]);
      }
      return idempotent(
        db,
        request,
        reply,
        (result: { operation: unknown }) => (result.operation ? 202 : 200),
        async (q) => {
          const { tenant, operation } = await tenants.update(
            q,
            principalOf(request),
            request.params.id,
            request.body,
            ifMatch,
          );
          reply.header("etag", `"${tenant.generation}"`);
          return { tenant: tenantView(tenant), operation: operation ? operationView(operation) : null };
        },
        (body) => tenants.hashableBody(body),
      );
    },
  );

  app.post(
    "/v1/tenants/:id/plan",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "planTenantChange",
        tags: ["tenants"],
        summary: "What a change would do to a tenant, without applying it",
        description:
          "Renders the tenant's blueprint (or `blueprint`, another version) with its params merged with `params` (`null` removes one), and compares the result with the tenant's recorded resources: create / update (with the changed fields) / replace / delete / no-op per resource, in the order they would run, with the monthly cost. Secrets are redacted.",
        params: TenantParams,
        body: PlanBody,
        response: { 200: PlanView, ...problems(404, 422) },
      },
    },
    async (request) => {
      const result = await tenants.plan(db, principalOf(request), request.params.id, request.body ?? {});
      return {
        tenant_id: result.tenant.id,
        blueprint: { name: result.blueprint.name, version: result.blueprint.version },
        params: result.params,
        actions: result.plan.actions,
        summary: result.plan.summary,
        cost: result.cost,
      };
    },
  );

  app.get(
    "/v1/tenants/:id/events",
    {
      config: { role: "viewer", openapi: { eventStream: EVENT_STREAM_DOC } },
      schema: {
        operationId: "listTenantEvents",
        tags: ["tenants"],
        summary: "The tenant's timeline (append-only), oldest first",
        description:
          "What happened to the tenant: lifecycle changes, steps, provider actions and health changes, each with who asked and the request it came with. `next_cursor` is the last event's id: pass it as `after`. With `Accept: text/event-stream`: the tenant's events as server-sent events, live, resumable with `Last-Event-ID`, as `GET /v1/events` describes.",
        params: TenantParams,
        querystring: Type.Object(
          {
            after: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: Number.MAX_SAFE_INTEGER,
                description: "Only events with a larger id",
              }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(EventView, "EventPage"), ...problems(404) },
      },
    },
    async (request, reply) => {
      const tenant = await tenants.get(db, principalOf(request), request.params.id);
      // `Accept: text/event-stream`: src/http/event-stream.ts, as for `GET /v1/events`.
      if (wantsEventStream(request)) {
        const scope = { organizationId: tenant.organizationId, tenantId: tenant.id };
        return eventStreamsOf(deps).open(request, reply, {
          scope,
          view: eventView,
          after: request.query.after,
        });
      }
      const limit = request.query.limit ?? 200;
      const events = await tenantEvents(db, tenant.id, { after: request.query.after, limit });
      const last = events.at(-1);
      return {
        data: events.map(eventView),
        next_cursor: events.length === limit && last ? String(last.id) : null,
      };
    },
  );

  app.get(
    "/v1/tenants/:id/resources/:name/logs",
    {
      config: {
        role: "viewer",
        openapi: {
          eventStream: eventStream(
            "The tail as one `data:` event per line, then new lines as they are written; a `: keepalive` comment every 15 s",
            ": following\n\ndata: [build] ==> Building\n\ndata: [run] listening on :10000\n\n",
          ),
        },
      },
      schema: {
        operationId: "getTenantLogs",
        tags: ["tenants"],
        summary: "The last lines of a resource's build and runtime output",
        description:
          "`name` is the resource key (`service:web`) or the service name (`web`). Lines are oldest first, prefixed by their source (`[build]`, `[run]`, `[cron]`); build lines come before runtime lines (the logs carry no timestamps to interleave them). With `Accept: text/event-stream` the answer is a stream: the tail as one `data:` event per line, then new lines as they are written (polled every 500 ms), and a `: keepalive` comment every 15 s, until the client disconnects.",
        params: ResourceLogsParams,
        querystring: ResourceLogsQuery,
        response: { 200: ResourceLogsView, ...problems(404, 422) },
      },
    },
    async (request, reply) => {
      const tenant = await tenants.get(db, principalOf(request), request.params.id);
      const resource = await resourceOr404(db, tenant, request.params.name);
      const provider = deps.providers.get(resource.provider);
      const tail = request.query.tail ?? 200;
      const target = { id: tenant.id, slug: tenant.slug };
      const view = recorded(resource);
      const unsupported = () =>
        new TenantryError(
          "UNSUPPORTED_RESOURCE",
          `the ${resource.provider} target has no logs for ${resource.key} (kind ${resource.kind})`,
        );
      const follow = /\btext\/event-stream\b/i.test(request.headers.accept ?? "");
      if (!follow) {
        const logs = provider?.logs?.(target, view, { tail });
        if (!logs) throw unsupported();
        const lines: string[] = [];
        for await (const line of logs) lines.push(line);
        return { resource: resource.key, lines };
      }
      // The provider follows (the tail, then new lines) until this signal aborts.
      const following = new AbortController();
      const logs = provider?.logs?.(target, view, { tail, follow: true, signal: following.signal });
      if (!logs) throw unsupported();

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
        "x-accel-buffering": "no",
        "x-request-id": request.id,
      });
      res.write(": following\n\n");

      let closed = false;
      const keepalive = setInterval(() => {
        if (!closed) res.write(": keepalive\n\n");
      }, KEEPALIVE_MS);
      const stop = () => {
        closed = true;
        following.abort();
        clearInterval(keepalive);
        streams.delete(end);
      };
      const end = () => {
        stop();
        res.end();
      };
      streams.add(end);
      // The response's `close`: the client went away (the request's fires once it is read).
      res.on("close", stop);
      res.on("error", stop);
      (async () => {
        for await (const line of logs) {
          if (closed) break;
          res.write(sseEvent(line));
        }
      })()
        .catch((err: unknown) => {
          // The error only: never the lines, which may hold the tenant's secrets.
          request.log.warn({ err: (err as Error).message, resource: resource.key }, "log follow failed");
        })
        .finally(() => {
          if (!closed) end();
        });
    },
  );

  app.post(
    "/v1/tenants/:id/resources/:name/runs",
    {
      config: { role: "operator" },
      schema: {
        operationId: "runCronJob",
        tags: ["tenants"],
        summary: "Run a cron job now",
        description:
          "Starts a run of the tenant's cron job now, as if its schedule fired, and answers at once (202). Runs never overlap: when one is going, none is started (`started: false`). The run's output is in the resource's logs (`[cron]` lines); its exit code, time and duration in the resource's outputs once it finished (`runs` grows by one). The tenant must be `active` or `degraded`.",
        params: ResourceLogsParams,
        response: { 202: JobRunView, ...problems(404, 409, 422) },
      },
    },
    async (request, reply) => {
      const tenant = await tenants.get(db, principalOf(request), request.params.id);
      const resource = await resourceOr404(db, tenant, request.params.name);
      if (resource.kind !== "cron") {
        throw new TenantryError(
          "NOT_A_CRON_JOB",
          `${resource.key} is a ${resource.kind}; only cron jobs can be run on demand`,
        );
      }
      if (tenant.status !== "active" && tenant.status !== "degraded") {
        throw new TenantryError(
          "JOB_NOT_RUNNABLE",
          `tenant "${tenant.slug}" is ${tenant.status}; its cron jobs run only while it is active or degraded`,
          { extra: { tenant_status: tenant.status } },
        );
      }
      const provider = deps.providers.get(resource.provider);
      if (!provider?.runJob) {
        throw new TenantryError(
          "UNSUPPORTED_RESOURCE",
          `the ${resource.provider} target cannot run cron jobs on demand`,
        );
      }
      const recordedRuns = typeof resource.outputs["runs"] === "number" ? resource.outputs["runs"] : 0;
      let started: boolean;
      let runs: number;
      try {
        const result = await provider.runJob({ id: tenant.id, slug: tenant.slug }, recorded(resource));
        started = result.started;
        runs = result.runs ?? recordedRuns;
      } catch (err) {
        if (err instanceof ProviderError && !err.retryable) {
          throw new TenantryError("JOB_NOT_RUNNABLE", `${resource.key}: ${err.message}`);
        }
        throw err;
      }
      request.log.info({ tenantId: tenant.id, resource: resource.key, started }, "cron job run requested");
      await recordTenantEvent(db, {
        organizationId: tenant.organizationId,
        tenantId: tenant.id,
        type: "resource.run_requested",
        message: started
          ? `${resource.key}: run started on demand`
          : `${resource.key}: run requested on demand, but a run was already going`,
        data: { resource: resource.key, started, api_key_id: principalOf(request).apiKeyId },
        actor: { apiKeyId: principalOf(request).apiKeyId, requestId: request.id },
      });
      request.auditNote = { tenantId: tenant.id, summary: { resource: resource.key, started } };
      return reply.code(202).send({ resource: resource.key, started, runs });
    },
  );

  app.get(
    "/v1/tenants/:id/operations",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "listTenantOperations",
        tags: ["tenants"],
        summary: "The tenant's operations, newest first",
        description: "Each with its steps, attempts, timings, error and who asked for it.",
        params: TenantParams,
        querystring: PageQuery,
        response: { 200: Page(OperationView, "OperationPage"), ...problems(404) },
      },
    },
    async (request) => {
      const tenant = await tenants.get(db, principalOf(request), request.params.id);
      const limit = request.query.limit ?? 100;
      const page = await pageOfOperations(db, tenant.id, {
        before: decodeCursor(request.query.cursor),
        limit,
      });
      const last = page.operations.at(-1);
      return {
        data: page.operations.map((o) => operationView(o, page.steps)),
        next_cursor: page.more && last ? encodeCursor(last.id) : null,
      };
    },
  );
};
