import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { TenantryError } from "../../domain/errors.js";
import { TENANT_EVENT_TYPES } from "../../domain/events.js";
import type { TenantEvent } from "../../domain/types.js";
import { type EventScope, scopedEvents } from "../../services/event-horizon.js";
import { principalOf } from "../auth.js";
import { eventStreamsOf, wantsEventStream } from "../event-stream.js";
import { eventStream, problems } from "../openapi.js";
import { EventView, Page } from "../schemas.js";
import type { HttpDeps } from "../server.js";
import { eventView } from "../views.js";

/** An event of the organization's timeline: a tenant's event with the tenant's id. */
const { id: eventId, ...eventFields } = EventView.properties;
export const OrganizationEventView = Type.Object(
  {
    id: eventId,
    tenant_id: Type.String({ format: "uuid", description: "The tenant the event is about" }),
    ...eventFields,
  },
  { title: "OrganizationEvent", description: "One entry of the organization's timeline: a tenant's event" },
);

/** The SSE variant of the events routes (OpenAPI), as `src/http/event-stream.ts` sends it. */
export const EVENT_STREAM_DOC = eventStream(
  "With `Accept: text/event-stream`: `id:` (the event id), `event:` (its type) and `data:` (the JSON object of the page) per event, live; the first message is `id:` alone (where it starts); a `: keepalive` comment every 15 s",
  'id: 41\n\nid: 42\nevent: tenant.status_changed\ndata: {"id":42,"type":"tenant.status_changed","message":"queued → provisioning"}\n\n: keepalive\n\n',
);

export function organizationEventView(e: TenantEvent) {
  const { id, ...rest } = eventView(e);
  return { id, tenant_id: e.tenantId, ...rest };
}

const EventsQuery = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
        description: "Only events with a larger id (the stream: start after it)",
      }),
    ),
    cursor: Type.Optional(
      Type.String({ maxLength: 20, description: "`next_cursor` of the previous page (JSON only)" }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
    tenant: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: "Only this tenant's events (id or slug)" }),
    ),
    type: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description:
          "Comma-separated event types; one ending in `.` or `.*` is a prefix (`tenant.`, `resource.*`)",
      }),
    ),
  },
  { additionalProperties: false },
);

/** `type=tenant.created,resource.` → exact types and prefixes; unknown ones are a 400. */
export function parseTypeFilter(raw: string | undefined): EventScope["types"] {
  if (raw === undefined) return undefined;
  const exact: string[] = [];
  const prefixes: string[] = [];
  const bad: string[] = [];
  for (const item of raw.split(",").map((s) => s.trim())) {
    if (item === "") continue;
    const prefix = item.endsWith(".*") ? item.slice(0, -1) : item.endsWith(".") ? item : undefined;
    if (prefix !== undefined) {
      if (TENANT_EVENT_TYPES.some((t) => t.startsWith(prefix))) prefixes.push(prefix);
      else bad.push(item);
    } else if ((TENANT_EVENT_TYPES as string[]).includes(item)) exact.push(item);
    else bad.push(item);
  }
  if (bad.length > 0 || exact.length + prefixes.length === 0) {
    throw new TenantryError(
      "VALIDATION_FAILED",
      bad.length > 0 ? `unknown event type ${bad.join(", ")}` : "type: no event type given",
      {
        errors: [
          {
            pointer: "/query/type",
            message: `expected event types (or prefixes ending in .) from: ${TENANT_EVENT_TYPES.join(", ")}`,
          },
        ],
      },
    );
  }
  return { exact, prefixes };
}

/** `cursor` (a `next_cursor`) or `after`, not both. */
function startOf(query: { after?: number; cursor?: string }): number | undefined {
  if (query.cursor === undefined) return query.after;
  if (query.after !== undefined) {
    throw new TenantryError("VALIDATION_FAILED", "give after or cursor, not both", {
      errors: [{ pointer: "/query/cursor", message: "use either after or cursor" }],
    });
  }
  if (!/^\d{1,16}$/.test(query.cursor) || !Number.isSafeInteger(Number(query.cursor))) {
    throw new TenantryError("VALIDATION_FAILED", "cursor is not valid", {
      errors: [{ pointer: "/query/cursor", message: "use next_cursor from the previous page" }],
    });
  }
  return Number(query.cursor);
}

/** `GET /v1/events`: the organization's timeline, every tenant's events in one order. */
export const eventRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, deps) => {
  const { db, tenants } = deps;
  const streams = eventStreamsOf(deps);

  app.get(
    "/v1/events",
    {
      config: { role: "viewer", openapi: { eventStream: EVENT_STREAM_DOC } },
      schema: {
        operationId: "listEvents",
        tags: ["tenants"],
        summary: "The organization's events (every tenant's timeline), oldest first",
        description:
          "The events of all the organization's tenants in one order (ids are ordered), each with its `tenant_id`; filter by `tenant` (id or slug) and `type`. Pages: pass `next_cursor` as `cursor` (or the last id as `after`). With `Accept: text/event-stream` the answer is a stream of server-sent events: each event as `id:` (its id), `event:` (its type) and `data:` (the object of the JSON page), new ones as they are recorded, and a `: keepalive` comment every 15 s, until the client disconnects. It starts after `Last-Event-ID` (as an EventSource resumes), else after `after`, else now; its first message is `id:` alone, where it starts. An event is sent once every event before it is visible, so resuming after an id misses nothing. Read the JSON pages for history; follow the stream for what happens next.",
        querystring: EventsQuery,
        headers: Type.Object({
          "last-event-id": Type.Optional(
            Type.String({ description: "The stream: resume after this event id (wins over `after`)" }),
          ),
        }),
        response: { 200: Page(OrganizationEventView, "OrganizationEventPage"), ...problems(404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const query = request.query;
      const scope: EventScope = {
        organizationId: principal.organizationId,
        types: parseTypeFilter(query.type),
      };
      // Another organization's tenant is not found, as everywhere.
      if (query.tenant !== undefined) scope.tenantId = (await tenants.get(db, principal, query.tenant)).id;
      const after = startOf(query);
      if (wantsEventStream(request)) {
        return streams.open(request, reply, { scope, view: organizationEventView, after });
      }
      const limit = query.limit ?? 200;
      const rows = await scopedEvents(db, scope, { after: after ?? 0, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        data: page.map(organizationEventView),
        next_cursor: rows.length > limit && last ? String(last.id) : null,
      };
    },
  );
};
